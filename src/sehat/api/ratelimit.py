"""Rate limits (DESIGN §5, §7) with the ``limits`` library: per client address on public
calls, per account on calls with a valid token; 429 with ``Retry-After`` past the limit.

The key is something the client cannot choose. The client address is the socket's peer as
the ASGI server reports it; ``sehat serve`` believes ``X-Forwarded-For`` only from the
proxies named in ``SEHAT_TRUSTED_PROXIES`` (cli/server.py), so a caller cannot pick an
address per request. A bearer token counts as its account only when it is valid
(:class:`TokenAccounts`); any other token counts as the caller's address, so sending a new
made-up token on every call earns no fresh budget, and an account's tokens share one.

Counters live in memory (one process) by default and in Redis when ``SEHAT_REDIS_URL`` is
set, so every worker and every server shares one limit.

Should Redis be unreachable, requests are served unlimited (and that is logged) rather than
refused: a limiter outage must not become a verification outage.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import sqlalchemy as sa
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter as AsyncLimiter
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter as SyncLimiter
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from sehat.api import errors
from sehat.core.persian import to_persian_digits
from sehat.errors import InfrastructureError
from sehat.services.accounts import account_of_token, hash_token

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


class TokenAccounts:
    """Which account a bearer token stands for, for counting; None unless the token is valid.

    One indexed lookup (``accounts.authenticate``) per token, then remembered for ``ttl``
    seconds, valid and invalid alike, in a bounded in-process table: a client repeating its
    token costs no query, and a revoked token counts as its caller's address within ``ttl``.
    Authentication itself never uses this table: every request is checked again (deps.py).
    """

    def __init__(
        self,
        engine: sa.Engine,
        *,
        inline: bool,
        ttl: float = 30.0,
        size: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.inline = inline  # SQLite: microseconds, on the loop; else through the thread pool
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._seen: dict[str, tuple[str | None, float]] = {}

    async def account(self, token: bytes) -> str | None:
        """The account id of a valid token, else None."""
        try:
            text = token.decode("ascii").strip()
        except UnicodeDecodeError:
            return None  # no token Sehat issues has a byte outside ASCII
        digest = hash_token(text)
        now = self.clock()
        seen = self._seen.get(digest)
        if seen is not None and seen[1] > now:
            return seen[0]
        if self.inline:
            account = self._lookup(text)
        else:
            account = await run_in_threadpool(self._lookup, text)
        if len(self._seen) >= self.size:
            self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
            if len(self._seen) >= self.size:
                self._seen.clear()  # a flood of distinct tokens: start again
        self._seen[digest] = (account, now + self.ttl)
        return account

    def _lookup(self, token: str) -> str | None:
        with self.engine.connect() as conn:
            return account_of_token(conn, token, datetime.now(UTC))


class RateLimit:
    """ASGI middleware counting every ``/api/`` request against its client's limit."""

    def __init__(
        self,
        app: ASGIApp,
        public: RateLimitItem | None,
        token: RateLimitItem | None,
        redis_url: str | None = None,
        namespace: str = "sehat",
        accounts: TokenAccounts | None = None,
    ) -> None:
        self.app = app
        self.public = public
        self.token = token
        self.accounts = accounts
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
        try:
            limit, key = await self._classify(scope)
        except Exception as exc:  # the database is down: count the caller by address
            log.warning("token lookup for the rate limit failed (%s)", type(exc).__name__)
            limit, key = self.public, self._address(scope)
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
                    await self._refuse(scope, limit, wait)(scope, receive, send)
                    return
            except Exception as exc:  # the limiter's store is down: serve, and say so
                now = time.monotonic()
                if now - self._warned_at > 60:
                    self._warned_at = now
                    log.warning(
                        "rate limiter unavailable (%s); serving unlimited", type(exc).__name__
                    )
        await self.app(scope, receive, send)

    async def _classify(self, scope: Scope) -> tuple[RateLimitItem | None, str]:
        headers: Mapping[bytes, bytes] = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"")
        scheme, _, token = auth.partition(b" ")
        if scheme.lower() == b"bearer" and token.strip() and self.accounts is not None:
            account = await self.accounts.account(token)
            if account is not None:
                return self.token, "account:" + account
        return self.public, self._address(scope)

    @staticmethod
    def _address(scope: Scope) -> str:
        client = scope.get("client")
        return "client:" + (client[0] if client else "unknown")

    @staticmethod
    def _refuse(scope: Scope, limit: RateLimitItem, wait: int) -> JSONResponse:
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
            scope=scope,
        )
        return JSONResponse(
            body,
            429,
            headers={"Retry-After": str(wait), "X-RateLimit-Limit": str(limit.amount)},
        )
