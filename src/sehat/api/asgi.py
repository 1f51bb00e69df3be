"""The ASGI entry point for multi-process serving: ``uvicorn --factory sehat.api.asgi:app_factory``.

Each worker builds its app from the environment (SEHAT_DATA_DIR, SEHAT_DATABASE_URL, …).
"""

from __future__ import annotations

import gc
import sys

from fastapi import FastAPI

from sehat.api.app import create_app
from sehat.config import load_settings

SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005


def settle_process() -> None:
    """Interpreter settings for a process that serves one app for its whole life: called by
    ``sehat serve`` once the app is built, never by the app factory, so that tests and
    other processes that build an app keep the interpreter's defaults (and their garbage).
    """
    # Everything built so far (reference data, compiled statements, keys) lives as long as
    # the process: keep it out of the garbage collector's full passes, which otherwise walk
    # it every few seconds under load and stall requests for tens of ms.
    gc.collect()
    gc.freeze()
    # Background threads (access-log and request-log writers, prewarm) take the interpreter
    # lock for short stretches; the event loop, waiting for it, should get it back within
    # half a millisecond rather than the default five (a request's tail).
    sys.setswitchinterval(SWITCH_INTERVAL)


def app_factory() -> FastAPI:
    """A fresh app for one worker process, its interpreter settled for serving."""
    app = create_app(load_settings())
    settle_process()
    return app
