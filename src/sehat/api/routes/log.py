"""The public transparency log (DESIGN §7): checkpoint, entries, inclusion, consistency."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from sehat.api.deps import EngineDep, EvidenceDep, SettingsDep
from sehat.api.shapes import refuses
from sehat.services import transparency
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1/log", tags=["transparency log / لاگ شفافیت"])
MAX_INDEX = 2**63 - 1


@router.get("/checkpoint", response_class=PlainTextResponse)
def checkpoint(engine: EngineDep, evidence: EvidenceDep, settings: SettingsDep) -> str:
    """The latest checkpoint: a C2SP tlog-checkpoint body in a C2SP signed note (Ed25519)."""
    now = datetime.now(UTC)
    keys = evidence.keys()  # as last read, off the request path
    return in_transaction(
        engine, lambda c: transparency.latest_checkpoint(c, keys, settings.log_origin, now)
    )


@router.get(
    "/entries",
    openapi_extra=refuses(
        {
            "start": "below end, and at most 1000 entries before it",
            "end": "above start, at most start + 1000",
        }
    ),
)
def entries(
    engine: EngineDep,
    start: int = Query(ge=0, le=MAX_INDEX, description="first index"),
    end: int = Query(ge=1, le=MAX_INDEX, description="one past the last index (≤ start + 1000)"),
) -> dict[str, Any]:
    """Entries [start, end): ``leaf_input`` is the base64 of the exact bytes hashed as the leaf."""
    with engine.connect() as conn:
        return transparency.entries(conn, start, end)


@router.get(
    "/proof/inclusion",
    openapi_extra=refuses(
        {"index": "below tree_size", "tree_size": "at most the log's size now (its checkpoint)"}
    ),
)
def inclusion(
    engine: EngineDep,
    index: int = Query(ge=0, le=MAX_INDEX),
    tree_size: int = Query(ge=1, le=MAX_INDEX),
) -> dict[str, Any]:
    """RFC 9162 §2.1.3 inclusion proof."""
    with engine.connect() as conn:
        return transparency.inclusion(conn, index, tree_size)


@router.get(
    "/proof/consistency",
    openapi_extra=refuses(
        {"first": "at most second", "second": "at most the log's size now (its checkpoint)"}
    ),
)
def consistency(
    engine: EngineDep,
    first: int = Query(ge=1, le=MAX_INDEX),
    second: int = Query(ge=1, le=MAX_INDEX),
) -> dict[str, Any]:
    """RFC 9162 §2.1.4 consistency proof between two tree sizes."""
    with engine.connect() as conn:
        return transparency.consistency(conn, first, second)
