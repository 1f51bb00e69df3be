"""Cyclic garbage collection between batches, not during them, in a process that imports.

A batch makes and drops a few hundred thousand objects (rows, records, statements' values)
that reference counting frees by itself. CPython's collector nevertheless runs every 700
allocations, and each run walks every object of the batch still alive, then, as they
survive, again in the older generations: measured, about a third of the writing process's
CPU time and a fifth of a worker's. So while a batch is processed the collector is off;
after it, the young generation is collected (the batch's objects are gone by then, so it is
short), the middle one every ten batches and the whole heap every hundred. What was alive
before the import started (reference data, modules) is frozen out of those walks.

Only for a process the import has to itself — the command line, its worker processes, a
benchmark. A server importing over the API leaves its collector alone: its request threads
run on in the same process.
"""

from __future__ import annotations

import gc
from types import TracebackType

MIDDLE_EVERY = 10
FULL_EVERY = 100


class BatchCollection:
    """A context manager: the collector off but between batches (call :meth:`batch_done`)."""

    def __init__(self) -> None:
        self._batches = 0
        self._was_enabled = False

    def __enter__(self) -> BatchCollection:
        self._was_enabled = gc.isenabled()
        gc.collect()
        gc.freeze()
        gc.disable()
        return self

    def batch_done(self) -> None:
        """Collect what the batch left behind (cycles only; the rest is freed already)."""
        self._batches += 1
        if self._batches % FULL_EVERY == 0:
            gc.collect(2)
        elif self._batches % MIDDLE_EVERY == 0:
            gc.collect(1)
        else:
            gc.collect(0)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()
