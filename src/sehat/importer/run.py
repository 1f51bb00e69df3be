"""One import: a file's rows through issuing in batches, a results line per row.

Each row is submitted with an idempotency key made of the file's SHA-256 and the row's
number, one transaction per batch: a run stopped at any moment (kill -9 included) and
started again replays what was committed (the same codes, nothing logged twice) and goes
on from there; a finished file run again changes nothing. A row moved in an edited file is
still the same graduation (institution, student number, kind, level, field) and gets its
first result too.

Every results cell is safe to open in a spreadsheet (a cell starting with ``=``, ``+``,
``-``, ``@``, tab or CR gets a leading ``'``, OWASP's rule: core/spreadsheet.py).

Results are written as rows are decided, then settled at the end: a row that waited for
its prior degree (PENDING_PRIOR) and was issued when a later row brought that degree is
written ISSUED with its code.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from sehat.core.persian import normalize_digits_field, to_persian_digits
from sehat.core.record import Assurance
from sehat.core.spreadsheet import safe_row
from sehat.errors import Problem
from sehat.importer.cells import cell_text
from sehat.importer.garbage import BatchCollection
from sehat.importer.headers import Header
from sehat.importer.pooled_evidence import PooledEvidence
from sehat.importer.table import open_table
from sehat.importer.workers import Prepared, Workers
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.id_checks import IdCheckCaller
from sehat.services.issuance import Issuer, Submission
from sehat.services.principal import Principal, Role
from sehat.store import schema as t
from sehat.store.tx import in_transaction

BATCH = 1000
RESULT_COLUMNS = ("row", "status", "code", "reasons")
_PENDING = "PENDING_PRIOR"
# A batch is written at the time its first versions were made for (a batch or two earlier)
# unless it waited longer than this: log leaves stay in time order well within the audit's
# slack (services/audit.py REORDER_SLACK).
STALE_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class ImportOptions:
    """What the operator said on the command line."""

    institution: str | None = (
        None  # every row is this institution's (and rows of others are refused)
    )
    assurance: Assurance | None = None  # for rows that do not say
    batch: int = BATCH
    # Over the API: a row's prior_code is the registrar's national-ID check (DESIGN §5).
    id_checks: IdCheckCaller | None = None
    # Worker processes that validate and sign (importer/workers.py); 0: all in this process.
    workers: int = 0
    # The process is the import's alone (the command line): garbage is collected between
    # batches, not during them (importer/garbage.py).
    own_process: bool = False


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    description: str = ""
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    ignored_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Row:
    number: int
    raw: dict[str, object]
    refused: list[dict[str, object]] | None = None  # decided here: never stored


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (the rows' idempotency keys start with it)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reasons_text(reasons: Iterable[dict[str, object]]) -> str:
    """The ``reasons`` cell: each reason as ``field: problem — مشکل`` (English, then Persian
    for the registrar who reads it), separated by ``; `` — the four columns of DESIGN §7."""
    return "; ".join(
        f"{r.get('field')}: {r.get('problem')}"
        + (f" — {r.get('problem_fa')}" if r.get("problem_fa") else "")
        for r in reasons
    )


def run_import(
    engine: sa.Engine,
    reference: Reference,
    evidence: Evidence,
    path: Path,
    results: Path,
    options: ImportOptions = ImportOptions(),
    *,
    on_header: Callable[[ImportReport], None] = lambda _: None,
    on_progress: Callable[[int], None] = lambda _: None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Import ``path`` and write its results to ``results`` (``row,status,code,reasons``).

    Raises:
        InputError: the file cannot be read or its header lacks a required column (nothing
            is stored); or a row further down cannot be read (rows before it are stored).
    """
    report = report if report is not None else ImportReport(path.name)
    partial = results.with_name(results.name + ".partial")
    pending: dict[int, str] = {}  # row → submission id, for rows still waiting
    with ExitStack() as stack:
        table = stack.enter_context(
            open_table(path, institution_given=options.institution is not None)
        )
        key = file_digest(path)[:32]
        report.description = table.description
        report.ignored_columns = table.header.ignored
        on_header(report)
        pool = stack.enter_context(Workers(evidence, options.workers)) if options.workers else None
        collection = stack.enter_context(BatchCollection()) if options.own_process else None
        signer = PooledEvidence(evidence, pool) if pool else evidence
        out = stack.enter_context(partial.open("w", encoding="utf-8", newline=""))
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(RESULT_COLUMNS)
        chunks = _chunks(_rows(table.rows, table.header, options, reference), options.batch)
        for chunk, at, prepared in _prepared_ahead(chunks, pool):
            for number, status, code, reasons, submission in _submit(
                engine, reference, signer, chunk, key, options.id_checks, at, prepared
            ):
                writer.writerow(safe_row([number, status, code or "", _reasons_text(reasons)]))
                report.counts[status] += 1
                if status == _PENDING and submission:
                    pending[number] = submission
            report.rows += len(chunk)
            on_progress(report.rows)
            if collection is not None:
                collection.batch_done()
    _settle(engine, partial, results, pending, report)
    return report


