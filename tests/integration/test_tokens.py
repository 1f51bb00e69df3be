"""API tokens: random, shown once, stored hashed, scoped to the role; revoked or expired
tokens stop at once. Through the service, over HTTP and from the command line, on both
databases."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sehat.cli.main import app as cli
from sehat.errors import AuthenticationError, InputError
from sehat.services import accounts
from sehat.services.principal import Role
from sehat.store import schema as t

from .api_helpers import P, Tokens
from .registry_helpers import new_national_id

TOKEN = re.compile(r"^sehat_[A-Za-z0-9_-]{43}$")  # 32 random bytes, URL-safe base64
# A day ago: tokens made "now" for an hour have expired on the real clock as well.
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
runner = CliRunner()


def _everything_stored(engine: sa.Engine) -> str:
    """Every value of every row of every table, as one text."""
    with engine.connect() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in t.metadata.sorted_tables
            for row in conn.execute(table.select())
        )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _make(engine: sa.Engine, role: Role, **scope: object) -> tuple[str, str]:
    with engine.begin() as conn:
        account = accounts.create_account(conn, role, role.value, NOW, **scope)  # type: ignore[arg-type]
        return accounts.create_token(conn, account, NOW)


def test_a_token_is_random_shown_once_and_stored_only_as_its_sha256(
    client: TestClient, tokens: Tokens, engine: sa.Engine
) -> None:
    account = client.post(
        "/api/v1/admin/accounts",
        json={"role": "verifier", "name": "Acme HR"},
        headers=tokens.operator,
    ).json()["account_id"]
    made = [
        client.post("/api/v1/admin/tokens", json={"account_id": account}, headers=tokens.operator)
        for _ in range(2)
    ]
    assert all(r.status_code == 201 and r.headers["cache-control"] == "no-store" for r in made)
    first, second = (r.json()["token"] for r in made)
    assert TOKEN.match(first) and TOKEN.match(second) and first != second
    stored = _everything_stored(engine)
    assert first not in stored and first[len("sehat_") :] not in stored
    assert hashlib.sha256(first.encode()).hexdigest() in stored
    listed = client.get("/api/v1/admin/tokens", headers=tokens.operator).text
    assert first not in listed and first[:10] in listed  # recognisable, never whole
    assert client.get("/api/v1/admin/accounts", headers=_bearer(first)).status_code == 403


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    [
        (Role.OPERATOR, {}, (None, None)),
        (Role.AUDITOR, {}, (None, None)),
        (Role.VERIFIER, {}, (None, None)),
        (Role.DOMAIN_ADMIN, {"domain": 2}, (None, 2)),
        (Role.REGISTRAR, {"institution": P.medical}, (P.medical, None)),
    ],
)
def test_authentication_gives_the_role_and_scope_of_the_token(
    client: TestClient,
    engine: sa.Engine,
    role: Role,
    scope: dict[str, object],
    expected: tuple[str | None, int | None],
) -> None:
    token, _ = _make(engine, role, **scope)
    with engine.connect() as conn:
        principal = accounts.authenticate(conn, token, NOW)
    assert (principal.role, principal.institution, principal.domain) == (role, *expected)


def test_a_holder_token_carries_the_normalised_national_id(
    client: TestClient, engine: sa.Engine
) -> None:
    nid = new_national_id()
    persian = nid.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    token, _ = _make(engine, Role.HOLDER, national_id=persian)
    with engine.connect() as conn:
        assert accounts.authenticate(conn, token, NOW).national_id == nid


def test_revoked_and_expired_tokens_are_refused_with_401(
    client: TestClient, tokens: Tokens, engine: sa.Engine
) -> None:
    with engine.begin() as conn:
        account = accounts.create_account(conn, Role.REGISTRAR, "desk", NOW, institution=P.uni_a)
        soon, soon_id = accounts.create_token(
            conn, account, NOW, expires_at=NOW + timedelta(hours=1)
        )
        kept, kept_id = accounts.create_token(conn, account, NOW)
    with engine.connect() as conn:
        assert accounts.authenticate(conn, soon, NOW + timedelta(minutes=59)).role is Role.REGISTRAR
        with pytest.raises(AuthenticationError, match="expired") as late:
            accounts.authenticate(conn, soon, NOW + timedelta(hours=1))
    assert late.value.message_fa != late.value.message
    assert client.get("/api/v1/registrar/pending", headers=_bearer(soon)).status_code == 401
    assert client.get("/api/v1/registrar/pending", headers=_bearer(kept)).status_code == 200
    revoked = client.delete(f"/api/v1/admin/tokens/{kept_id}", headers=tokens.operator)
    assert revoked.status_code == 204
    refused = client.get("/api/v1/registrar/pending", headers=_bearer(kept))
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert "revoked" in refused.json()["error"]["message"] and refused.json()["error"]["message_fa"]
    again = client.delete(f"/api/v1/admin/tokens/{kept_id}", headers=tokens.operator)
    assert again.status_code == 204  # revoking twice changes nothing
    listed = {
        i["token_id"]: i
        for i in client.get("/api/v1/admin/tokens", headers=tokens.operator).json()["items"]
    }
    assert listed[kept_id]["revoked"] is True and listed[soon_id]["expires_at"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sehat_" + "A" * 43},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "sehat_" + "A" * 43},
    ],
)
def test_missing_unknown_or_malformed_credentials_are_401(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/api/v1/admin/tokens", headers=headers)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    error = response.json()["error"]
    assert error["type"] == "unauthenticated" and error["message"] and error["message_fa"]


def test_an_expiry_in_the_past_is_refused(client: TestClient, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        account = accounts.create_account(conn, Role.VERIFIER, "v", NOW)
        with pytest.raises(InputError) as error:
            accounts.create_token(conn, account, NOW, expires_at=NOW - timedelta(seconds=1))
    assert error.value.problems[0].field == "expires_at"


def _cli_env(engine: sa.Engine, tmp_path: Path) -> dict[str, str]:
    return {
        "SEHAT_DATA_DIR": str(tmp_path),
        "SEHAT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }


def test_the_token_cli_creates_lists_and_revokes(
    client: TestClient, engine: sa.Engine, tmp_path: Path
) -> None:
    env = _cli_env(engine, tmp_path)
    made = runner.invoke(
        cli,
        ["token", "create", "--role", "registrar", "--institution", P.uni_b, "--label", "SIS"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert TOKEN.match(token)  # stdout is the token alone, ready for a script
    assert "once" in made.stderr
    assert client.get("/api/v1/registrar/pending", headers=_bearer(token)).status_code == 200
    listed = runner.invoke(cli, ["token", "list"], env=env)
    assert listed.exit_code == 0 and token not in listed.output
    [row] = [line for line in listed.output.splitlines() if "SIS" in line]
    token_id = row.split()[0]
    assert runner.invoke(cli, ["token", "revoke", token_id], env=env).exit_code == 0
    assert client.get("/api/v1/registrar/pending", headers=_bearer(token)).status_code == 401
    unknown = runner.invoke(cli, ["token", "revoke", "no-such-token"], env=env)
    assert unknown.exit_code == 2 and "no-such-token" in unknown.output


def test_a_second_token_for_an_existing_account(
    client: TestClient, engine: sa.Engine, tmp_path: Path
) -> None:
    env = _cli_env(engine, tmp_path)
    made = runner.invoke(
        cli,
        ["account", "create", "--role", "domain_admin", "--domain", "3", "--name", "Azad"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    account_id = made.stdout.strip()
    token = runner.invoke(cli, ["token", "create", "--account", account_id], env=env).stdout.strip()
    with engine.connect() as conn:
        principal = accounts.authenticate(conn, token, datetime.now(UTC))
    assert (principal.role, principal.domain, principal.account_id) == (
        Role.DOMAIN_ADMIN,
        3,
        account_id,
    )
    both = runner.invoke(
        cli, ["token", "create", "--account", account_id, "--role", "auditor"], env=env
    )
    assert both.exit_code == 2


@pytest.mark.parametrize(
    ("args", "field", "persian"),
    [
        (["--role", "registrar"], "institution", "کد موسسه"),
        (["--role", "registrar", "--institution", "19999"], "institution", "ثبت نشده"),
        (["--role", "domain_admin", "--domain", "8"], "domain", "حوزه"),
        (["--role", "holder", "--national-id", "1234567890"], "national_id", "رقم کنترلی"),
        (["--role", "verifier", "--institution", "10001"], "institution", "ندارد"),
        (["--role", "operator", "--national-id", "0012345679"], "national_id", "ندارد"),
    ],
)
def test_a_wrong_scope_on_the_command_line_exits_2_in_both_languages(
    client: TestClient,
    engine: sa.Engine,
    tmp_path: Path,
    args: list[str],
    field: str,
    persian: str,
) -> None:
    before = _everything_stored(engine)
    result = runner.invoke(cli, ["token", "create", *args], env=_cli_env(engine, tmp_path))
    assert result.exit_code == 2
    assert f"{field}:" in result.output and persian in result.output
    assert "Traceback" not in result.output
    assert _everything_stored(engine) == before  # no half-made account
