"""Settings from the environment (DESIGN §7), read once at start-up and passed down."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from sehat.core.id_checks import IdCheckPolicy
from sehat.core.retention import DEFAULT_DAYS, MAX_DAYS
from sehat.errors import InfrastructureError


@dataclass(frozen=True)
class Settings:
    """Everything configurable; built by :func:`load_settings`, passed explicitly."""

    data_dir: Path
    database_url: str
    redis_url: str | None = None
    rate_limit_public: str = "120/minute"
    rate_limit_org: str = "6000/minute"
    rate_limit_namespace: str = "sehat"
    production: bool = False
    kek: str | None = None
    log_origin: str = "sehat.example/log"
    public_url: str = "http://127.0.0.1:8000"
    # SQLite: read the registry file into memory at start-up (store/prewarm.py).
    prewarm: bool = True
    # `sehat serve --workers N`: seconds a worker may go without answering the supervisor's
    # health check before it is killed and replaced (cli/server.py says why 30).
    worker_healthcheck_timeout: int = 30
    # Proxies whose X-Forwarded-For is believed (addresses or networks); none by default, so
    # the client address is the socket's and a caller cannot choose it.
    trusted_proxies: tuple[str, ...] = ()
    # National-ID checks are never a search (DESIGN §5, core/id_checks.py).
    id_checks: IdCheckPolicy = field(default_factory=IdCheckPolicy)
    # Public-tier access rows are kept one by one this many UTC days, then folded into daily
    # counts (DESIGN §5, core/retention.py); 0 keeps them one by one for ever (no compaction).
    access_log_days: int = DEFAULT_DAYS
    # The server's first daily compaction comes this long after it starts.
    access_log_compact_after: float = 300.0


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'sehat.db').resolve()}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (``os.environ`` by default)."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("SEHAT_DATA_DIR", "./sehat-data"))
    url = env.get("SEHAT_DATABASE_URL") or default_database_url(data_dir)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    mode = env.get("SEHAT_MODE", "development").strip().lower()
    if mode not in {"production", "development", "demo"}:
        raise InfrastructureError(
            f"SEHAT_MODE={mode!r} is not a mode; use production, development or demo",
            f"مقدار SEHAT_MODE={mode!r} نامعتبر است؛ production یا development یا demo",
        )
    prewarm = env.get("SEHAT_PREWARM", "on").strip().lower()
    if prewarm not in {"on", "off"}:
        raise InfrastructureError(
            f"SEHAT_PREWARM={prewarm!r} is not a setting; use on or off",
            f"مقدار SEHAT_PREWARM={prewarm!r} نامعتبر است؛ on یا off",
        )
    return Settings(
        id_checks=_id_check_policy(env),
        data_dir=data_dir,
        database_url=url,
        redis_url=env.get("SEHAT_REDIS_URL") or None,
        rate_limit_public=env.get("SEHAT_RATE_LIMIT_PUBLIC", "120/minute"),
        rate_limit_org=env.get("SEHAT_RATE_LIMIT_ORG", "6000/minute"),
        rate_limit_namespace=env.get("SEHAT_RATE_LIMIT_NAMESPACE", "sehat"),
        production=mode == "production",
        kek=env.get("SEHAT_KEK") or None,
        log_origin=env.get("SEHAT_LOG_ORIGIN", "sehat.example/log"),
        public_url=env.get("SEHAT_PUBLIC_URL", "http://127.0.0.1:8000"),
        prewarm=prewarm == "on",
        worker_healthcheck_timeout=int(
            _number(env, "SEHAT_WORKER_HEALTHCHECK_TIMEOUT", 30, 1, 3600)
        ),
        trusted_proxies=_trusted_proxies(env.get("SEHAT_TRUSTED_PROXIES", "")),
        access_log_days=_access_log_days(env),
    )


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    """``SEHAT_TRUSTED_PROXIES``: comma-separated addresses or CIDR networks, each checked."""
    out: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise InfrastructureError(
                f"SEHAT_TRUSTED_PROXIES: {item!r} is not an IP address or network; write "
                "the reverse proxies' addresses, e.g. 10.0.0.5,10.1.0.0/16 (or leave it unset "
                "to trust no proxy)",
                f"در SEHAT_TRUSTED_PROXIES مقدار {item!r} نشانی یا شبکه IP نیست؛ نشانی "
                "پراکسی‌ها را بنویسید، مثلاً 10.0.0.5,10.1.0.0/16 (یا برای اعتماد نکردن به هیچ "
                "پراکسی، آن را خالی بگذارید)",
            ) from None
        out.append(str(network.network_address) if "/" not in item else str(network))
    return tuple(out)


def _number(env: dict[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise InfrastructureError(
            f"{name}={raw!r} is not a number from {low:g} to {high:g}",
            f"مقدار {name}={raw!r} باید عددی از {low:g} تا {high:g} باشد",
        )
    return value


def _access_log_days(env: dict[str, str]) -> int:
    """``SEHAT_ACCESS_LOG_DAYS``: whole days, 0 (never fold) to 3650."""
    raw = env.get("SEHAT_ACCESS_LOG_DAYS", "").strip()
    if not raw:
        return DEFAULT_DAYS
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_DAYS:
        raise InfrastructureError(
            f"SEHAT_ACCESS_LOG_DAYS={raw!r} is not a whole number of days from 0 to {MAX_DAYS} "
            f"(default {DEFAULT_DAYS}; 0 keeps public-tier rows one by one for ever)",
            f"مقدار SEHAT_ACCESS_LOG_DAYS={raw!r} باید عدد صحیحی از ۰ تا {MAX_DAYS} روز باشد "
            f"(پیش‌فرض {DEFAULT_DAYS}؛ ۰ یعنی ردیف‌های عمومی هرگز خلاصه نشوند)",
        )
    return int(raw)


def _id_check_policy(env: dict[str, str]) -> IdCheckPolicy:
    """``SEHAT_ID_CHECK_*``: the limits on national-ID checks."""
    default = IdCheckPolicy()
    return IdCheckPolicy(
        document_failures=int(
            _number(env, "SEHAT_ID_CHECK_DOCUMENT_FAILURES", default.document_failures, 1, 100)
        ),
        fail_rate=_number(env, "SEHAT_ID_CHECK_FAIL_RATE", default.fail_rate, 0, 1),
        fail_min=int(_number(env, "SEHAT_ID_CHECK_FAIL_MIN", default.fail_min, 0, 10**6)),
        fail_max=int(_number(env, "SEHAT_ID_CHECK_FAIL_MAX", default.fail_max, 0, 10**6)),
    )
