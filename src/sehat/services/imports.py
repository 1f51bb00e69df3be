"""Imports over the API (DESIGN §7): an institution's system uploads a backfill file and
follows it while the same code as ``sehat import`` works through it.

The upload is kept under the data directory (``imports/<id>/``) with its results beside
it; the import's state lives in the database, so every worker process answers for it.
Each runs in a thread of the process that took the upload (:class:`ImportThreads`); several
may run at once. A process that stops mid-way leaves its import without progress: after
:data:`STALE_AFTER` it reads ``interrupted``, and uploading the same file again carries on
where it stopped (the rows already done are replayed, not issued twice).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sehat.background import Background
from sehat.core.record import Assurance
from sehat.errors import IdCheckLimitError, InputError, NotFoundError
from sehat.importer.run import ImportOptions, ImportReport, run_import
from sehat.importer.table import open_table
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.id_checks import IdCheckCaller
from sehat.services.principal import Principal, Role
from sehat.store import schema as t
from sehat.store.tx import in_transaction

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)  # no progress for this long: the process running it is gone
PROGRESS_EVERY = 1  # batches between progress writes


def directory(data_dir: Path, public_id: str) -> Path:
    """Where one import's upload and results are kept."""
    return data_dir / "imports" / public_id


def results_path(data_dir: Path, public_id: str) -> Path:
    """The import's results CSV (``row,status,code,reasons``), complete once ``done``."""
    return directory(data_dir, public_id) / "results.csv"


def new_id() -> str:
    """A fresh import id (the upload is saved under it before the import is recorded)."""
    return str(uuid.uuid4())


def require_registrar(principal: Principal) -> str:
    """Only a registrar imports, and only for its own institution."""
    principal.require_role(
        Role.REGISTRAR, what_en="import graduation records", what_fa="ورود گروهی سوابق"
    )
    assert principal.institution is not None
    return principal.institution


def record(
    conn: sa.Connection, principal: Principal, public_id: str, filename: str, now: datetime
) -> None:
    """Record a queued import of the uploaded file."""
    institution = require_registrar(principal)
    conn.execute(
        t.imports.insert().values(
            public_id=public_id,
            institution=institution,
            account=principal.account_id,
            filename=filename[:200],
            state="queued",
            rows_total=None,
            rows_done=0,
            counts={},
            error=None,
            created_at=now,
            updated_at=now,
        )
    )


@dataclass(frozen=True)
class ImportJob:
    """One uploaded import: where it reads and writes, and for whom."""

    engine: sa.Engine
    reference: Reference
    evidence: Evidence
    upload: Path  # the file as uploaded
    results: Path  # its results CSV (results_path)
    public_id: str
    institution: str  # the registrar's: every row is this institution's
    assurance: Assurance  # for rows that do not say
    caller: IdCheckCaller  # whose national-ID checks a row's prior_code counts as


class Stopped(Exception):
    """The server is stopping: the import ends after the batch just committed."""


class ImportThreads:
    """The imports this process runs, each on a thread of its own (sehat/background.py).

    Stopped with the server between two batches: what was committed stays, and the import
    reads ``interrupted`` after :data:`STALE_AFTER`, to be carried on by uploading the same
    file again.
    """

    def __init__(self) -> None:
        self._running: dict[str, Background] = {}
        self._lock = threading.Lock()

    def start(self, job: ImportJob) -> Background:
        """Run the import in a thread of this process."""
        worker = Background(f"import-{job.public_id[:8]}", lambda: _run(job, worker.stopping))
        with self._lock:
            self._running = {k: w for k, w in self._running.items() if w.alive()}
            self._running[job.public_id] = worker
            worker.start()
        return worker

    def workers(self) -> list[Background]:
        """The imports still running."""
        with self._lock:
            return [w for w in self._running.values() if w.alive()]


