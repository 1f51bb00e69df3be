"""An organisation's bulk verification (DESIGN §5, §7): many code + national ID pairs at
once — JSON, a CSV file, or the organisation's page — each answered in order, each counted
against the national-ID check limits and written to its holder's access log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from sehat.config import Settings
from sehat.core import code as authcode
from sehat.core.national_id import parse_national_id
from sehat.core.persian import to_persian_digits
from sehat.errors import CodeFormatError, InputError, Problem
from sehat.reference.models import Reference
from sehat.services import access_log
from sehat.services.access_log import Access, Channel
from sehat.services.evidence import Evidence
from sehat.services.id_checks import IdChecks, subjects_of
from sehat.services.principal import Principal, Role
from sehat.services.verification import Found, access_of, checked_answer, look_up_many


def require_org(principal: Principal) -> None:
    """Bulk verification is for organisations (and the operator)."""
    principal.require_role(
        Role.VERIFIER, Role.OPERATOR, what_en="verify in bulk", what_fa="استعلام گروهی"
    )


_COLUMNS_FA = {"code": "کد صحت", "national_id": "کد ملی"}


def place_names(where: str) -> tuple[str, str]:
    """How the caller names an item, in English and Persian: a JSON batch's ``items[3]`` is
    the same in both; a CSV file's ``line 5`` is «سطر ۵» (the line of the uploaded file)."""
    if where.startswith("line "):
        return where, f"سطر {to_persian_digits(where.removeprefix('line '))}"
    return where, where


def field_names(where: str, name: str) -> tuple[str, str]:
    """A field of an item: ``items[3].code`` in JSON; ``line 5, code`` / «سطر ۵، کد صحت» in a
    CSV file, whose reader knows lines and columns, not item indexes."""
    if where.startswith("items["):
        return f"{where}.{name}", f"{where}.{name}"
    en, fa = place_names(where)
    return f"{en}, {name}", f"{fa}، {_COLUMNS_FA.get(name, name)}"


def _refuse_repeated_codes(codes: list[str], reference: Reference, where: list[str]) -> None:
    """One batch may name a code once (DESIGN §5): else the whole batch is refused, naming
    both items (``where``: how each is named to the caller), before anything is looked up."""
    seen: dict[str, int] = {}
    for index, text in enumerate(codes):
        try:
            key = authcode.parse(
                text, domains=reference.domains.keys(), kinds=reference.kinds.keys()
            ).code
        except CodeFormatError:
            continue  # answered MALFORMED on its own
        if key in seen:
            first, first_fa = place_names(where[seen[key]])
            second, second_fa = place_names(where[index])
            raise InputError(
                Problem(
                    f"{second}.code" if second.startswith("items") else second,
                    f"{first} and {second} name the same code {key}; a batch may name each "
                    "document once",
                    f"{first_fa} و {second_fa} هر دو کد {to_persian_digits(key)} را دارند؛ "
                    "هر دسته می‌تواند هر مدرک را فقط یک بار داشته باشد",
                    f"check the document once: remove {second} (or {first})",
                    f"هر مدرک را یک بار استعلام کنید: {second_fa} (یا {first_fa}) را حذف کنید",
                    position=index,
                )
            )
        seen[key] = index


def _bulk(
    conn: sa.Connection,
    reference: Reference,
    evidence: Evidence,
    principal: Principal,
    checks: IdChecks,
    items: list[tuple[str, str]],
    where: list[str],
) -> list[dict[str, Any]]:
    """Answers for (code, national ID) pairs in order; each bad item is MALFORMED alone,
    its problems naming it as ``where`` does."""
    now = checks.now
    found = look_up_many(conn, reference, evidence, [code for code, _ in items])
    checks.load(one.document_id for one in found if one.document_id is not None)
    results: list[dict[str, Any]] = []
    accesses: list[Access] = []
    for index, ((_, national_id), one) in enumerate(zip(items, found, strict=True)):
        if one.answer["status"] == "MALFORMED":
            results.append(
                {**one.answer, "match": False, "problems": _at(where[index], "code", one)}
            )
            continue
        try:
            wanted = str(parse_national_id(national_id))
        except InputError as exc:
            results.append(
                {
                    "status": "MALFORMED",
                    "code": None,
                    "match": False,
                    "message": exc.message,
                    "message_fa": exc.message_fa,
                    "problems": [
                        _named(p.as_dict(), where[index], "national_id") for p in exc.problems
                    ],
                }
            )
            continue
        answer, outcome = checked_answer(one, wanted, checks)
        results.append(answer)
        access = access_of(one, Channel.BATCH, principal, now, answer.get("match"), outcome)
        if access is not None:
            accesses.append(access)
    checks.finish()
    access_log.record(conn, accesses)
    return results


def check(
    engine: sa.Engine,
    reference: Reference,
    evidence: Evidence,
    settings: Settings,
    principal: Principal,
    address: str | None,
    items: list[tuple[str, str]],
    where: list[str],
) -> list[dict[str, Any]]:
    """Answers for (code, national ID) pairs, in order; ``where`` names each item to the
    caller (``items[3]``, ``line 5``).

    Raises:
        InputError: the batch names a code twice (nothing is looked up).
        IdCheckLimitError: the caller's budget of wrong national IDs is already spent.
    """
    require_org(principal)
    _refuse_repeated_codes([code for code, _ in items], reference, where)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        checks = IdChecks.begin(conn, settings.id_checks, subjects_of(principal, address), now)
        return _bulk(conn, reference, evidence, principal, checks, items, where)


def _named(problem: dict[str, Any], where: str, name: str) -> dict[str, Any]:
    """``problem`` with its field named as the caller knows the item, in both languages."""
    field, field_fa = field_names(where, name)
    return {**problem, "field": field, "field_fa": field_fa}


def _at(where: str, name: str, found: Found) -> list[dict[str, Any]]:
    return [_named(p, where, str(p.get("field") or name)) for p in found.answer.get("problems", [])]
