"""`sehat import`, run as an operator runs it: messy legacy files in, a results line per row
out, the same answer however often it runs or wherever it was stopped (DESIGN §3, §7)."""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from sehat.core.national_id import make_national_id
from sehat.reference.loader import load_reference
from sehat.store import schema as t

from .api_helpers import P
from .registry_helpers import new_national_id, sync_institutions
from .server_helpers import KEK, running_server


def _env(engine: sa.Engine, data_dir: Path) -> dict[str, str]:
    return os.environ | {
        "SEHAT_DATA_DIR": str(data_dir),
        "SEHAT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SEHAT_KEK": KEK,
    }


def _sehat(
    env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _lost_zeros() -> tuple[str, str]:
    """A national ID starting with zeros, and as a spreadsheet shows it without them."""
    full = str(make_national_id(f"00{random.randrange(10**6, 10**7)}"))
    return full, full.lstrip("0")


# The header as an old Windows export writes it: Arabic ي/ك, a space for the ZWNJ, spaces
# around, a column nothing reads.
MESSY_HEADER = [
    " كد ملي ",
    "نام",
    "نام خانوادگي",
    "نام پدر",
    "تاريخ تولد",
    "جنسيت",
    "كد موسسه",
    "نوع مدرك",
    "كد رشته",
    "نوع دوره",
    "شماره دانشجويي",
    "تاريخ ورود",
    "تاريخ دانش آموختگي",
    "معدل",
    "كد صحت مدرك قبلي",
    "توضيحات",
]


def _messy_rows() -> tuple[list[list[str]], dict[str, str]]:
    field = P.field_science
    full, shown = _lost_zeros()
    other = new_national_id()
    rows = [
        # 2: a master's degree before its bachelor's (row 3): waits, then issued.
        [
            shown,
            "علي",
            "كريمي",
            "حسن",
            "1375/6/5",
            "مرد",
            P.uni_b,
            "3",
            field,
            "continuous",
            "M-1",
            "1398.7.1",
            "1400.4.31",
            "18.5",
            "",
            "ردیف اول",
        ],
        # 3: the bachelor's: '-' and '.' dates, no zero padding.
        [
            shown,
            "علي",
            "كريمي",
            "حسن",
            "1375-06-05",
            "مرد",
            P.uni_a,
            "2",
            field,
            "continuous",
            "B-1",
            "1394.7.1",
            "1398.4.31",
            "17.25",
            "",
            "",
        ],
        # 4: an impossible date (1402 is not a leap year).
        [
            other,
            "سارا",
            "رضايي",
            "رضا",
            "1402/12/30",
            "زن",
            P.uni_a,
            "2",
            field,
            "continuous",
            "B-2",
            "1394/7/1",
            "1398/4/31",
            "15",
            "",
            "",
        ],
        # 5: graduation before entry, GPA over 20.
        [
            other,
            "سارا",
            "رضايي",
            "رضا",
            "1370/1/1",
            "زن",
            P.uni_a,
            "2",
            field,
            "continuous",
            "B-3",
            "1398/7/1",
            "1394/4/31",
            "21",
            "",
            "",
        ],
        # 6: no first name; an unknown institution.
        [
            other,
            "",
            "رضايي",
            "رضا",
            "1370/1/1",
            "زن",
            "19999",
            "2",
            field,
            "continuous",
            "B-4",
            "1394/7/1",
            "1398/4/31",
            "15",
            "",
            "",
        ],
        # 7: a master's whose bachelor is not in: waits, with a backfill request.
        [
            other,
            "سارا",
            "رضايي",
            "رضا",
            "1370/1/1",
            "زن",
            P.uni_b,
            "3",
            field,
            "continuous",
            "M-2",
            "1398/7/1",
            "1400/4/31",
            "17",
            "",
            "",
        ],
    ]
    return rows, {"full": full, "other": other}


@pytest.mark.parametrize("workers", ["0", "2"])  # validated here, or in worker processes
def test_a_messy_windows_1256_file(engine: sa.Engine, tmp_path: Path, workers: str) -> None:
    rows, people = _messy_rows()
    path = tmp_path / "legacy.csv"
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows([MESSY_HEADER, *rows])
    path.write_bytes(text.getvalue().encode("cp1256", errors="replace"))
    env = _env(engine, tmp_path / "data")
    done = _sehat(env, "import", str(path), "--workers", workers)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cp1256" in done.stderr and "توضيحات" in done.stderr  # ignored column, once
    results = _results(tmp_path / "legacy-results.csv")
    assert [r["row"] for r in results] == ["2", "3", "4", "5", "6", "7"]
    status = [r["status"] for r in results]
    assert status == ["ISSUED", "ISSUED", "REJECTED", "REJECTED", "REJECTED", "PENDING_PRIOR"]
    assert results[0]["code"] and results[1]["code"] and results[0]["code"] != results[1]["code"]
    assert "birth_date" in results[2]["reasons"] and "1402" in results[2]["reasons"]
    assert "۱۴۰۲" in results[2]["reasons"]  # and in Persian, for the registrar who reads it
    assert list(results[0]) == ["row", "status", "code", "reasons"]  # DESIGN §7's columns
    assert "entry_date" in results[3]["reasons"] and "gpa" in results[3]["reasons"]
    assert "institution" in results[4]["reasons"]
    assert "prior_code" in results[5]["reasons"] or "waiting" in results[5]["reasons"]
    with engine.connect() as conn:
        person = conn.execute(
            sa.select(t.persons.c.national_id, t.persons.c.id).where(
                t.persons.c.national_id == people["full"]
            )
        ).one()  # the leading zeros restored
        docs = conn.execute(
            sa.select(t.documents.c.assurance, t.documents.c.code).where(
                t.documents.c.person_id == person.id
            )
        ).all()
        requests = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.backfill_requests)
            .where(t.backfill_requests.c.status == "OPEN")
        ).scalar()
    assert {d.assurance for d in docs} == {"digitised"}
    assert {d.code for d in docs} == {results[0]["code"], results[1]["code"]}
    assert requests == 1  # row 7's bachelor (row 2's was closed when row 3 came in)


