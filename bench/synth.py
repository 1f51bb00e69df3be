"""Synthetic-data generator: rows/s writing CSV (target ≥ 50,000 rows/s on the 2-core machine).

    .venv/bin/python bench/synth.py [--rows 500000] [--seed 1] [--repeat 3]

Times ``sehat.synth.write_csv`` (whole histories, transcripts with their courses, all five
domains) into a temporary file. Baseline, same run: ``csv.writer`` writing the same number
of copies of one ordinary (non-transcript) row of the same shape — the cost of writing CSV
with nothing to generate. The best of ``--repeat`` runs counts: on a shared machine the
slower runs measure the neighbours.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from sehat.reference import loader
from sehat.synth import FIELDNAMES, iter_rows, write_csv

TARGET = 50_000


def baseline(path: Path, rows: int) -> float:
    """Seconds for csv.writer to write ``rows`` constant rows of the synthetic shape."""
    row = (
        "0013542419",
        "فاطمه",
        "حسین‌زاده",
        "Fatemeh",
        "Hosseinzadeh",
        "علی",
        "1376/05/14",
        "female",
        "10001",
        "2",
        "",
        "0613",
        "مهندسی کامپیوتر",
        "continuous",
        "950123456",
        "1395/07/03",
        "1399/06/20",
        "17.25",
        "",
        "",
        "",
    )
    start = time.perf_counter()
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(FIELDNAMES)
        for _ in range(rows // 1000):
            writer.writerows([row] * 1000)
        writer.writerows([row] * (rows % 1000))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    reference = loader.load_reference()
    with tempfile.TemporaryDirectory() as tmp:
        out, base_out = Path(tmp) / "synth.csv", Path(tmp) / "baseline.csv"
        synth_s = base_s = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            written = write_csv(out, reference, args.rows, args.seed)
            synth_s = min(synth_s, time.perf_counter() - start)
            base_s = min(base_s, baseline(base_out, args.rows))
        assert written == args.rows
        size_mb = os.path.getsize(out) / 1e6
    kinds = Counter(row[9] for row in iter_rows(reference, min(args.rows, 50_000), args.seed))
    domains = Counter(row[8][0] for row in iter_rows(reference, min(args.rows, 50_000), args.seed))
    rate, base_rate = args.rows / synth_s, args.rows / base_s
    print(f"rows: {args.rows:,}  file: {size_mb:,.1f} MB  (best of {args.repeat})")
    print(f"kinds (first 50k rows): {dict(sorted(kinds.items()))}")
    print(f"domains (first 50k rows): {dict(sorted(domains.items()))}")
    print(f"sehat synth write_csv:        {rate:12,.0f} rows/s  ({size_mb / synth_s:,.1f} MB/s)")
    print(f"baseline csv.writer constant: {base_rate:12,.0f} rows/s")
    print(f"ratio synth / baseline:       {rate / base_rate:12.2f}")
    print(f"target ≥ {TARGET:,} rows/s: {'met' if rate >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
