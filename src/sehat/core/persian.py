"""Persian text normalisation: digits, Arabic letters, zero-width non-joiners, spaces; and
what a name may not hold (invisible characters, letters of another script).

Why by hand: the mapping is a few fixed translation tables (Unicode code points named in
the Persian standard ISIRI 6219); a library would add a dependency for ``str.translate``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

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

# One definition of the invisible characters for every parser (code, national ID, date):
# what pasting an identifier out of a PDF, a Word file, a spreadsheet or a right-to-left web
# page brings along at its edges. A value's edges are stripped of them, everywhere alike;
# inside a value they are refused with their position and name (invisible_inside), and inside
# text that is printed or shown they are refused (hidden_character, which finds every one
# of these but the ZWNJ, since all are Unicode format characters, category Cf).
SPACES = " \t\r\n\u00a0\u202f\u2009"
"""Space, tab, line breaks, no-break space, narrow no-break space, thin space."""
INVISIBLE_MARKS = (
    ZWNJ  # zero-width non-joiner: Persian spelling inside words, noise around an identifier
    + "\u200b\u200d\u2060"  # zero-width space, zero-width joiner, word joiner
    + "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
    + "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides, and their end
    + "\u2066\u2067\u2068\u2069"  # bidi isolates and their end (a PDF's LRI … PDI)
    + "\ufeff"  # byte-order mark (zero-width no-break space): a CSV or a pasted cell's start
)
"""Invisible format characters that copying text brings along."""
IDENTIFIER_EDGE = SPACES + INVISIBLE_MARKS
"""What is stripped from both ends of a code, a national ID, a foreign ID or a date."""
HYPHENS = "-\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"
"""Hyphen-minus and the hyphens, dashes and minus signs word processors put in its place."""


def strip_edges(text: str) -> tuple[str, int]:
    """``text`` without :data:`IDENTIFIER_EDGE` characters at either end, and how many were
    removed before it (to give positions in the text as received)."""
    rest = text.lstrip(IDENTIFIER_EDGE)
    return rest.rstrip(IDENTIFIER_EDGE), len(text) - len(rest)


# Anything normalize_text would change: Arabic letter forms, diacritics, tatweel, invisible
# marks, non-ASCII digits, whitespace other than single inner spaces. Text without any of
# these is returned as it is (most fields of most records), which keeps bulk imports fast.
_NEEDS_WORK = re.compile(
    "[\u064a\u0649\u0643\u0629\u06c0\u0640\u064b-\u0652\u200b-\u200f\u061c\u202a-\u202e"
    "\u2066-\u2069\ufeff\u0660-\u0669\u06f0-\u06f9\t\n\r\f\v\u00a0\u202f\u2009]"
    "|  |^\\s|\\s$"
)


# What :func:`is_settled` looks for besides unprintable characters: everything
# _NEEDS_WORK finds, and the variation selectors hidden_character refuses.
_UNSETTLED = re.compile(_NEEDS_WORK.pattern + "|[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def is_settled(text: str) -> bool:
    """Whether ``text`` is already as :func:`normalize_text` leaves it and holds nothing
    :func:`hidden_character` or :data:`IDENTIFIER_EDGE` stripping would find: printable
    (str.isprintable is False for every Cc, Cf and whitespace character but the space, the
    ZWNJ included), and none of the letters, digits, marks or spaces normalising changes.
    Most fields of most records are; checking costs a fraction of normalising them."""
    return text.isprintable() and _UNSETTLED.search(text) is None


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
    if text.isascii():  # nothing to translate or remove: most numbers of most records
        return text.strip()
    return to_latin_digits(text).replace("٫", ".").replace("٬", "").replace("\u200c", "").strip()


def invisible_inside(char: str, position: int) -> tuple[str, str]:
    """What to say, in English and Persian, of an :data:`INVISIBLE_MARKS` character found at
    1-based ``position`` inside an identifier rather than at its edges."""
    return (
        f"character {position} is an invisible character, {describe(char)}, inside the value; "
        "invisible characters are removed only at its start or end",
        f"نویسه {to_persian_digits(str(position))} نویسه‌ای نامرئی، {describe(char)}، در میان "
        "مقدار است؛ نویسه‌های نامرئی فقط در ابتدا یا انتهای آن حذف می‌شوند",
    )


# Characters that change how text is shown without being seen: bidi embeddings, overrides,
# isolates and marks, zero-width spaces and joiners, the BOM, soft hyphens (Unicode category
# Cf, "format"), control characters, and variation selectors. ZWNJ is Persian spelling.
_VARIATION_SELECTORS = ("\ufe00", "\ufe0f"), ("\U000e0100", "\U000e01ef")
_VARIATION = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def hidden_character(text: str) -> tuple[int, str] | None:
    """The first character of ``text`` that is invisible or reorders the text around it
    (ZWNJ and ordinary whitespace excepted), as (1-based position, character); else None.

    Args:
        text: the text as received, before :func:`normalize_text` (which drops some of them).
    """
    # Fast path (most text): str.isprintable is False for every Cc and Cf character, and
    # true for the variation selectors (Mn), which the regular expression finds.
    if text.replace(ZWNJ, "").isprintable() and _VARIATION.search(text) is None:
        return None
    for index, char in enumerate(text):
        if char == ZWNJ or char.isspace():
            continue
        kind = unicodedata.category(char)
        if kind in ("Cf", "Cc") or any(low <= char <= high for low, high in _VARIATION_SELECTORS):
            return index + 1, char
    return None


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: a character named so a person can find it."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


# The scripts a name's letters are told apart by, from the first word of a letter's Unicode
# name (the standard library has no Script property; for letters, the name's first word
# is the script of every block a name could plausibly draw from).
SCRIPT_NAMES = {
    "ARABIC": ("Persian/Arabic", "فارسی/عربی"),
    "LATIN": ("Latin", "لاتین"),
    "CYRILLIC": ("Cyrillic", "سیریلیک"),
    "GREEK": ("Greek", "یونانی"),
}


def script_of(char: str) -> str:
    """The script of a letter: ``ARABIC``, ``LATIN``, ``CYRILLIC``, ``GREEK``, or the first
    word of its Unicode name for any other (``ARMENIAN``, ``FULLWIDTH``, ``MATHEMATICAL``)."""
    return unicodedata.name(char, "UNNAMED").split(" ", 1)[0]


def foreign_letter(text: str, allowed: frozenset[str]) -> tuple[int, str] | None:
    """The first letter of ``text`` whose script is not in ``allowed`` (see :func:`script_of`),
    as (1-based position, letter); else None. Digits, spaces and punctuation are not letters."""
    for index, char in enumerate(text):
        script = _letter_script(char)
        if script is not None and script not in allowed:
            return index + 1, char
    return None


@functools.lru_cache(maxsize=8192)
def _letter_script(char: str) -> str | None:
    """:func:`script_of` a letter, None for anything else (remembered: names reuse few)."""
    return script_of(char) if unicodedata.category(char).startswith("L") else None