def test_an_xlsx_with_typed_cells_and_a_later_file_bringing_the_prior(
    engine: sa.Engine, tmp_path: Path
) -> None:
    full, shown = _lost_zeros()
    env = _env(engine, tmp_path / "data")
    master = tmp_path / "masters.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "national_id",
            "first_name",
            "last_name",
            "birth_date",
            "institution",
            "kind",
            "field_code",
            "program_type",
            "student_number",
            "entry_date",
            "graduation_date",
            "gpa",
        ]
    )
    # A national ID typed as a number, a date cell, an unformatted date (its serial), a float.
    sheet.append(
        [
            int(shown),
            "مريم",
            "احمدي",
            datetime(1996, 9, 5),
            P.uni_b,
            3,
            P.field_science,
            "continuous",
            7001,
            43739,
            "1400/04/31",
            18.0,
        ]
    )
    book.save(master)
    first = _sehat(env, "import", str(master), "--assurance", "attested")
    assert first.returncode == 0, first.stderr
    [waiting] = _results(tmp_path / "masters-results.csv")
    assert waiting["status"] == "PENDING_PRIOR", waiting
    bachelors = tmp_path / "bachelors.csv"
    bachelors.write_text(
        "national_id,first_name,last_name,birth_date,institution,kind,field_code,"
        "program_type,student_number,entry_date,graduation_date,gpa\n"
        f"{full},مریم,احمدی,1375/06/15,{P.uni_a},2,{P.field_science},continuous,B7001,"
        "1394/07/01,1398/04/31,17\n",
        encoding="utf-8-sig",
    )
    second = _sehat(env, "import", str(bachelors))
    assert second.returncode == 0, second.stderr
    assert _results(tmp_path / "bachelors-results.csv")[0]["status"] == "ISSUED"
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.documents.c.kind, t.documents.c.assurance)
            .join(t.persons, t.persons.c.id == t.documents.c.person_id)
            .where(t.persons.c.national_id == full)
        ).all()
    # The master's, waiting since the first file, was issued when the bachelor's came in.
    assert sorted(rows) == [(2, "digitised"), (3, "attested")]


def test_files_it_cannot_read_say_why_and_store_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    env = _env(engine, tmp_path / "data")
    no_gpa_header = tmp_path / "short.csv"
    no_gpa_header.write_text(
        "national_id,first_name,last_name,birth_date,institution,kind,field_cod,"
        "student_number,graduation_date\n0012345679,a,b,1375/1/1,10001,2,1101,1,1398/1/1\n",
        encoding="utf-8",
    )
    short = _sehat(env, "import", str(no_gpa_header))
    assert short.returncode == 2
    assert "short.csv" in short.stderr and "field_code" in short.stderr
    assert "'field_cod'" in short.stderr  # the nearest header seen
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    refused = _sehat(env, "import", str(locked))
    assert (
        refused.returncode == 2 and "password" in refused.stderr and "locked.xlsx" in refused.stderr
    )
    missing = _sehat(env, "import", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 2 and "nowhere.csv" in missing.stderr
    assert "Traceback" not in short.stderr + refused.stderr + missing.stderr
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.submissions)).scalar() == 0


