"""Synthetic graduation records: realistic, valid, reproducible from a seed.

Rows carry exactly the field names of DESIGN §3 and whole education histories per person
(associate → discontinuous bachelor, bachelor → master → PhD, professional doctorate →
specialty, seminary levels 1 → 4, integrated master), each person's records in
chronological order, a transcript (kind 8) right after the degree it belongs to.
``prior_code`` and ``degree_code`` are empty: codes do not exist before issuing, and the
registry finds a person's prior degree by national ID.

    >>> from sehat.reference.loader import load_reference
    >>> rows = list(iter_records(load_reference(), 10, seed=1))
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import islice

from sehat.core.record import RECORD_FIELDS
from sehat.reference.models import Reference
from sehat.synth.generator import PATTERNS, HistoryGenerator, Row, csv_cell

__all__ = ["FIELDNAMES", "PATTERNS", "iter_records", "iter_rows", "write_csv"]

FIELDNAMES: tuple[str, ...] = RECORD_FIELDS


def iter_rows(
    reference: Reference, count: int, seed: int = 0, *, last_year: int = 1403
) -> Iterator[Row]:
    """Exactly ``count`` rows as tuples in :data:`FIELDNAMES` order.

    Whole histories are kept together; only the last one may be cut short to stop at
    ``count``. No degree graduates after Solar Hijri ``last_year``.
    """
    return _rows(HistoryGenerator(reference, seed, last_year), count)


def _rows(generator: HistoryGenerator, count: int) -> Iterator[Row]:
    if count < 0:
        raise ValueError("count must not be negative")

    def histories() -> Iterator[Row]:
        while True:
            yield from generator.person()

    return islice(histories(), count)


def iter_records(
    reference: Reference, count: int, seed: int = 0, *, last_year: int = 1403
) -> Iterator[dict[str, str]]:
    """Exactly ``count`` graduation records as field name → text (see :func:`iter_rows`)."""
    for row in iter_rows(reference, count, seed, last_year=last_year):
        yield dict(zip(FIELDNAMES, row, strict=True))


def write_csv(
    path: str | os.PathLike[str],
    reference: Reference,
    count: int,
    seed: int = 0,
    *,
    last_year: int = 1403,
) -> int:
    """Write a header and ``count`` records as UTF-8 CSV (RFC 4180); return rows written.

    The same rows as :func:`iter_records`; the same seed and reference data give a
    byte-identical file. Cells come escaped from the generator (each pool entry once, not
    each row), so a line is a join; ``csv.reader`` reads the file back exactly.
    """
    rows = _rows(HistoryGenerator(reference, seed, last_year, csv_cells=True), count)
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(csv_cell(name) for name in FIELDNAMES) + "\r\n")
        while chunk := list(islice(rows, 4096)):
            out.write("\r\n".join([",".join(row) for row in chunk]) + "\r\n")
            written += len(chunk)
    return written
