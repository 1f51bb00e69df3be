"""What a registrar reads about a waiting document, through the API: the reason names the
prior as a registrar does, in Persian digits, and the prior's institution is asked only for
what it can have granted (a university never for a seminary level)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.reference.loader import load_reference
from sehat.services import accounts
from sehat.services.principal import Role

from .api_helpers import P, Tokens
from .registry_helpers import new_national_id, record

REF = load_reference()


def _fa(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def test_a_masters_waiting_on_a_university_asks_it_for_a_bachelors(
    client: TestClient, tokens: Tokens
) -> None:
    master = client.post(
        "/api/v1/graduations",
        json=record(P.uni_b, 3, P.field_science, new_national_id(), prior_institution=P.uni_a),
        headers=tokens.registrar_b,
    ).json()
    assert master["status"] == "PENDING_PRIOR", master
    [reason] = master["reasons"]
    name = REF.institutions[P.uni_a]
    assert reason["field"] == "prior_code"
    assert reason["problem_fa"] == (
        f"در انتظار ثبت مدرک کارشناسی دارنده در موسسه {_fa(P.uni_a)} ({name.name_fa})؛ "
        "از آن موسسه خواسته شد این مدرک را ثبت کند (درخواست ثبت مدرک قبلی)"
    )
    assert reason["problem"] == (
        f"waiting for the holder's Bachelor's degree from institution {P.uni_a} "
        f"({name.name_en}); that institution was asked to register it (a backfill request)"
    )
    assert reason["fix_fa"] == "اقدامی لازم نیست؛ با ثبت مدرک قبلی، این مدرک خودکار صادر می‌شود"
    # The same words when the registrar looks again, and the university is asked for a
    # bachelor's degree only.
    again = client.get(
        f"/api/v1/graduations/{master['submission_id']}", headers=tokens.registrar_b
    ).json()
    assert again["reasons"] == master["reasons"]
    asked = client.get("/api/v1/registrar/backfill-requests", headers=tokens.registrar_a).json()
    [request] = asked["items"]
    assert request["wanted"] == [{"kind": 2, "seminary_level": None}]


def test_a_seminary_level_waits_for_the_level_below_in_persian_digits(
    client: TestClient, engine: sa.Engine
) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:  # a registrar of the seminary, as `sehat token create` makes
        account = accounts.create_account(
            conn, Role.REGISTRAR, "seminary", now, institution=P.seminary
        )
        token, _ = accounts.create_token(conn, account, now)
    level_2 = record(P.seminary, 7, P.field_seminary, new_national_id(), seminary_level=2)
    level_2["prior_institution"] = P.seminary
    answer = client.post(
        "/api/v1/graduations", json=level_2, headers={"Authorization": f"Bearer {token}"}
    )
    body = answer.json()
    assert answer.status_code == 201, body
    [reason] = body["reasons"]
    assert reason["problem_fa"].startswith(
        f"در انتظار ثبت مدرک سطح ۱ حوزه دارنده در موسسه {_fa(P.seminary)}"
    )
    assert "مدرک مدرک" not in reason["problem_fa"]
    assert not any(c.isascii() and c.isdigit() for c in reason["problem_fa"])
