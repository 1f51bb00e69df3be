"""Rate limits (DESIGN §5, §7): per client on public calls, per token on calls with one; 429
with Retry-After; in memory by default, shared through Redis by every server process."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from sehat.api.app import create_app
from sehat.config import Settings
from sehat.errors import InfrastructureError

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
