"""An API client on a real app (real database, real keys) and a token for every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.api.app import create_app
from sehat.config import Settings
from sehat.core.id_checks import IdCheckPolicy
from sehat.reference.loader import load_reference
from sehat.services import accounts
from sehat.services.principal import Role

from .registry_helpers import EVIDENCE, Places, new_national_id, places, record

REF = load_reference()
P: Places = places(REF)
KEK = "test-key-encryption-key-0123456789abcdef"
UNLIMITED_ID_CHECKS = IdCheckPolicy(document_failures=10**6, fail_min=10**6, fail_max=10**6)


def make_client(engine: sa.Engine, data_dir: Path, **settings: object) -> TestClient:
    """A TestClient over ``create_app`` on ``engine``."""
    # Rate limits are off unless a test asks for them (every TestClient is one "client"), and
    # so, in effect, are the limits on wrong national IDs (test_id_checks.py sets its own).
    settings = {
        "rate_limit_public": "off",
        "rate_limit_org": "off",
        "id_checks": UNLIMITED_ID_CHECKS,
        **settings,
    }
    config = Settings(data_dir=data_dir, database_url=str(engine.url), kek=KEK, **settings)  # type: ignore[arg-type]
    # The same keys as the service-level helpers, so documents issued either way verify.
    app = create_app(config, engine=engine, keystore=EVIDENCE.keystore)
    return TestClient(app, raise_server_exceptions=False)


@dataclass
class Tokens:
    """Bearer headers per role; registrars of two institutions of domain 1 and one of domain 2."""

    operator: dict[str, str]
    admin_d1: dict[str, str]
    admin_d2: dict[str, str]
    registrar_a: dict[str, str]
    registrar_b: dict[str, str]
    registrar_med: dict[str, str]
    holder: dict[str, str]
    verifier: dict[str, str]
    auditor: dict[str, str]
    holder_national_id: str


def make_tokens(engine: sa.Engine) -> Tokens:
    """Accounts and tokens straight through the service (as `sehat token create` does)."""
    now = datetime.now(UTC)
    holder_nid = new_national_id()
    specs = {
        "operator": (Role.OPERATOR, {}),
        "admin_d1": (Role.DOMAIN_ADMIN, {"domain": 1}),
        "admin_d2": (Role.DOMAIN_ADMIN, {"domain": 2}),
        "registrar_a": (Role.REGISTRAR, {"institution": P.uni_a}),
        "registrar_b": (Role.REGISTRAR, {"institution": P.uni_b}),
        "registrar_med": (Role.REGISTRAR, {"institution": P.medical}),
        "holder": (Role.HOLDER, {"national_id": holder_nid}),
        "verifier": (Role.VERIFIER, {}),
        "auditor": (Role.AUDITOR, {}),
    }
    headers: dict[str, dict[str, str]] = {}
    with engine.begin() as conn:
        for name, (role, scope) in specs.items():
            account = accounts.create_account(conn, role, name, now, **scope)  # type: ignore[arg-type]
            token, _ = accounts.create_token(conn, account, now)
            headers[name] = {"Authorization": f"Bearer {token}"}
    return Tokens(**headers, holder_national_id=holder_nid)  # type: ignore[arg-type]


def issue_bachelor(client: TestClient, tok: Tokens) -> str:
    """Issue one bachelor's degree of university A's through the API; its code."""
    body = client.post(
        "/api/v1/graduations", json=record(P.uni_a, 2, P.field_science), headers=tok.registrar_a
    ).json()
    assert body["status"] == "ISSUED", body
    return str(body["code"])
