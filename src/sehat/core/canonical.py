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
from typing import cast

import rfc8785

SAFE_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3: integers beyond are not exact in I-JSON


def _plain(value: object) -> bool:
    """Whether ``value`` holds only text, safe integers, booleans, null, lists and objects
    with ASCII keys, at most 32 deep. Iterative and by exact type (a subclass, such as an
    enum of text, goes to rfc8785): this runs on every version a backfill signs."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if not -SAFE_INTEGER <= cast(int, item) <= SAFE_INTEGER:
                return False
            continue
        if depth >= 32:
            return False
        if kind is list:
            stack.extend((child, depth + 1) for child in cast(list[object], item))
            continue
        if kind is dict:
            for key, child in cast(dict[object, object], item).items():
                if type(key) is not str or not key.isascii():
                    return False
                stack.append((child, depth + 1))
            continue
        return False
    return True


def canonical_json(value: object) -> bytes:
    """The RFC 8785 canonical bytes of ``value``."""
    if _plain(value):
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    return rfc8785.dumps(value)  # type: ignore[arg-type]  # raises for what JSON cannot hold
