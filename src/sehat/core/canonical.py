"""RFC 8785 (JCS) canonical JSON, fast, for the values Sehat signs.

Why not ``rfc8785.dumps`` everywhere: it is pure Python and costs ~0.3 ms for a transcript,
a quarter of bulk issuing. For values made only of text, integers, booleans, null, lists and
objects with ASCII keys — which is what ``GraduationRecord.content()`` produces (decimals are
text) — the C-accelerated ``json.dumps`` with sorted keys, no spaces and no ASCII escaping
gives byte for byte the RFC 8785 output (same escapes for control characters and quotes,
UTF-8 for everything else, keys in code-unit order). ``tests/unit/test_canonical.py`` checks
this against ``rfc8785`` on generated values; anything else goes to ``rfc8785``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import rfc8785

SAFE_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3: integers beyond are not exact in I-JSON


def _plain(value: object, depth: int = 0) -> bool:
    if value is None or isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return -SAFE_INTEGER <= value <= SAFE_INTEGER
    if depth > 32:
        return False
    if isinstance(value, list):
        return all(_plain(item, depth + 1) for item in value)
    if isinstance(value, Mapping):
        return all(
            isinstance(k, str) and k.isascii() and _plain(v, depth + 1) for k, v in value.items()
        )
    return False


def canonical_json(value: object) -> bytes:
    """The RFC 8785 canonical bytes of ``value``."""
    if _plain(value):
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    return rfc8785.dumps(value)  # type: ignore[arg-type]  # raises for what JSON cannot hold
