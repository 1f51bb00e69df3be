"""The server's background threads (sehat/background.py): they run their step, stop when told,
and a step that never returns cannot keep the process from ending."""

from __future__ import annotations

import logging
import re
import threading
import time

import pytest

from sehat.background import Background, stop_all


def test_a_step_runs_every_interval_until_stopped() -> None:
    ran = threading.Semaphore(0)
    worker = Background("ticker", ran.release, every=0.01)
    assert not worker.alive()
    worker.start()
    worker.start()  # already running: still one thread
    assert [t.name for t in threading.enumerate()].count("ticker") == 1
    for _ in range(3):
        assert ran.acquire(timeout=5)
    assert worker.alive()
    assert worker.stop(5)
    assert not worker.alive()
    assert "ticker" not in [t.name for t in threading.enumerate()]


def test_a_single_step_runs_once() -> None:
    calls: list[int] = []
    worker = Background("once", lambda: calls.append(1))
    worker.start()
    assert worker.stop(5)
    assert calls == [1]


def test_stopping_is_bounded_when_a_step_never_returns(caplog: pytest.LogCaptureFixture) -> None:
    entered, release = threading.Event(), threading.Event()

    def blocked() -> None:
        entered.set()
        release.wait(60)  # a database that does not answer

    worker = Background("stuck", blocked, every=0.01)
    worker.start()
    assert entered.wait(5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="sehat.background"):
        assert worker.stop(0.2) is False
    assert time.monotonic() - started < 1.5
    assert worker.alive()  # left behind, a daemon: it ends with the process
    assert "stuck: still busy" in caplog.text
    release.set()
    assert worker.stop(5) and not worker.alive()  # and it does not step again once told


def test_stopping_several_is_bounded_for_all_together() -> None:
    release = threading.Event()
    workers = [Background(f"stuck-{i}", lambda: release.wait(60)) for i in range(4)]
    for worker in workers:
        worker.start()
    started = time.monotonic()
    busy = stop_all(workers, 0.3)
    assert time.monotonic() - started < 1.5  # not 4 × 0.3 s waited one after the other
    assert busy == workers
    release.set()
    assert stop_all(workers, 5) == []


def test_a_failing_step_is_logged_with_an_error_id_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = threading.Semaphore(0)

    def failing() -> None:
        calls.release()
        raise ValueError("row of 0012345678")  # a message with personal data

    worker = Background("failing", failing, every=0.01)
    with caplog.at_level(logging.ERROR, logger="sehat.background"):
        worker.start()
        assert calls.acquire(timeout=5) and calls.acquire(timeout=5)  # it went on
        assert worker.stop(5)
    line = caplog.records[0].getMessage()
    assert re.match(r"failing failed: error_id=[0-9a-f]{16} ValueError at .*", line)
    assert "0012345678" not in caplog.text


def test_the_last_step_runs_once_stopped_even_if_never_started() -> None:
    order: list[str] = []
    worker = Background(
        "writer", lambda: order.append("step"), every=60, last=lambda: order.append("last")
    )
    worker.start()
    assert worker.stop(5)
    assert order == ["last"]  # stopped before the first interval: the last step only
    never = Background("idle", lambda: None, every=60, last=lambda: order.append("idle's last"))
    assert never.stop(5)
    assert order == ["last", "idle's last"]
