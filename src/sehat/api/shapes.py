"""What the OpenAPI description says about the text the server reads, built from the rules of
``core`` so that the two cannot drift apart.

A pattern describes everything the parser accepts, not only the canonical form: a code may
be typed with Persian (۰–۹) or Arabic-Indic (٠–٩) digits, spaces, hyphens of every kind and
the invisible direction marks that copying from right-to-left text brings along; a national
ID with the same digits, in the card's 3-6-1 grouping, and with 8 or 9 digits when a
spreadsheet dropped its leading zeros.

What JSON Schema cannot say — the check digits of a code (ISO 7064 MOD 97-10) or of a
national ID (mod 11), a domain or document kind not in use, a relation between two fields —
is said in words: each such field carries a ``format`` of ours (``sehat-code``,
``iran-national-id``) and each operation lists, under ``x-sehat-refuses``, the fields the
server may still refuse for their meaning, always with a 422 whose ``problems`` name the
field. Nothing else that fits the schema is refused (tests/integration/test_openapi_fuzz.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sehat.core import code as authcode
from sehat.core.persian import HYPHENS, IDENTIFIER_EDGE, SPACES

DIGITS = "0-9\\u06f0-\\u06f9\\u0660-\\u0669"  # ASCII, Persian, Arabic-Indic


def _class(chars: Iterable[str]) -> str:
    """A character class body naming each of ``chars`` as an escape (no ranges, no literal
    hyphen), readable in ECMA-262, Python and Rust regular expressions alike."""
    return "".join(f"\\u{ord(c):04x}" for c in sorted(set(chars)))


_SEP = _class(authcode.SEPARATORS)
_EDGE = _class(IDENTIFIER_EDGE)  # tidied away around a code, a national ID, a date
_GROUP = _class(SPACES + HYPHENS)

CODE_PATTERN = f"^[{_EDGE}]*(?:[{_SEP}]*[{DIGITS}]){{{authcode.LENGTH}}}[{_SEP}]*[{_EDGE}]*$"
NATIONAL_ID_PATTERN = (
    f"^[{_EDGE}]*(?:[{DIGITS}]{{8,10}}|[{DIGITS}]{{3}}[{_GROUP}][{DIGITS}]{{6}}[{_GROUP}]"
    f"[{DIGITS}])[{_EDGE}]*$"
)
INSTITUTION_PATTERN = "^[1-9][0-9]{4}$"
# Text with something in it besides spaces (and, as any text, no NUL).
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"

CODE_CHECK = (
    "The 20-digit authenticity code. Persian or Arabic-Indic digits, spaces and hyphens "
    "between digits are accepted. Beyond this pattern the server checks the ISO 7064 MOD "
    "97-10 check digits (positions 19-20) and that the domain (position 1) and document "
    "kind (position 8) are in use; a code that fails is refused naming the position."
)
NATIONAL_ID_CHECK = (
    "An Iranian national ID: 10 digits (Persian or Arabic-Indic digits accepted), or 8-9 "
    "when a spreadsheet dropped the leading zeros, or grouped 3-6-1 by hyphens or spaces. "
    "Beyond this pattern the server checks the mod-11 check digit and refuses one digit "
    "repeated."
)


def code_schema(max_length: int = 80) -> dict[str, Any]:
    """JSON Schema keywords of a field holding an authenticity code."""
    return {
        "pattern": CODE_PATTERN,
        "maxLength": max_length,
        "format": "sehat-code",
        "description": CODE_CHECK,
    }


def national_id_schema(max_length: int = 40) -> dict[str, Any]:
    """JSON Schema keywords of a field holding a national ID."""
    return {
        "pattern": NATIONAL_ID_PATTERN,
        "maxLength": max_length,
        "format": "iran-national-id",
        "description": NATIONAL_ID_CHECK,
    }


def refuses(rules: dict[str, str]) -> dict[str, Any]:
    """``openapi_extra`` naming the fields an operation may refuse for their meaning (a 422
    naming the field), with the rule in words; ``items[*].code`` names every item's code."""
    return {"x-sehat-refuses": rules}


CODE_RULE = "check digits, domain and document kind in use (see the field's description)"
NATIONAL_ID_RULE = "mod-11 check digit; not one digit repeated"
