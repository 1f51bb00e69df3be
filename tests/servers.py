"""A real `sehat serve` in its own processes, started and stopped the same way by every test
that needs one (integration, fault and browser tests)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

KEK = "server-test-key-encryption-key-0123456789abc"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    """Whether something accepts connections on ``port`` (a worker listens on it)."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Server:
    """`sehat serve` with ``env`` on its own port, which it keeps across restarts.

    Everything it prints goes to ``log`` (appended to, so a restarted server's lines follow
    the killed one's) — never to an unread pipe, which would fill and stall the server.

    ``ready`` is the path that must answer 200 before the server counts as started; ``None``
    means as soon as the port accepts connections, for tests about the very first requests.
    """

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        workers: int = 1,
        ready: str | None = "/healthz",
    ) -> None:
        self.env, self.log, self.workers, self.ready = env, log, workers, ready
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def printed(self) -> str:
        """What the server has printed so far (every start of it)."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def spawn(self) -> subprocess.Popen[bytes]:
        """Start the process and return at once (``wait_ready`` waits for it)."""
        command = [sys.executable, "-m", "sehat.cli.main", "serve", "--port", str(self.port)]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self.proc

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until the server answers (see ``ready``); fails if it stops or never does."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.proc.poll() is not None:
                raise AssertionError(f"the server stopped at start: {self.printed()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the server did not answer within {timeout:.0f} s: {self.printed()[-3000:]}"
                )
            time.sleep(0.02 if self.ready is None else 0.1)

    def _answers(self) -> bool:
        if self.ready is None:
            return port_open(self.port)
        try:
            return httpx.get(self.base + self.ready, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def worker_pids(self) -> list[int]:
        """The pids of the worker processes of a `--workers N` server."""
        assert self.proc is not None
        found = subprocess.run(
            ["pgrep", "-f", "multiprocessing.spawn", "-P", str(self.proc.pid)],
            capture_output=True,
            text=True,
            check=False,
        )
        return [int(p) for p in found.stdout.split()]

    def kill_all(self) -> None:
        """kill -9 of every worker and of the server itself."""
        assert self.proc is not None
        for pid in [*self.worker_pids(), self.proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        """Ctrl-C, as an operator stops it; killed if it has not stopped after ``timeout``."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_all()


@contextmanager
def start_server(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 1,
    ready: str | None = "/healthz",
) -> Iterator[Server]:
    """A started `sehat serve` (see ``Server``) for the block; stopped after it."""
    server = Server(env, log, workers=workers, ready=ready)
    try:
        server.start()
        yield server
    finally:
        server.stop()
