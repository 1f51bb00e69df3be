"""Part of issuing's decision (decide.py): a prior document named by its code is a
national-ID check (DESIGN §5).

A registrar who names a stored document as a graduate's prior (``prior_code``), or as a
transcript's degree (``degree_code``), claims that its holder is this graduate. That claim is
checked like any national-ID check: limited per document, account and address
(services/id_checks.py), and written to the holder's access log (services/access_log.py).
A check that is locked or over its limit rejects the submission, naming the field.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from sehat.core.ladder import PriorDoc
from sehat.core.persian import to_persian_digits as fa
from sehat.errors import Problem
from sehat.services import access_log
from sehat.services.access_log import PUBLIC_FIELDS, Access, Channel
from sehat.services.id_checks import IdCheckCaller, limit_error
from sehat.services.id_checks import Outcome as CheckOutcome
from sehat.services.submissions import Item


def check_named(
    conn: sa.Connection,
    id_checks: IdCheckCaller | None,
    now: datetime,
    items: list[Item],
    by_code: dict[str, PriorDoc],
    actor: str,
) -> dict[int, dict[str, object]]:
    """A stored document named as a graduate's prior (or a transcript's degree) is a
    claim that its holder is this graduate: a national-ID check, limited like the others
    and written to that holder's access log (DESIGN §5). Returns the reason each refused
    item is REJECTED for, by item index. ``id_checks`` None: the system itself decides
    (re-deciding waiting submissions, the demo), and nothing is checked.

    Raises:
        IdCheckLimitError: the registrar's budget of wrong IDs is already spent.
    """
    named: list[tuple[Item, PriorDoc, bool]] = []
    for it in items:
        rec = it.record
        assert rec is not None
        code = rec.degree_code if rec.kind == 8 else rec.prior_code
        if code and code in by_code and id_checks is not None:
            doc = by_code[code]
            named.append((it, doc, doc.person_key == rec.person_key))
    if not named or id_checks is None:
        return {}
    checks = id_checks.begin(conn, now)
    checks.load(doc.id for _, doc, _ in named)
    refused: dict[int, dict[str, object]] = {}
    accesses: list[Access] = []
    for it, doc, matched in named:
        outcome = checks.check(doc.id, matched)
        field_name = "degree_code" if it.record and it.record.kind == 8 else "prior_code"
        if outcome is CheckOutcome.LOCKED:
            until = checks.locked_until(doc.id)
            when = until.isoformat(timespec="minutes") if until else ""
            refused[it.index] = Problem(
                field_name,
                f"{doc.code} cannot be checked against this graduate until {when}: too many "
                "national IDs that did not match were given for it lately",
                f"بررسی مدرک {fa(doc.code)} برای این دانش‌آموخته تا {fa(when)} ممکن نیست؛ اخیراً "
                "شماره‌های ملی نادرست بسیاری برای آن فرستاده شده است",
                "check the graduate's national ID and the prior code, and resubmit later",
                "شماره ملی و کد مدرک قبلی را بررسی کنید و بعداً دوباره بفرستید",
            ).as_dict()
        elif outcome is CheckOutcome.LIMITED:
            error = limit_error(now)
            refused[it.index] = Problem(field_name, error.message, error.message_fa).as_dict()
            continue  # not compared: nothing for the holder's log
        if doc.person_id is not None:
            locked = outcome is CheckOutcome.LOCKED
            accesses.append(
                Access(
                    doc.id,
                    doc.person_id,
                    now,
                    Channel.PRIOR,
                    actor,
                    () if locked else PUBLIC_FIELDS,
                    matched=None if locked else matched,
                )
            )
    checks.finish()
    access_log.record(conn, accesses)
    return refused
