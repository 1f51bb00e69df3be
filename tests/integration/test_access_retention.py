"""The access log's retention (DESIGN §5): public-tier rows past SEHAT_ACCESS_LOG_DAYS become
exact per-document daily counts, evidence stays 10 years, a second run changes nothing, two
runs at once count every row once, the server runs it by itself, and the holder sees the
folded days as counts — on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from sehat.cli.main import app as cli
from sehat.core.retention import fold_before, midnight
from sehat.services.access_log import PUBLIC_FIELDS, Access, Channel, record
from sehat.services.access_retention import compact, counts_total
from sehat.store import schema as t

from .api_helpers import P, make_client, make_tokens
from .registry_helpers import record as graduation

NOW = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)
CUTOFF = fold_before(NOW, 90)  # 2026-09-06 00:00 UTC
ORG = "0b4d6a54-7f0e-4c5e-9d7a-5a1f3e1c2b10"  # an organisation's account public id


def _public(doc: int, at: datetime) -> Access:
    return Access(doc, 1000 + doc, at, Channel.PUBLIC, None, PUBLIC_FIELDS)


def _evidence(doc: int, at: datetime, kind: int) -> Access:
    """A row of the 10-year class: an organisation's public check, a national-ID check
    (matched, not matched, locked), a share, a batch."""
    person = 1000 + doc
    return [
        Access(doc, person, at, Channel.PUBLIC, ORG, PUBLIC_FIELDS),
        Access(doc, person, at, Channel.NATIONAL_ID, None, PUBLIC_FIELDS, matched=True),
        Access(doc, person, at, Channel.NATIONAL_ID, None, PUBLIC_FIELDS, matched=False),
        Access(doc, person, at, Channel.NATIONAL_ID, None, (), matched=None),
        Access(doc, person, at, Channel.SHARE, None, PUBLIC_FIELDS, share_id=7),
        Access(doc, person, at, Channel.BATCH, ORG, PUBLIC_FIELDS, matched=True),
    ][kind % 6]


def _seed(engine: sa.Engine, accesses: list[Access]) -> None:
    with engine.begin() as conn:
        for start in range(0, len(accesses), 5000):
            record(conn, accesses[start : start + 5000])


def _log(engine: sa.Engine) -> Counter[tuple[object, ...]]:
    a = t.access_log.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(a.document_id, a.at, a.channel, a.account, a.matched, a.share_id)
        )
        return Counter(tuple(r) for r in rows)


def _counts(engine: sa.Engine) -> dict[tuple[int, date, str], int]:
    c = t.access_counts.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.document_id, c.day, c.channel, c.count, c.person_id))
        out = {}
        for doc, day, channel, count, person in rows:
            assert person == 1000 + doc and day == midnight(day.date())
            out[(doc, day.date(), channel)] = count
        return out


def _key(access: Access) -> tuple[object, ...]:
    return (
        access.document_id,
        access.at,
        access.channel.value,
        access.account,
        access.matched,
        access.share_id,
    )


def _random_log(rng: random.Random, rows: int, docs: int = 6) -> list[Access]:
    """``rows`` accesses over the 120 days before NOW: mostly public, one in five evidence."""
    out = []
    for i in range(rows):
        at = NOW - timedelta(seconds=rng.randrange(120 * 86_400))
        at = at.replace(microsecond=rng.randrange(1_000_000))
        doc = rng.randrange(1, docs + 1)
        out.append(_evidence(doc, at, i) if i % 5 == 0 else _public(doc, at))
    return out


def _expected(accesses: list[Access]) -> tuple[dict[tuple[int, date, str], int], Counter]:
    """What a compaction at NOW (90 days) must leave: the counts, and the rows kept."""
    counts: Counter[tuple[int, date, str]] = Counter()
    kept: Counter[tuple[object, ...]] = Counter()
    for access in accesses:
        public = access.channel is Channel.PUBLIC and access.account is None
        if public and access.at < CUTOFF:
            counts[(access.document_id, access.at.date(), access.channel.value)] += 1
        else:
            kept[_key(access)] += 1
    return dict(counts), kept


def test_old_public_rows_become_exact_daily_counts_and_the_evidence_stays(
    engine: sa.Engine,
) -> None:
    rng = random.Random(11)
    accesses = _random_log(rng, 3000)
    # Edges: the first instant kept, the last one folded, and more rows at one instant than
    # a batch holds.
    accesses += [_public(1, CUTOFF), _public(1, CUTOFF - timedelta(microseconds=1))]
    accesses += [_public(2, CUTOFF - timedelta(days=3))] * 25
    _seed(engine, accesses)
    counts, kept = _expected(accesses)

    done = compact(engine, now=NOW, days=90, batch_rows=7)
    assert done.finished and done.folded_rows == sum(counts.values())
    assert done.batches > len(done.folded)  # several batches a day
    assert set(done.folded) == {day for (_, day, _) in counts}
    assert _counts(engine) == counts
    assert _log(engine) == kept
    with engine.connect() as conn:
        assert counts_total(conn) == sum(counts.values())

    again = compact(engine, now=NOW, days=90, batch_rows=7)
    assert again.folded_rows == 0 and again.expired_rows == 0
    assert _counts(engine) == counts
    assert _log(engine) == kept


def test_rows_written_late_for_a_folded_day_are_added_to_its_count(engine: sa.Engine) -> None:
    day = CUTOFF - timedelta(days=5, hours=-10)
    _seed(engine, [_public(3, day + timedelta(minutes=i)) for i in range(4)])
    compact(engine, now=NOW, days=90)
    # A writer that was kept from the database catches up with rows of that day.
    _seed(engine, [_public(3, day + timedelta(hours=1, minutes=i)) for i in range(3)])
    compact(engine, now=NOW, days=90)
    assert _counts(engine) == {(3, day.date(), "public"): 7}
    assert _log(engine) == Counter()


def test_two_compactions_at_once_count_every_row_once(engine: sa.Engine) -> None:
    accesses = _random_log(random.Random(5), 4000, docs=3)
    _seed(engine, accesses)
    counts, kept = _expected(accesses)
    results = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(compact(engine, now=NOW, days=90, batch_rows=50))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sum(r.folded_rows for r in results) == sum(counts.values())
    assert _counts(engine) == counts
    assert _log(engine) == kept


def test_evidence_and_counts_older_than_ten_years_are_removed(engine: sa.Engine) -> None:
    old = NOW - timedelta(days=3660)
    recent = NOW - timedelta(days=3640)  # under 10 years: kept
    _seed(engine, [_evidence(4, old + timedelta(minutes=i), i) for i in range(1, 6)])
    _seed(engine, [_evidence(4, recent + timedelta(minutes=i), i) for i in range(1, 6)])
    _seed(engine, [_public(4, old), _public(4, recent)])
    first = compact(engine, now=NOW - timedelta(days=3000), days=90)  # folds both days
    assert first.folded_rows == 2 and len(_counts(engine)) == 2
    done = compact(engine, now=NOW, days=90, batch_rows=2)
    assert done.expired_rows == 5 and done.expired_counts == 1
    assert sorted(k[1] for k in _log(engine)) == [
        recent + timedelta(minutes=i) for i in range(1, 6)
    ]
    assert list(_counts(engine)) == [(4, recent.date(), "public")]


def test_the_command_prints_what_it_folded_and_refuses_a_bad_moment(
    engine: sa.Engine, tmp_path: Path
) -> None:
    day = CUTOFF - timedelta(days=2)
    _seed(engine, [_public(5, day + timedelta(minutes=i)) for i in range(12)])
    _seed(engine, [_public(5, NOW - timedelta(days=1))])
    env = {
        "SEHAT_DATA_DIR": str(tmp_path),
        "SEHAT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    runner = CliRunner()
    out = runner.invoke(cli, ["access-log", "compact", "--now", NOW.isoformat()], env=env)
    assert out.exit_code == 0, out.output
    assert f"{day.date().isoformat()}: 12 rows folded" in out.output
    assert "12 public-tier rows from before 2026-09-06" in out.output
    assert _counts(engine) == {(5, day.date(), "public"): 12}
    again = runner.invoke(cli, ["access-log", "compact", "--now", NOW.isoformat()], env=env)
    assert again.exit_code == 0 and "folded / خلاصه شد: 0 public-tier rows" in again.output
    # 0 days: public-tier rows are kept one by one; nothing is touched.
    off = runner.invoke(cli, ["access-log", "compact", "--days", "0"], env=env)
    assert off.exit_code == 0 and "nothing folded" in off.output
    assert len(_log(engine)) == 1
    bad = runner.invoke(cli, ["access-log", "compact", "--now", "yesterday"], env=env)
    assert bad.exit_code == 2 and "--now" in bad.output and "Traceback" not in bad.output
    wrong = runner.invoke(cli, ["access-log", "compact"], env=env | {"SEHAT_ACCESS_LOG_DAYS": "9x"})
    assert wrong.exit_code == 2 and "SEHAT_ACCESS_LOG_DAYS" in wrong.output


def test_the_holder_sees_folded_days_as_counts_among_the_rows(
    engine: sa.Engine, tmp_path: Path
) -> None:
    client = make_client(engine, tmp_path)
    tok = make_tokens(engine)
    issued = client.post(
        "/api/v1/graduations",
        json=graduation(P.uni_a, 2, P.field_science, tok.holder_national_id),
        headers=tok.registrar_a,
    ).json()
    code = issued["code"]
    d = t.documents.c
    with engine.connect() as conn:
        doc, person = conn.execute(sa.select(d.id, d.person_id).where(d.code == code)).one()
    now = datetime.now(UTC)
    old_day = midnight(now.date() - timedelta(days=120))
    older_day = midnight(now.date() - timedelta(days=121))
    public = [
        Access(
            doc,
            person,
            old_day + timedelta(hours=9, minutes=i),
            Channel.PUBLIC,
            None,
            PUBLIC_FIELDS,
        )
        for i in range(12)
    ]
    public.append(
        Access(doc, person, older_day + timedelta(hours=3), Channel.PUBLIC, None, PUBLIC_FIELDS)
    )
    checked = Access(
        doc,
        person,
        old_day + timedelta(hours=15),
        Channel.NATIONAL_ID,
        None,
        PUBLIC_FIELDS,
        matched=False,
    )
    _seed(engine, [*public, checked])
    assert compact(engine, now=now, days=90).folded_rows == 13
    client.get(f"/api/v1/verify/{code}")  # today: kept as a row

    entries = client.get("/api/v1/me/access-log", headers=tok.holder).json()["entries"]
    seen = [(e["channel"], e["count"], e["folded"], e["at"][:10]) for e in entries]
    assert seen == [
        ("public", 1, False, now.date().isoformat()),
        ("national_id", 1, False, old_day.date().isoformat()),
        ("public", 12, True, old_day.date().isoformat()),
        ("public", 1, True, older_day.date().isoformat()),
    ]
    assert entries[2]["who"] == "public" and entries[2]["fields"] == list(PUBLIC_FIELDS)
    # Pages of the listing meet without a gap or an overlap.
    pages = [
        client.get(
            "/api/v1/me/access-log", params={"limit": 1, "offset": i}, headers=tok.holder
        ).json()["entries"][0]
        for i in range(4)
    ]
    assert pages == entries
    # The auditor reads the same counts for the document.
    audited = client.get("/api/v1/access-log", params={"code": code}, headers=tok.auditor)
    assert [e["count"] for e in audited.json()["entries"]] == [1, 1, 12, 1]

    client.cookies.set("sehat_session", tok.holder["Authorization"].removeprefix("Bearer "))
    english = client.get("/me", params={"lang": "en"})
    assert "12 public checks that day" in english.text and "1 public check that day" in english.text
    persian = client.get("/me")
    assert "۱۲ استعلام عمومی در این روز" in persian.text


def test_the_server_folds_by_itself_and_not_when_told_to_keep_every_row(
    engine: sa.Engine, tmp_path: Path
) -> None:
    old = datetime.now(UTC) - timedelta(days=100)
    _seed(engine, [_public(6, old + timedelta(seconds=i)) for i in range(5)])
    kept = make_client(engine, tmp_path / "a", access_log_days=0, access_log_compact_after=0.01)
    with kept:
        time.sleep(0.5)
    assert _counts(engine) == {}
    client = make_client(engine, tmp_path / "b", access_log_compact_after=0.01)
    with client:
        deadline = time.monotonic() + 20
        while not _counts(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _counts(engine) == {(6, old.date(), "public"): 5}
    assert _log(engine) == Counter()