def _update(engine: sa.Engine, public_id: str, **values: Any) -> None:
    values["updated_at"] = datetime.now(UTC)
    in_transaction(
        engine,
        lambda c: c.execute(
            t.imports.update().where(t.imports.c.public_id == public_id).values(**values)
        ),
    )


def _count_rows(upload: Path) -> int:
    with open_table(upload, institution_given=True) as table:
        return sum(1 for _ in table.rows)


def _run(job: ImportJob, stopping: threading.Event) -> None:
    engine, public_id = job.engine, job.public_id
    report = ImportReport(job.upload.name)
    try:
        total = _count_rows(job.upload)
        _update(engine, public_id, state="running", rows_total=total)

        def progress(rows: int) -> None:
            _update(engine, public_id, rows_done=rows, counts=dict(report.counts))
            if stopping.is_set():
                raise Stopped

        options = ImportOptions(
            institution=job.institution, assurance=job.assurance, id_checks=job.caller
        )
        report = run_import(
            engine,
            job.reference,
            job.evidence,
            job.upload,
            job.results,
            options,
            on_header=lambda r: None,
            on_progress=progress,
            report=report,
        )
        _update(
            engine,
            public_id,
            state="done",
            rows_done=report.rows,
            counts=dict(report.counts),
            finished_at=datetime.now(UTC),
        )
    except Stopped:
        log.info("import %s stopped with the server after %d rows", public_id, report.rows)
    except (InputError, IdCheckLimitError) as exc:
        problems = (
            [p.as_dict() for p in exc.problems]
            if isinstance(exc, InputError)
            else [{"field": "prior_code", "problem": exc.message, "problem_fa": exc.message_fa}]
        )
        _update(
            engine,
            public_id,
            state="failed",
            rows_done=report.rows,
            counts=dict(report.counts),
            error={"message": exc.message, "message_fa": exc.message_fa, "problems": problems},
            finished_at=datetime.now(UTC),
        )
    except Exception as exc:  # a bug or the database away: said without its details
        error_id = uuid.uuid4().hex[:12]
        log.error("import %s failed: %s (error id %s)", public_id, type(exc).__name__, error_id)
        message = (
            f"the import stopped on an internal error (id {error_id}); upload the same file again"
        )
        error = {
            "message": message,
            "message_fa": "ورود با خطای داخلی متوقف شد؛ همان پرونده را دوباره بفرستید",
        }
        try:
            _update(
                engine,
                public_id,
                state="failed",
                rows_done=report.rows,
                error=error,
                finished_at=datetime.now(UTC),
            )
        except Exception:  # the database is away too: the import reads interrupted later
            log.error("import %s: its failure could not be recorded", public_id)


def status(
    conn: sa.Connection, principal: Principal, public_id: str, now: datetime
) -> dict[str, Any]:
    """An import's state, for the registrar of its institution (and the operator, auditor)."""
    i = t.imports.c
    row = conn.execute(sa.select(t.imports).where(i.public_id == public_id)).first()
    if row is None or not principal.may_read_institution(row.institution):
        # Another institution's import does not exist for this caller.
        raise NotFoundError(f"no import {public_id}", f"ورودی با شناسه {public_id} یافت نشد")
    state = row.state
    if state in ("queued", "running") and now - row.updated_at > STALE_AFTER:
        state = "interrupted"
    out: dict[str, Any] = {
        "import_id": row.public_id,
        "state": state,
        "file": row.filename,
        "institution": row.institution,
        "rows_total": row.rows_total,
        "rows_done": row.rows_done,
        "counts": dict(Counter(row.counts or {})),
        "created_at": row.created_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
    }
    if row.error:
        out["error"] = row.error
    if state == "interrupted":
        out["error"] = {
            "message": "the server stopped while importing; upload the same file again: rows "
            "already done keep their results and the rest follow",
            "message_fa": "سرور در میانه ورود متوقف شد؛ همان پرونده را دوباره بفرستید",
        }
    return out