def _rows(
    rows: Iterator[tuple[int, list[object]]],
    header: Header,
    options: ImportOptions,
    reference: Reference,
) -> Iterator[_Row]:
    for number, cells in rows:
        raw = {name: cell_text(name, value) for name, value in header.record(cells).items()}
        given = normalize_digits_field(str(raw.get("institution") or ""))
        if options.institution is not None:
            if given and given != options.institution:
                yield _Row(
                    number,
                    raw,
                    [
                        _institution_problem(
                            # The command line's --institution, or the registrar's own
                            # institution over the API: worded for both.
                            f"the row is of institution {given}; this import is for "
                            f"institution {options.institution} only",
                            to_persian_digits(
                                f"ردیف از موسسه {given} است؛ این ورود فقط برای موسسه "
                                f"{options.institution} است"
                            ),
                        )
                    ],
                )
                continue
            raw["institution"] = options.institution
            given = options.institution
        if options.assurance is not None and not raw.get("assurance"):
            raw["assurance"] = options.assurance.value
        if not given:
            yield _Row(
                number,
                raw,
                [
                    _institution_problem(
                        "the row names no institution",
                        "کد موسسه ردیف خالی است",
                    )
                ],
            )
        elif given not in reference.institutions:
            yield _Row(
                number,
                raw,
                [
                    _institution_problem(
                        f"{given!r} is not a known institution code",
                        f"«{given}» کد موسسه شناخته‌شده‌ای نیست",
                    )
                ],
            )
        else:
            raw["institution"] = given
            yield _Row(number, raw)


def _institution_problem(message: str, message_fa: str) -> dict[str, object]:
    return Problem(
        "institution",
        message,
        message_fa,
        "give the 5-digit code of the institution that granted the degree",
        "کد پنج‌رقمی موسسه اعطاکننده مدرک را بنویسید",
    ).as_dict()


