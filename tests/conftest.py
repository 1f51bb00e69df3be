"""Shared fixtures: the published conformance vectors and the real services' URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DEFAULT_VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors"


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """``../shared/vectors`` (or SEHAT_VECTORS_DIR). CI always has it; a run without it fails."""
    path = Path(os.environ.get("SEHAT_VECTORS_DIR", _DEFAULT_VECTORS))
    if not path.is_dir():
        pytest.fail(f"conformance vectors not found at {path}; set SEHAT_VECTORS_DIR")
    return path
