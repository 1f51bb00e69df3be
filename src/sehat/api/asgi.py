"""The ASGI entry point for multi-process serving: ``uvicorn --factory sehat.api.asgi:app_factory``.

Each worker builds its app from the environment (SEHAT_DATA_DIR, SEHAT_DATABASE_URL, …).
"""

from __future__ import annotations

from fastapi import FastAPI

from sehat.api.app import create_app
from sehat.config import load_settings


def app_factory() -> FastAPI:
    """A fresh app for one worker process."""
    return create_app(load_settings())