def _chunks(rows: Iterator[_Row], size: int) -> Iterator[list[_Row]]:
    chunk: list[_Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepared_ahead(
    chunks: Iterator[list[_Row]], pool: Workers | None
) -> Iterator[tuple[list[_Row], datetime, list[Prepared] | None]]:
    """Each batch with its time and its rows as the workers prepared them (validated, first
    versions made ahead for that time), a batch or two ahead of the database; without
    workers: None, each row is validated as it is stored."""
    if pool is None:
        for chunk in chunks:
            yield chunk, datetime.now(UTC), None
        return
    ahead: deque[tuple[list[_Row], datetime, Future[list[Prepared]]]] = deque()
    for chunk in chunks:
        at = datetime.now(UTC)
        ahead.append((chunk, at, pool.prepare([r.raw for r in chunk if r.refused is None], at)))
        if len(ahead) > pool.processes:
            done, done_at, future = ahead.popleft()
            yield done, done_at, future.result()
    while ahead:
        done, done_at, future = ahead.popleft()
        yield done, done_at, future.result()


_Result = tuple[int, str, str | None, list[dict[str, object]], str | None]


def _submit(
    engine: sa.Engine,
    reference: Reference,
    evidence: Evidence,
    chunk: list[_Row],
    key: str,
    id_checks: IdCheckCaller | None,
    at: datetime,
    prepared: list[Prepared] | None = None,
) -> list[_Result]:
    """Decide one batch at time ``at``; results in input order: (row, status, code, reasons,
    submission). ``prepared``: the stored rows as the workers prepared them for ``at``."""
    stored = [row for row in chunk if row.refused is None]
    ready: list[Prepared | tuple[None, None]] = (
        list(prepared) if prepared is not None else [(None, None)] * len(stored)
    )
    decided: dict[int, tuple[str, str | None, list[dict[str, object]], str | None]] = {}
    now = datetime.now(UTC)
    if now - at < STALE_AFTER:
        # The batch's own time, which the versions made ahead carry. (One held up longer
        # gets the time it is written at; its versions are signed again.)
        now = at

    def registrar_of(institution: str) -> Principal:
        return Principal(
            role=Role.REGISTRAR, account_id="import", name="sehat import", institution=institution
        )

    def work(conn: sa.Connection) -> None:
        decided.clear()
        subs = [
            (
                str(row.raw["institution"]),
                Submission(row.raw, f"import-{key}-{row.number}", checked, ahead),
            )
            for row, (checked, ahead) in zip(stored, ready, strict=True)
        ]
        issuer = Issuer(conn, reference, now, evidence, id_checks)
        for row, result in zip(stored, issuer.submit_mixed(registrar_of, subs), strict=True):
            decided[row.number] = (result.status, result.code, result.reasons, result.submission_id)

    if stored:
        in_transaction(engine, work)  # one transaction: all of the batch or none of it
    out: list[_Result] = []
    for row in chunk:
        if row.refused is not None:
            out.append((row.number, "REJECTED", None, row.refused, None))
        else:
            status, code, reasons, submission = decided[row.number]
            out.append((row.number, status, code, reasons, submission))
    return out


def _settle(
    engine: sa.Engine,
    partial: Path,
    results: Path,
    pending: dict[int, str],
    report: ImportReport,
) -> None:
    """Write the final results: rows that waited and were issued since, as issued."""
    now_issued: dict[int, tuple[str, str | None, str]] = {}
    by_submission = {submission: row for row, submission in pending.items()}
    s, d = t.submissions.c, t.documents.c
    ids: Sequence[str] = list(by_submission)
    with engine.connect() as conn:
        for start in range(0, len(ids), 900):
            query = (
                sa.select(s.public_id, s.status, s.reasons, d.code)
                .select_from(t.submissions.outerjoin(t.documents, d.id == s.document_id))
                .where(s.public_id.in_(ids[start : start + 900]))
            )
            for row in conn.execute(query):
                if row.status != _PENDING:
                    number = by_submission[row.public_id]
                    now_issued[number] = (row.status, row.code, _reasons_text(row.reasons or []))
    for status, *_ in now_issued.values():
        report.counts[_PENDING] -= 1
        report.counts[status] += 1
    report.counts = +report.counts  # drop zero counts
    if not now_issued:
        os.replace(partial, results)
        return
    with (
        partial.open(encoding="utf-8", newline="") as src,
        results.open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out, lineterminator="\r\n")
        for line in csv.reader(src):
            if line and line[0].isdigit() and int(line[0]) in now_issued:
                status, code, reasons = now_issued[int(line[0])]
                line = safe_row([line[0], status, code or "", reasons])
            writer.writerow(line)
    partial.unlink()
