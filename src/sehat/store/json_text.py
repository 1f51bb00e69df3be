"""A JSON column's text, and a value given as such text (no database here: an import's worker
processes make it, store/bulk.py writes it)."""

from __future__ import annotations

import json

import orjson


def json_text(value: object) -> str:
    """A JSON column's text: orjson (a bulk import writes three JSON values a row, and the
    standard library's encoder was a tenth of its time); what orjson cannot encode (an
    integer beyond 64 bits) goes to the standard library, which decides as before."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


class JsonText(str):
    """A JSON column's value already serialised (by :func:`json_text`, e.g. in an
    import's worker process): written as it is, without the column's JSON encoding. Both
    dialects take it — SQLite stores the text, PostgreSQL casts it (``::JSONB``)."""

    __slots__ = ()
