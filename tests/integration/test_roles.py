"""The whole role matrix: role × endpoint × own/other institution → allowed or denied.

Denied means 401 without a token and 403 with one (outside one's role or institution, DESIGN
§7). Allowed means a 2xx.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.store import schema as t

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import record, submit

ROLES = ("public", "operator", "admin_d1", "registrar_a", "holder", "verifier", "auditor")


@dataclass
class World:
    """What the calls act on: for each side (own / other) an institution and documents."""

    institution: dict[str, str]
    codes: dict[str, list[str]]  # fresh documents to act on, consumed one per call
    submission: dict[str, str]
    holder_doc: dict[str, str]
    suspended: dict[str, list[str]]  # suspended by the registrar of their institution
    share_token: str = ""


@dataclass(frozen=True)
class Endpoint:
    name: str
    call: Callable[[TestClient, World, str, dict[str, str]], Any]
    allowed: Callable[[str, str], bool]  # (role, side) -> allowed


def _anyone(role: str, side: str) -> bool:
    return True


def _registrar_own(role: str, side: str) -> bool:
    return role == "registrar_a" and side == "own"


def _readers(role: str, side: str) -> bool:
    return role in ("operator", "auditor") or (
        role in ("admin_d1", "registrar_a") and side == "own"
    )


def _managers(role: str, side: str) -> bool:
    return role == "operator" or (role in ("admin_d1", "registrar_a") and side == "own")


def _admin_readers(role: str, side: str) -> bool:
    return role in ("operator", "admin_d1", "auditor")


def _admin_writers(role: str, side: str) -> bool:
    return role == "operator" or (role == "admin_d1" and side == "own")


def _queue(role: str, side: str) -> bool:
    return role in ("operator", "auditor") or (
        role in ("admin_d1", "registrar_a") and side == "own"
    )


def _document_readers(role: str, side: str) -> bool:
    return _readers(role, side) or (role == "holder" and side == "own")


def _qr_readers(role: str, side: str) -> bool:
    # DESIGN §7: holder, the registrar of its institution, operator, auditor — not the domain admin.
    return role in ("operator", "auditor") or (role in ("registrar_a", "holder") and side == "own")


def _auditor(role: str, side: str) -> bool:
    return role == "auditor"


def _bulk_verifiers(role: str, side: str) -> bool:
    return role in ("verifier", "operator")


def _holder(role: str, side: str) -> bool:
    return role == "holder"


def _holder_own(role: str, side: str) -> bool:
    return role == "holder" and side == "own"


def _access_log_readers(role: str, side: str) -> bool:
    # DESIGN §5: the access log is its holder's, the auditor's and the operator's only.
    return role in ("auditor", "operator")


def _share_then_revoke(c: TestClient, w: World, h: dict[str, str]) -> Any:
    """A holder revokes a link it just made; anyone else tries a made-up token."""
    made = c.post(
        "/api/v1/me/shares",
        json={"code": w.holder_doc["own"], "expires_in": 600, "fields": []},
        headers=h,
    )
    token = made.json()["token"] if made.status_code == 201 else "shr_unknown"
    return c.delete(f"/api/v1/me/shares/{token}", headers=h)


def _take(world: World, side: str) -> str:
    return world.codes[side].pop()


def _take_suspended(world: World, side: str) -> str:
    return world.suspended[side].pop()


ENDPOINTS = [
    Endpoint(
        "POST /graduations",
        lambda c, w, s, h: c.post(
            "/api/v1/graduations", json=record(w.institution[s], 2, P.field_science), headers=h
        ),
        _registrar_own,
    ),
    Endpoint(
        "POST /graduations/batch",
        lambda c, w, s, h: c.post(
            "/api/v1/graduations/batch",
            json={"items": [record(w.institution[s], 2, P.field_science)]},
            headers=h,
        ),
        _registrar_own,
    ),
    Endpoint(
        "GET /graduations/{id}",
        lambda c, w, s, h: c.get(f"/api/v1/graduations/{w.submission[s]}", headers=h),
        _readers,
    ),
    Endpoint(
        "GET /documents/{code}",
        lambda c, w, s, h: c.get(f"/api/v1/documents/{w.holder_doc[s]}", headers=h),
        _document_readers,
    ),
    Endpoint(
        "POST /documents/{code}/revoke",
        lambda c, w, s, h: c.post(
            f"/api/v1/documents/{_take(w, s)}/revoke", json={"reason": "fraud"}, headers=h
        ),
        _managers,
    ),
    Endpoint(
        "POST /documents/{code}/suspend",
        lambda c, w, s, h: c.post(f"/api/v1/documents/{_take(w, s)}/suspend", json={}, headers=h),
        _managers,
    ),
    Endpoint(
        "POST /documents/{code}/unsuspend",
        lambda c, w, s, h: c.post(
            f"/api/v1/documents/{_take_suspended(w, s)}/unsuspend", headers=h
        ),
        _managers,
    ),
    Endpoint(
        "POST /documents/{code}/corrections",
        lambda c, w, s, h: c.post(
            f"/api/v1/documents/{_take(w, s)}/corrections",
            json={"changes": {"gpa": "19.5"}, "reason": "archive"},
            headers=h,
        ),
        _registrar_own,
    ),
    Endpoint(
        "GET /registrar/pending",
        lambda c, w, s, h: c.get(
            "/api/v1/registrar/pending", params={"institution": w.institution[s]}, headers=h
        ),
        _queue,
    ),
    Endpoint(
        "GET /registrar/backfill-requests",
        lambda c, w, s, h: c.get(
            "/api/v1/registrar/backfill-requests",
            params={"institution": w.institution[s]},
            headers=h,
        ),
        _queue,
    ),
    Endpoint(
        "GET /admin/institutions",
        lambda c, w, s, h: c.get("/api/v1/admin/institutions", headers=h),
        _admin_readers,
    ),
    Endpoint(
        "POST /admin/institutions",
        lambda c, w, s, h: c.post(
            "/api/v1/admin/institutions",
            json={
                "domain": int(w.institution[s][0]),
                "number": 9000 + len(w.codes["own"]) + (50 if s == "own" else 0),
                "name_fa": "دانشگاه نمونه",
                "name_en": "Sample University",
            },
            headers=h,
        ),
        _admin_writers,
    ),
    Endpoint(
        "POST /admin/accounts",
        lambda c, w, s, h: c.post(
            "/api/v1/admin/accounts",
            json={"role": "registrar", "name": "new registrar", "institution": w.institution[s]},
            headers=h,
        ),
        _admin_writers,
    ),
    Endpoint(
        "GET /admin/accounts",
        lambda c, w, s, h: c.get("/api/v1/admin/accounts", headers=h),
        _admin_readers,
    ),
    Endpoint(
        "GET /admin/tokens",
        lambda c, w, s, h: c.get("/api/v1/admin/tokens", headers=h),
        _admin_readers,
    ),
    Endpoint(
        "GET /admin/foreign-priors",
        lambda c, w, s, h: c.get("/api/v1/admin/foreign-priors", headers=h),
        _admin_readers,
    ),
    Endpoint(
        "GET /verify/{code}",
        lambda c, w, s, h: c.get(f"/api/v1/verify/{w.holder_doc[s]}", headers=h),
        _anyone,
    ),
    Endpoint(
        "GET /documents/{code}/qr",
        lambda c, w, s, h: c.get(f"/api/v1/documents/{w.holder_doc[s]}/qr", headers=h),
        _qr_readers,
    ),
    Endpoint(
        "GET /documents/{code}/qr.png",
        lambda c, w, s, h: c.get(f"/api/v1/documents/{w.holder_doc[s]}/qr.png", headers=h),
        _qr_readers,
    ),
    Endpoint("GET /audit", lambda c, w, s, h: c.get("/api/v1/audit", headers=h), _auditor),
    Endpoint(
        "POST /verify",
        lambda c, w, s, h: c.post(
            "/api/v1/verify",
            json={"code": w.holder_doc[s], "national_id": "0084575948"},
            headers=h,
        ),
        _anyone,
    ),
    Endpoint(
        "POST /verify/batch",
        lambda c, w, s, h: c.post(
            "/api/v1/verify/batch",
            json={"items": [{"code": w.holder_doc[s], "national_id": "0084575948"}]},
            headers=h,
        ),
        _bulk_verifiers,
    ),
    Endpoint(
        "POST /verify/batch/csv",
        lambda c, w, s, h: c.post(
            "/api/v1/verify/batch/csv",
            content=f"code,national_id\n{w.holder_doc[s]},0084575948\n".encode(),
            headers={**h, "Content-Type": "text/csv"},
        ),
        _bulk_verifiers,
    ),
    Endpoint(
        "GET /me/documents", lambda c, w, s, h: c.get("/api/v1/me/documents", headers=h), _holder
    ),
    Endpoint("GET /me/shares", lambda c, w, s, h: c.get("/api/v1/me/shares", headers=h), _holder),
    Endpoint(
        "POST /me/shares",
        lambda c, w, s, h: c.post(
            "/api/v1/me/shares",
            json={"code": w.holder_doc[s], "expires_in": 3600, "fields": ["holder_name"]},
            headers=h,
        ),
        _holder_own,
    ),
    Endpoint("DELETE /me/shares/{token}", lambda c, w, s, h: _share_then_revoke(c, w, h), _holder),
    Endpoint(
        "GET /me/access-log", lambda c, w, s, h: c.get("/api/v1/me/access-log", headers=h), _holder
    ),
    Endpoint(
        "GET /shares/{token}",
        lambda c, w, s, h: c.get(f"/api/v1/shares/{w.share_token}", headers=h),
        _anyone,
    ),
    Endpoint(
        "GET /access-log",
        lambda c, w, s, h: c.get("/api/v1/access-log", params={"code": w.holder_doc[s]}, headers=h),
        _access_log_readers,
    ),
    Endpoint("GET /trust-list", lambda c, w, s, h: c.get("/api/v1/trust-list", headers=h), _anyone),
    Endpoint(
        "GET /log/checkpoint",
        lambda c, w, s, h: c.get("/api/v1/log/checkpoint", headers=h),
        _anyone,
    ),
    Endpoint(
        "GET /institutions", lambda c, w, s, h: c.get("/api/v1/institutions", headers=h), _anyone
    ),
    Endpoint("GET /fields", lambda c, w, s, h: c.get("/api/v1/fields", headers=h), _anyone),
]


def _public_ok(endpoint: Endpoint) -> bool:
    return endpoint.allowed is _anyone


@pytest.fixture
def world(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens, World]:
    client = make_client(engine, tmp_path)
    tokens = make_tokens(engine)
    # "own" is the registrar's institution (domain 1); "other" is in domain 2.
    own, other = P.uni_a, P.medical
    field = {own: P.field_science, other: P.field_medical}
    codes: dict[str, list[str]] = {}
    holder_doc: dict[str, str] = {}
    submission: dict[str, str] = {}
    suspended: dict[str, list[str]] = {}
    suspender = {own: tokens.registrar_a, other: tokens.registrar_med}
    for side, inst in (("own", own), ("other", other)):
        results = submit(
            engine,
            inst,
            *[record(inst, 2 if side == "own" else 4, field[inst]) for _ in range(3 * len(ROLES))],
        )
        codes[side] = [r.code or "" for r in results]
        submission[side] = results[0].submission_id
        nid = tokens.holder_national_id if side == "own" else None
        [doc] = submit(engine, inst, record(inst, 2 if side == "own" else 4, field[inst], nid))
        holder_doc[side] = doc.code or ""
        kind = 2 if side == "own" else 4
        suspended[side] = []
        for result in submit(engine, inst, *[record(inst, kind, field[inst]) for _ in ROLES]):
            code = result.code or ""
            answer = client.post(
                f"/api/v1/documents/{code}/suspend", json={}, headers=suspender[inst]
            )
            assert answer.status_code == 200, answer.text
            suspended[side].append(code)
    share = client.post(
        "/api/v1/me/shares",
        json={"code": holder_doc["own"], "expires_in": 3600, "fields": ["holder_name"]},
        headers=tokens.holder,
    )
    assert share.status_code == 201, share.text
    world = World({"own": own, "other": other}, codes, submission, holder_doc, suspended)
    world.share_token = share.json()["token"]
    return client, tokens, world


def test_every_role_on_every_endpoint_for_own_and_other_institution(
    world: tuple[TestClient, Tokens, World],
) -> None:
    client, tokens, w = world
    wrong: list[str] = []
    cells = 0
    for role in ROLES:
        headers = {} if role == "public" else getattr(tokens, role)
        for endpoint in ENDPOINTS:
            for side in ("own", "other"):
                expected = (
                    _public_ok(endpoint) if role == "public" else endpoint.allowed(role, side)
                )
                response = endpoint.call(client, w, side, headers)
                cells += 1
                allowed = 200 <= response.status_code < 300
                denied = response.status_code == (401 if role == "public" else 403)
                if role == "public" and not expected and response.status_code != 401:
                    wrong.append(
                        f"{role} {endpoint.name} {side}: {response.status_code}, expected 401"
                    )
                elif expected and not allowed:
                    wrong.append(
                        f"{role} {endpoint.name} {side}: {response.status_code} "
                        f"{response.text[:160]}, expected 2xx"
                    )
                elif not expected and not denied:
                    wrong.append(
                        f"{role} {endpoint.name} {side}: {response.status_code}, expected a denial"
                    )
                if response.status_code in (403, 401):
                    body = response.json()["error"]
                    assert body["message"] and body["message_fa"]
    assert cells == len(ROLES) * len(ENDPOINTS) * 2
    assert not wrong, "\n".join(wrong)


def test_a_registrar_never_touches_another_institution_of_its_own_domain(
    world: tuple[TestClient, Tokens, World],
) -> None:
    client, tokens, w = world
    code = w.codes["own"][0]
    response = client.post(
        f"/api/v1/documents/{code}/revoke", json={"reason": "fraud"}, headers=tokens.registrar_b
    )
    assert response.status_code == 403
    assert client.get(f"/api/v1/verify/{code}").json()["status"] == "VALID"
    response = client.post(
        "/api/v1/graduations", json=record(P.uni_a, 2, P.field_science), headers=tokens.registrar_b
    )
    assert response.status_code == 403


SUSPENDERS = ("registrar_a", "admin_d1", "operator")  # lowest level first
ROLE_OF = {"registrar_a": "registrar", "admin_d1": "domain_admin", "operator": "operator"}
LIFTERS = ("registrar_b", "admin_d2", "auditor", "registrar_a", "admin_d1", "operator")


def _suspend(client: TestClient, code: str, headers: dict[str, str]) -> None:
    answer = client.post(f"/api/v1/documents/{code}/suspend", json={}, headers=headers)
    assert answer.status_code == 200, answer.text


def _public_status(client: TestClient, code: str) -> str:
    return str(client.get(f"/api/v1/verify/{code}").json()["status"])


def test_a_suspension_is_lifted_only_by_its_suspenders_level_or_above(
    client: TestClient, tokens: Tokens, engine: sa.Engine
) -> None:
    names = {
        "registrar_a": "the registrar of its institution",
        "admin_d1": "the domain admin",
        "operator": "the national operator",
    }
    wrong: list[str] = []
    for by in SUSPENDERS:
        for lifter in LIFTERS:
            [doc] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
            code = doc.code or ""
            _suspend(client, code, getattr(tokens, by))
            answer = client.post(
                f"/api/v1/documents/{code}/unsuspend", headers=getattr(tokens, lifter)
            )
            in_scope = lifter in ("registrar_a", "admin_d1", "operator")
            at_or_above = lifter in SUSPENDERS[SUSPENDERS.index(by) :]
            expected = in_scope and at_or_above
            status = _public_status(client, code)
            if expected and (answer.status_code != 200 or status != "VALID"):
                wrong.append(f"{by} suspended, {lifter} lifted: {answer.status_code} {status}")
            if not expected and (answer.status_code != 403 or status != "SUSPENDED"):
                wrong.append(
                    f"{by} suspended, {lifter} lifted: {answer.status_code} {status}, "
                    "expected 403 and SUSPENDED"
                )
            if in_scope and not at_or_above:
                error = answer.json()["error"]
                assert f"suspended by {names[by]}" in error["message"], error
                assert error["message_fa"]
    assert not wrong, "\n".join(wrong)


def test_the_registrar_cannot_correct_or_lift_what_the_operator_or_domain_admin_suspended(
    client: TestClient, tokens: Tokens, engine: sa.Engine
) -> None:
    correction = {"changes": {"gpa": "19.5"}, "reason": "archive"}
    for by, who, who_fa in (
        ("operator", "the national operator", "اپراتور ملی"),
        ("admin_d1", "the domain admin", "مدیر حوزه"),
    ):
        [doc] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
        code = doc.code or ""
        _suspend(client, code, getattr(tokens, by))
        details = client.get(f"/api/v1/documents/{code}", headers=tokens.registrar_a).json()
        assert details["status"] == "SUSPENDED" and details["status_by"] == ROLE_OF[by]

        fixed = client.post(
            f"/api/v1/documents/{code}/corrections", json=correction, headers=tokens.registrar_a
        )
        assert fixed.status_code == 409, fixed.text
        error = fixed.json()["error"]
        assert error["type"] == "conflict"
        assert f"suspended by {who}" in error["message"]
        assert who_fa in error["message_fa"]
        lifted = client.post(f"/api/v1/documents/{code}/unsuspend", headers=tokens.registrar_a)
        assert lifted.status_code == 403
        assert f"suspended by {who}" in lifted.json()["error"]["message"]

        after = client.get(f"/api/v1/documents/{code}", headers=tokens.registrar_a).json()
        assert after["version"] == 1 and len(after["history"]) == 1
        assert _public_status(client, code) == "SUSPENDED"

        # Once the suspender lifts it, the registrar corrects as before.
        lifted = client.post(f"/api/v1/documents/{code}/unsuspend", headers=getattr(tokens, by))
        assert lifted.status_code == 200 and lifted.json()["status"] == "VALID"
        fixed = client.post(
            f"/api/v1/documents/{code}/corrections", json=correction, headers=tokens.registrar_a
        )
        assert fixed.status_code == 200 and fixed.json()["version"] == 2


def test_the_registrar_corrects_a_document_it_suspended_itself_and_it_stays_suspended(
    client: TestClient, tokens: Tokens, engine: sa.Engine
) -> None:
    [doc] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
    code = doc.code or ""
    _suspend(client, code, tokens.registrar_a)
    fixed = client.post(
        f"/api/v1/documents/{code}/corrections",
        json={"changes": {"gpa": "19.5"}, "reason": "archive"},
        headers=tokens.registrar_a,
    )
    assert fixed.status_code == 200 and fixed.json()["status"] == "SUSPENDED"
    assert _public_status(client, code) == "SUSPENDED"


def test_a_suspension_whose_suspender_was_not_recorded_is_the_operators_to_lift(
    client: TestClient, tokens: Tokens, engine: sa.Engine
) -> None:
    # Documents suspended before migration 0010 carry no suspender: they fail closed.
    [doc] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
    code = doc.code or ""
    _suspend(client, code, tokens.registrar_a)
    with engine.begin() as conn:
        conn.execute(
            t.documents.update().where(t.documents.c.code == code).values(status_by_role=None)
        )
    for lower in (tokens.registrar_a, tokens.admin_d1):
        refused = client.post(f"/api/v1/documents/{code}/unsuspend", headers=lower)
        assert refused.status_code == 403
        assert "suspended by the national operator" in refused.json()["error"]["message"]
    assert _public_status(client, code) == "SUSPENDED"
    lifted = client.post(f"/api/v1/documents/{code}/unsuspend", headers=tokens.operator)
    assert lifted.status_code == 200 and _public_status(client, code) == "VALID"
