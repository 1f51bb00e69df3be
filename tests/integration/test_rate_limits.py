"""Rate limits (DESIGN §5, §7): per client address on public calls, per account on calls with
a valid token; 429 with Retry-After; in memory by default, shared through Redis by every
server process. The key is one the client cannot choose: X-Forwarded-For counts only from a
trusted proxy, and a made-up token counts as the caller's address."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from sehat.api.app import create_app
from sehat.config import Settings, load_settings
from sehat.errors import InfrastructureError
from sehat.services import accounts
from sehat.services.principal import Role

from .api_helpers import KEK, make_client, make_tokens
from .conftest import required_service_url
from .server_helpers import running_server


def _redis_url() -> str:
    return required_service_url("SEHAT_TEST_REDIS_URL", "Redis", "redis://127.0.0.1:6379/0")


def test_public_calls_are_limited_per_client_with_retry_after(
    engine: sa.Engine, tmp_path: Path
) -> None:
    client = make_client(engine, tmp_path, rate_limit_public="5/minute", rate_limit_org="3/minute")
    tokens = make_tokens(engine)
    answers = [client.get("/api/v1/verify/10001052348068574304").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    refused = client.get("/api/v1/institutions")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["type"] == "rate_limited" and "5 requests per minute" in error["message"]
    assert "درخواست" in error["message_fa"]
    # A token has its own budget, and one token's use is not another's.
    for _ in range(3):
        assert client.get("/api/v1/me/documents", headers=tokens.holder).status_code == 200
    assert client.get("/api/v1/me/documents", headers=tokens.holder).status_code == 429
    assert client.get("/api/v1/admin/accounts", headers=tokens.operator).status_code == 200
    # Outside the API (health, OpenAPI) nothing is counted.
    assert client.get("/healthz").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_a_limit_that_is_not_one_is_refused_at_start(engine: sa.Engine, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url=str(engine.url), kek=KEK, rate_limit_public="lots"
    )
    with pytest.raises(InfrastructureError, match="SEHAT_RATE_LIMIT_PUBLIC") as refused:
        create_app(settings, engine=engine)
    assert "120/minute" in refused.value.message


def test_two_servers_share_one_limit_through_redis(engine: sa.Engine, tmp_path: Path) -> None:
    env = {
        "SEHAT_REDIS_URL": _redis_url(),
        "SEHAT_RATE_LIMIT_PUBLIC": "10/minute",
        "SEHAT_RATE_LIMIT_NAMESPACE": f"test-{uuid.uuid4().hex}",  # this test's counters only
    }
    with (
        running_server(engine, tmp_path / "a", env=env) as first,
        running_server(engine, tmp_path / "b", env=env) as second,
    ):
        statuses = []
        for i in range(14):
            base = first if i % 2 == 0 else second
            statuses.append(httpx.get(f"{base}/api/v1/fields", timeout=10).status_code)
        assert statuses == [200] * 10 + [429] * 4
        last = httpx.get(f"{first}/api/v1/fields", timeout=10)
        assert last.status_code == 429 and int(last.headers["Retry-After"]) >= 1


def _junk_token() -> dict[str, str]:
    return {"Authorization": f"Bearer sehat_{secrets.token_urlsafe(32)}"}


def _verifier_tokens(engine: sa.Engine, count: int) -> list[dict[str, str]]:
    """``count`` tokens of one new verifier account."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        account = accounts.create_account(conn, Role.VERIFIER, "Acme HR", now)
        made = [accounts.create_token(conn, account, now)[0] for _ in range(count)]
    return [{"Authorization": f"Bearer {token}"} for token in made]


def test_a_made_up_token_on_every_call_earns_no_fresh_budget(
    engine: sa.Engine, tmp_path: Path
) -> None:
    client = make_client(engine, tmp_path, rate_limit_public="5/minute")
    real = _verifier_tokens(engine, 1)[0]
    # The attack: a different junk bearer token on each call, hoping each is its own client.
    answers = [client.get("/api/v1/fields", headers=_junk_token()).status_code for _ in range(8)]
    assert answers == [200] * 5 + [429] * 3
    # The junk counted as this address: its tokenless calls are refused too ...
    assert client.get("/api/v1/fields").status_code == 429
    # ... while a real token from the same address has its account's own budget.
    assert client.get("/api/v1/fields", headers=real).status_code == 200