def test_utf16_and_a_row_of_another_institution(engine: sa.Engine, tmp_path: Path) -> None:
    env = _env(engine, tmp_path / "data")
    path = tmp_path / "utf16.csv"
    nid = new_national_id()
    lines = [
        "کد ملی\tنام\tنام خانوادگی\tتاریخ تولد\tنوع مدرک\tکد رشته\tشماره دانشجویی\t"
        "تاریخ دانش‌آموختگی\tکد موسسه",
        f"{nid}\tعلی\tمرادی\t۱۳۷۵/۱/۱\t۲\t{P.field_science}\tU1\t۱۳۹۸٫۴٫۳۱\t",
        f"{nid}\tعلی\tمرادی\t1375/1/1\t2\t{P.field_science}\tU2\t1398/4/31\t{P.uni_b}",
    ]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    done = _sehat(
        env, "import", str(path), "--institution", P.uni_a, "--results", str(tmp_path / "out.csv")
    )
    assert done.returncode == 0, done.stderr
    first, second = _results(tmp_path / "out.csv")
    assert first["status"] == "ISSUED" and first["code"].startswith(P.uni_a)
    assert second["status"] == "REJECTED" and second["reasons"].startswith("institution:")


def _synth(env: dict[str, str], path: Path, count: int) -> None:
    made = _sehat(env, "synth", "--count", str(count), "--out", str(path), "--seed", "11")
    assert made.returncode == 0, made.stderr


def _state(engine: sa.Engine) -> tuple[int, int, int, int]:
    with engine.connect() as conn:
        submissions = conn.execute(sa.select(sa.func.count()).select_from(t.submissions)).scalar()
        codes = conn.execute(sa.select(t.documents.c.code)).scalars().all()
        leaves = conn.execute(sa.select(sa.func.count()).select_from(t.log_entries)).scalar()
    return int(submissions or 0), len(codes), len(set(codes)), int(leaves or 0)


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux), that are still running."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.extend(int(child) for child in task.read_text().split())
    return found


def test_stopped_at_any_moment_then_run_again_every_row_once(
    engine: sa.Engine, tmp_path: Path
) -> None:
    env = _env(engine, tmp_path / "data")
    path = tmp_path / "backlog.csv"
    _synth(env, path, 3000)
    rng = random.Random(5)
    for trial in range(3):  # killed at random moments, each time resumed by the next run
        # With worker processes (as a large file gets by default): they must not outlive it.
        proc = subprocess.Popen(
            [sys.executable, "-m", "sehat.cli.main", "import", str(path), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if trial == 0:  # the first time, killed while its workers run
            deadline = time.monotonic() + 60
            while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.1, 0.5))
        else:
            time.sleep(rng.uniform(1.5, 4.0))
        children = _children(proc.pid)
        assert trial > 0 or children, "the import's workers were never seen"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in children):
            assert time.monotonic() < deadline, f"trial {trial}: worker processes left behind"
            time.sleep(0.2)
        submissions, codes, distinct, _ = _state(engine)
        assert codes == distinct, f"trial {trial}: a code issued twice"
    done = _sehat(env, "import", str(path))
    assert done.returncode == 0, done.stderr
    results = _results(tmp_path / "backlog-results.csv")
    assert [int(r["row"]) for r in results] == list(range(2, 3002))
    submissions, codes, distinct, leaves = _state(engine)
    assert submissions == 3000 and codes == distinct
    issued = [r["code"] for r in results if r["status"] == "ISSUED"]
    assert len(issued) == len(set(issued)) == codes
    # Run again: nothing changes, not even the log.
    again = _sehat(env, "import", str(path))
    assert again.returncode == 0
    assert _results(tmp_path / "backlog-results.csv") == results
    assert _state(engine) == (submissions, codes, distinct, leaves)
    audit = _sehat(env, "audit")
    assert audit.returncode == 0, audit.stdout[-2000:]


def test_importing_beside_a_serving_registry(engine: sa.Engine, tmp_path: Path) -> None:
    import httpx

    sync_institutions(engine, load_reference())
    data = tmp_path / "data"
    env = _env(engine, data)
    path = tmp_path / "backlog.csv"
    _synth(env, path, 1500)
    with running_server(engine, data, workers=2) as base:
        engine.dispose()  # the server and the import are the registry's only users
        proc = subprocess.Popen(
            # With worker processes, as a large file is imported: its first versions are made
            # ahead of the batch they are written in, while the server logs its own.
            [sys.executable, "-m", "sehat.cli.main", "import", str(path), "--workers", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        statuses = []
        with httpx.Client(base_url=base, timeout=60) as http:
            while proc.poll() is None:
                statuses.append(http.get("/api/v1/verify/10001052348068574304").status_code)
                statuses.append(http.get("/api/v1/log/checkpoint").status_code)
        _out, errors = proc.communicate()
        assert proc.returncode == 0, errors
        results = _results(tmp_path / "backlog-results.csv")
        code = next(r["code"] for r in results if r["status"] == "ISSUED")
        with httpx.Client(base_url=base, timeout=60) as http:
            assert http.get(f"/api/v1/verify/{code}").json()["status"] == "VALID"
    assert statuses and set(statuses) == {200}
    assert _sehat(env, "audit").returncode == 0
