"""Rate limits (DESIGN §5, §7) with the ``limits`` library: per client address on public
calls, per token on calls that carry one; 429 with ``Retry-After`` past the limit.

Counters live in memory (one process) by default and in Redis when ``SEHAT_REDIS_URL`` is
set, so every worker and every server shares one limit. A token is counted by a hash of
it, never the token itself. The client address is what the ASGI server reports: behind a
reverse proxy, start uvicorn with ``--forwarded-allow-ips`` so it is the caller's, not the
proxy's.

Should Redis be unreachable, requests are served unlimited (and that is logged) rather than
refused: a limiter outage must not become a verification outage.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Mapping

from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter as AsyncLimiter
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter as SyncLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from sehat.api import errors
from sehat.core.persian import to_persian_digits
from sehat.errors import InfrastructureError

log = logging.getLogger("sehat.api")

OFF = {"", "0", "off", "none", "unlimited"}
_UNITS_FA = {"second": "ثانیه", "minute": "دقیقه", "hour": "ساعت", "day": "روز"}


def parse_limit(text: str, variable: str) -> RateLimitItem | None:
    """``120/minute`` → a limit; ``off`` → None. InfrastructureError for anything else."""
    if text.strip().lower() in OFF:
        return None
    try:
        return parse(text)
    except ValueError:
        raise InfrastructureError(
            f"{variable}={text!r} is not a rate limit; write e.g. 120/minute, 10/second or off",
            f"مقدار {variable}={text!r} نامعتبر است؛ مثلاً 120/minute یا off بنویسید",
        ) from None


class RateLimit:
    """ASGI middleware counting every ``/api/`` request against its client's limit."""

    def __init__(
        self,
        app: ASGIApp,
        public: RateLimitItem | None,
        token: RateLimitItem | None,
        redis_url: str | None = None,
        namespace: str = "sehat",
    ) -> None:
        self.app = app
        self.public = public
        self.token = token
        # Redis is across a network: its limiter is async, so a round trip never blocks the
        # loop. In memory the synchronous limiter is cheaper (no lock or task to await).
        self.remote: AsyncLimiter | None = None
        self.local: SyncLimiter | None = None
        if redis_url:
            uri = "async+" + redis_url.removeprefix("async+")
            self.remote = AsyncLimiter(
                storage_from_string(
                    uri, implementation="redispy", key_prefix=f"{namespace}:ratelimit"
                )
            )
        else:
            self.local = SyncLimiter(storage_from_string("memory://"))
        self._warned_at = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        limit, key = self._classify(scope)
        if limit is not None:
            try:
                if self.local is not None:
                    allowed = self.local.hit(limit, key)
                    reset = self.local.get_window_stats(limit, key).reset_time if not allowed else 0
                else:
                    assert self.remote is not None
                    allowed = await self.remote.hit(limit, key)
                    reset = (
                        (await self.remote.get_window_stats(limit, key)).reset_time
                        if not allowed
                        else 0
                    )
                if not allowed:
                    wait = max(1, math.ceil(reset - time.time()))
                    await self._refuse(limit, wait)(scope, receive, send)
                    return
            except Exception as exc:  # the limiter's store is down: serve, and say so
                now = time.monotonic()
                if now - self._warned_at > 60:
                    self._warned_at = now
                    log.warning(
                        "rate limiter unavailable (%s); serving unlimited", type(exc).__name__
                    )
        await self.app(scope, receive, send)

    def _classify(self, scope: Scope) -> tuple[RateLimitItem | None, str]:
        headers: Mapping[bytes, bytes] = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"")
        scheme, _, token = auth.partition(b" ")
        if scheme.lower() == b"bearer" and token.strip():
            return self.token, "token:" + hashlib.sha256(token.strip()).hexdigest()[:32]
        client = scope.get("client")
        return self.public, "client:" + (client[0] if client else "unknown")

    @staticmethod
    def _refuse(limit: RateLimitItem, wait: int) -> JSONResponse:
        unit = limit.GRANULARITY.name
        per = (
            f"{limit.amount} requests per {limit.multiples} {unit}s"
            if limit.multiples > 1
            else f"{limit.amount} requests per {unit}"
        )
        per_fa = (
            f"{to_persian_digits(str(limit.amount))} درخواست در "
            f"{to_persian_digits(str(limit.multiples)) + ' ' if limit.multiples > 1 else ''}"
            f"{_UNITS_FA.get(unit, unit)}"
        )
        body = errors.error_body(
            "rate_limited",
            f"too many requests: the limit is {per}; try again in {wait} seconds",
            f"درخواست‌ها بیش از حد مجاز است (حداکثر {per_fa})؛ "
            f"{to_persian_digits(str(wait))} ثانیه دیگر دوباره تلاش کنید",
        )
        return JSONResponse(
            body,
            429,
            headers={"Retry-After": str(wait), "X-RateLimit-Limit": str(limit.amount)},
        )
