"""RFC 8785 (JCS) canonical JSON, fast, for the values Sehat signs.

Why not ``rfc8785.dumps`` everywhere: it is pure Python and costs ~0.3 ms for a transcript,
a quarter of bulk issuing. For values made only of text, safe integers, booleans, null,
lists and objects with ASCII keys — which is what ``GraduationRecord.content()`` produces
(decimals are text) — orjson with sorted keys gives byte for byte the RFC 8785 output: no
spaces, the same escapes for control characters, quotes and backslashes (``\\n``, ``\\u001f``),
UTF-8 for everything else, and ASCII keys sorted as RFC 8785 §3.2.3 sorts them (by UTF-16
code unit, which for ASCII is by byte). ``tests/unit/test_canonical.py`` checks this against
``rfc8785`` on generated values; anything else (floats, big integers, subclasses, non-ASCII
keys, text that is not Unicode scalar values) goes to ``rfc8785``, which decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import orjson
import rfc8785

SAFE_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3: integers beyond are not exact in I-JSON
MAX_DEPTH = 32  # deeper containers go to rfc8785


def _plain(value: object, depth: int = 0) -> bool:
    """Whether ``value``, a list or a dict, holds only text, safe integers, booleans, null,
    lists and objects with ASCII keys, at most :data:`MAX_DEPTH` deep. By exact type (a
    subclass, such as an enum of text, goes to rfc8785), and with each leaf checked inline:
    this runs on every version a backfill signs."""
    if depth >= MAX_DEPTH:
        return False
    children: Iterable[object]
    if type(value) is dict:
        for key in cast(dict[object, object], value):
            if type(key) is not str or not key.isascii():
                return False
        children = cast(dict[str, object], value).values()
    else:
        children = cast(list[object], value)
    for child in children:
        kind = type(child)
        if kind is str or child is None or kind is bool:
            continue
        if kind is int:
            if -SAFE_INTEGER <= cast(int, child) <= SAFE_INTEGER:
                continue
            return False
        if (kind is dict or kind is list) and _plain(child, depth + 1):
            continue
        return False
    return True


def _plain_value(value: object) -> bool:
    kind = type(value)
    if kind is dict or kind is list:
        return _plain(value)
    if kind is int:
        return -SAFE_INTEGER <= cast(int, value) <= SAFE_INTEGER
    return kind is str or value is None or kind is bool


def canonical_json(value: object) -> bytes:
    """The RFC 8785 canonical bytes of ``value``."""
    if _plain_value(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # e.g. a lone surrogate: rfc8785 says why
            pass
    return rfc8785.dumps(value)  # type: ignore[arg-type]  # raises for what JSON cannot hold
