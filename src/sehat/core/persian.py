"""Persian text normalisation: digits, Arabic letters, zero-width non-joiners, spaces.

Why by hand: the mapping is a few fixed translation tables (Unicode code points named in
the Persian standard ISIRI 6219); a library would add a dependency for ``str.translate``.
"""

from __future__ import annotations

import re

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ZWNJ = "\u200c"

_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)

# Arabic letter forms that Persian writes differently (ي ى → ی, ك → ک, ة → ه) and
# Arabic diacritics/tatweel that carry no meaning in a name.
_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ۀ": "ه\u0654",
        "ة": "ه",
        "ـ": None,  # tatweel (kashida)
        "\u064b": None,
        "\u064c": None,
        "\u064d": None,
        "\u064e": None,
        "\u064f": None,
        "\u0650": None,
        "\u0651": None,
        "\u0652": None,
        "\u200e": None,  # left-to-right mark
        "\u200f": None,  # right-to-left mark
        "\u061c": None,  # Arabic letter mark
        "\ufeff": None,  # byte-order mark / zero-width no-break space
        "\u200b": None,  # zero-width space
        "\u200d": None,  # zero-width joiner
    }
)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
# A ZWNJ next to a space, at an edge, or repeated is noise; between two letters it is spelling.
_ZWNJ_NOISE = re.compile(r"\s*\u200c[\s\u200c]*")


# Anything normalize_text would change: Arabic letter forms, diacritics, tatweel, invisible
# marks, non-ASCII digits, whitespace other than single inner spaces. Text without any of
# these is returned as it is (most fields of most records), which keeps bulk imports fast.
_NEEDS_WORK = re.compile(
    "[\u064a\u0649\u0643\u0629\u06c0\u0640\u064b-\u0652\u200b-\u200f\u061c\u202a-\u202e"
    "\u2066-\u2069\ufeff\u0660-\u0669\u06f0-\u06f9\t\n\r\f\v\u00a0\u202f\u2009]"
    "|  |^\\s|\\s$"
)


def to_latin_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits with ASCII digits."""
    return text.translate(_TO_LATIN)


def to_persian_digits(text: str) -> str:
    """Replace ASCII digits with Persian digits."""
    return text.translate(_TO_PERSIAN)


def _tidy_zwnj(match: re.Match[str]) -> str:
    return " " if any(c.isspace() for c in match.group(0)) else ZWNJ


def normalize_text(text: str) -> str:
    """Normalise Persian text as a registry stores it.

    Arabic ي/ك become Persian ی/ک, diacritics and tatweel are dropped, digits become ASCII,
    runs of spaces collapse to one, and zero-width non-joiners are kept only between two
    letters (``می‌خواهم``), never doubled, beside a space or at either end.
    """
    if _NEEDS_WORK.search(text) is None:
        return text
    out = to_latin_digits(text).translate(_LETTERS)
    out = _ZWNJ_NOISE.sub(_tidy_zwnj, out)
    out = _SPACES.sub(" ", out).strip(" " + ZWNJ)
    return out


def normalize_digits_field(text: str) -> str:
    """A numeric field as typed: Persian/Arabic digits to ASCII, surrounding space removed,
    and the Persian decimal separator (٫) and thousands separator (٬) handled."""
    return to_latin_digits(text).replace("٫", ".").replace("٬", "").replace("\u200c", "").strip()
