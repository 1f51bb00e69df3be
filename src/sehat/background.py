"""The server's background threads, all of one kind: :class:`Background`.

Each is a named daemon thread that runs one step, once or every few seconds, until it is
asked to stop; stopping waits a bounded time, so a step blocked on a database that does
not answer never keeps the process from ending (the thread, a daemon, ends with it). They
are made by the app factory and started and stopped by the app's lifespan, in one order
(api/runtime.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from sehat.faults import describe, new_error_id

log = logging.getLogger(__name__)

STOP_SECONDS = 5.0  # how long :meth:`Background.stop` waits by default


class Background:
    """``step`` on a daemon thread named ``name``: once, or every ``every`` seconds.

    The first step comes ``first_after`` seconds after :meth:`start` (at once by default for
    a single step, after ``every`` for a repeated one). A long step looks at :attr:`stopping`
    to end early (between two batches). ``last``, when given, runs on the thread once the
    loop has ended (a writer's final flush), within the same bound as the stop; it runs when
    the thread was never started, too. A step that raises is a fault of ours: it is logged
    with an error id and no message (faults.py), and the loop goes on.
    """

    def __init__(
        self,
        name: str,
        step: Callable[[], object],
        *,
        every: float | None = None,
        first_after: float | None = None,
        last: Callable[[], object] | None = None,
    ) -> None:
        self.name = name
        self._step = step
        self._every = every
        self._first_after = first_after if first_after is not None else (every or 0.0)
        self._last = last
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the thread; nothing while it is still running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self.stopping.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def ask_to_stop(self) -> None:
        """Tell the thread to stop after its current step, without waiting for it."""
        self.stopping.set()

    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """Stop the thread, waiting at most ``timeout`` seconds; True once it has ended.

        False when a step is still busy at the deadline: it is logged and left behind.
        """
        self.stopping.set()
        with self._lock:
            thread = self._thread
            if thread is None and self._last is not None:  # never started: the last step
                thread = self._thread = threading.Thread(
                    target=self._guarded, args=(self._last,), name=self.name, daemon=True
                )
                thread.start()
        if thread is None:
            return True
        thread.join(max(0.0, timeout))
        if thread.is_alive():
            log.warning("%s: still busy %.1f s after being asked to stop", self.name, timeout)
            return False
        return True

    def alive(self) -> bool:
        """Whether the thread is running."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def _run(self) -> None:
        wait = self._first_after
        while not self.stopping.wait(wait):
            self._guarded(self._step)
            if self._every is None:
                break
            wait = self._every
        if self._last is not None:
            self._guarded(self._last)

    def _guarded(self, work: Callable[[], object]) -> None:
        try:
            work()
        except Exception as exc:  # never its message: it may hold personal data
            log.error("%s failed: error_id=%s %s", self.name, new_error_id(), describe(exc))


def stop_all(workers: Sequence[Background], timeout: float = STOP_SECONDS) -> list[Background]:
    """Stop ``workers`` within ``timeout`` seconds for all of them together: each is told at
    once, so they wind down side by side, then each is waited for in order. Returns those
    still busy at the deadline."""
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.ask_to_stop()
    return [w for w in workers if not w.stop(deadline - time.monotonic())]
