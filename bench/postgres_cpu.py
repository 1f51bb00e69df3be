"""CPU time of the PostgreSQL server on this machine, for benchmarks that run beside it.

The database shares the machine's cores with what is measured, so its CPU counts: every
``postgres`` process (the backends, and the WAL writer, checkpointer and background writer
their writes keep busy), read from /proc.
"""

from __future__ import annotations

import os
from pathlib import Path


def postgres_cpu_seconds() -> float:
    """CPU seconds (user + system) of every PostgreSQL server process so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(") ", 1)
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        if name.startswith("postgres"):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (man 5 proc)
    return total / tick
