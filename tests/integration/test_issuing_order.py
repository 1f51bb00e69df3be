"""Order never matters, through the real issuing path on both databases (DESIGN §3, R6):
a person's whole education history, submitted in any order and cut into any batches, ends
with every document ISSUED — the same documents whatever the order. A master's row before
its bachelor's row waits, and issues once the bachelor's is in, in the same batch or a later
one (services/issuance/decide.py, services/waiting.py).

The ladder's rules alone are checked by tests/unit/test_ladder_properties.py; this checks
that issuing applies them to stored rows in any arrival order.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sehat.core.record import check_record
from sehat.reference.loader import load_reference
from sehat.services.issuance import Issuer, Submission, SubmissionResult
from sehat.store import schema as t
from sehat.store.tx import in_transaction
from sehat.synth import iter_records

from .registry_helpers import EVIDENCE, new_national_id, registrar, sync_institutions

REF = load_reference()
Row = dict[str, object]
_serial = itertools.count(1)


def _histories() -> list[list[Row]]:
    """Synthetic people's whole histories (bachelor → master → PhD, seminary levels 1 → 4,
    professional doctorate → specialty, a degree and its transcript …), the longest of each
    shape, every record valid today."""
    by_person: dict[str, list[Row]] = defaultdict(list)
    for row in iter_records(REF, 800, seed=7):
        by_person[str(row["national_id"])].append(dict(row))
    shapes: dict[frozenset[tuple[object, object]], list[Row]] = {}
    for history in sorted(by_person.values(), key=len, reverse=True):
        if all(check_record(r, REF, date.today())[0] is not None for r in history):
            shapes.setdefault(frozenset((r["kind"], r["seminary_level"]) for r in history), history)
    return [h for h in shapes.values() if len(h) >= 3][:10]


HISTORIES = _histories()


@st.composite
def arrivals(draw: st.DrawFn) -> list[list[Row]]:
    """One history in any order, cut into consecutive batches anywhere."""
    rows = draw(st.sampled_from(HISTORIES).flatmap(st.permutations))
    cuts = draw(st.lists(st.booleans(), min_size=len(rows) - 1, max_size=len(rows) - 1))
    batches: list[list[Row]] = [[rows[0]]]
    for row, cut in zip(rows[1:], cuts, strict=True):
        if cut:
            batches.append([])
        batches[-1].append(row)
    return batches


def _submit(engine: sa.Engine, batch: list[Row]) -> list[SubmissionResult]:
    """One batch through issuing, each row by its institution's registrar."""
    now = datetime.now(UTC)
    subs = [(str(r["institution"]), Submission(r)) for r in batch]
    return in_transaction(
        engine, lambda conn: Issuer(conn, REF, now, EVIDENCE).submit_mixed(registrar, subs)
    )


@pytest.fixture(autouse=True)
def _institutions(engine: sa.Engine) -> None:
    sync_institutions(engine, REF)


def test_there_are_histories_of_several_shapes() -> None:
    assert len(HISTORIES) >= 3
    assert any(len(h) >= 4 for h in HISTORIES)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(arrivals())
def test_a_history_ends_issued_whatever_order_and_batches_it_arrives_in(
    engine: sa.Engine, batches: list[list[Row]]
) -> None:
    # A new person each time (the tables are emptied per test, not per example).
    national_id, serial = new_national_id(), next(_serial)
    batches = [
        [
            r | {"national_id": national_id, "student_number": f"P{serial}-{r['student_number']}"}
            for r in batch
        ]
        for batch in batches
    ]
    for batch in batches:
        assert {r.status for r in _submit(engine, batch)} <= {"ISSUED", "PENDING_PRIOR"}
    d, p, s = t.documents.c, t.persons.c, t.submissions.c
    with engine.connect() as conn:
        issued = conn.execute(
            sa.select(d.kind, d.seminary_level)
            .join(t.persons, p.id == d.person_id)
            .where(p.national_id == national_id)
        ).all()
        statuses = conn.execute(
            sa.select(s.status)
            .join(t.persons, p.id == s.person_id)
            .where(p.national_id == national_id)
        ).scalars()
        assert set(statuses) == {"ISSUED"}
    wanted = [(int(str(r["kind"])), int(str(r["seminary_level"] or 0))) for b in batches for r in b]
    assert sorted((r.kind, r.seminary_level) for r in issued) == sorted(wanted)