def test_an_accounts_tokens_share_one_budget(engine: sa.Engine, tmp_path: Path) -> None:
    client = make_client(engine, tmp_path, rate_limit_org="4/minute")
    first, second = _verifier_tokens(engine, 2)
    other = _verifier_tokens(engine, 1)[0]
    # Minting a second token for the same account does not double its budget.
    answers = [
        client.get("/api/v1/fields", headers=first if i % 2 else second).status_code
        for i in range(6)
    ]
    assert answers == [200] * 4 + [429] * 2
    assert client.get("/api/v1/fields", headers=other).status_code == 200


def test_forwarded_for_and_junk_tokens_do_not_escape_the_limit_across_workers(
    engine: sa.Engine, tmp_path: Path
) -> None:
    env = {
        "SEHAT_REDIS_URL": _redis_url(),
        "SEHAT_RATE_LIMIT_PUBLIC": "5/minute",
        "SEHAT_RATE_LIMIT_ORG": "1000/minute",
        "SEHAT_RATE_LIMIT_NAMESPACE": f"test-{uuid.uuid4().hex}",
    }
    real = _verifier_tokens(engine, 1)[0]
    with running_server(engine, tmp_path / "s", workers=2, env=env) as base:
        statuses = []
        for i in range(10):
            # No proxy is trusted (the default): a forged X-Forwarded-For, from this very
            # machine, names no other client, and neither does a made-up token.
            headers = {"X-Forwarded-For": f"203.0.113.{i + 1}"}
            if i % 2:
                headers |= _junk_token()
            statuses.append(httpx.get(f"{base}/api/v1/fields", headers=headers).status_code)
        assert statuses == [200] * 5 + [429] * 5
        refused = httpx.get(f"{base}/api/v1/fields", headers={"X-Forwarded-For": "192.0.2.9"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        # A valid token is its account, whichever worker answers.
        assert all(
            httpx.get(f"{base}/api/v1/fields", headers=real).status_code == 200 for _ in range(6)
        )


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    engine: sa.Engine, tmp_path: Path
) -> None:
    env = {
        "SEHAT_REDIS_URL": _redis_url(),
        "SEHAT_RATE_LIMIT_PUBLIC": "3/minute",
        "SEHAT_RATE_LIMIT_NAMESPACE": f"test-{uuid.uuid4().hex}",
        "SEHAT_TRUSTED_PROXIES": "127.0.0.1, ::1",  # the test plays the proxy
    }
    with running_server(engine, tmp_path / "s", workers=2, env=env) as base:
        # Six clients the proxy names: each is counted on its own.
        for i in range(6):
            answer = httpx.get(
                f"{base}/api/v1/fields", headers={"X-Forwarded-For": f"203.0.113.{i + 1}"}
            )
            assert answer.status_code == 200
        # One client sending its own X-Forwarded-For: the proxy appends the address it saw,
        # and that hop is the one counted, whatever the client wrote before it.
        statuses = [
            httpx.get(
                f"{base}/api/v1/fields",
                headers={"X-Forwarded-For": f"198.51.100.{i + 1}, 192.0.2.77"},
            ).status_code
            for i in range(5)
        ]
        assert statuses == [200] * 3 + [429] * 2


def test_a_trusted_proxy_that_is_not_an_address_is_refused_at_start(tmp_path: Path) -> None:
    env = os.environ | {
        "SEHAT_DATA_DIR": str(tmp_path),
        "SEHAT_TRUSTED_PROXIES": "10.0.0.5, proxy.internal",
    }
    run = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "SEHAT_TRUSTED_PROXIES" in run.stderr and "'proxy.internal'" in run.stderr
    assert "پراکسی" in run.stderr
    assert load_settings({"SEHAT_TRUSTED_PROXIES": " 10.0.0.5 ,10.1.0.0/16"}).trusted_proxies == (
        "10.0.0.5",
        "10.1.0.0/16",
    )
    assert load_settings({}).trusted_proxies == ()
