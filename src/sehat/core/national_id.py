"""Personal identifiers (DESIGN §3): the Iranian national ID and the foreign-national ID.

The national ID (کد ملی) is 10 digits; the last is a mod-11 check digit over the first nine:
``s = sum(d[i] * (10 - i) for i in 0..8) % 11`` and ``d[9] == s if s < 2 else 11 - s``.
python-stdnum (2.x) has no Iranian module, so the rule is written here; it is the rule every
open-source validator applies (see ``4-iso7064-nationalid`` in the conformance vectors).

Pure: text in, a :data:`NationalId` out, or an :class:`InputError` saying where, what and
how to fix it, in Persian and English.
"""

from __future__ import annotations

import re
from operator import mul
from typing import NewType

from sehat.core.persian import (
    HYPHENS,
    INVISIBLE_MARKS,
    SPACES,
    invisible_inside,
    strip_edges,
    to_latin_digits,
    to_persian_digits,
)
from sehat.errors import InputError, Problem

NationalId = NewType("NationalId", str)
"""Ten ASCII digits with a correct mod-11 check digit, not all the same digit."""

ForeignId = NewType("ForeignId", str)
"""Twelve ASCII digits: a foreign national's ID (کد فراگیر اتباع), format-checked only."""

LENGTH = 10
FOREIGN_LENGTH = 12
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# What copying an ID out of a spreadsheet or a right-to-left page brings along at its edges
# is stripped there (persian.IDENTIFIER_EDGE, the same for a code and a date); inside, an
# invisible character is refused, naming it.
# The national card prints the ID as 3-6-1 (``001-234567-8``); a separator anywhere else
# means digits were lost or split wrongly, so it is refused rather than guessed at.
_GROUPED = re.compile(r"([0-9]{3})[ -]([0-9]{6})[ -]([0-9])")
_SEP_TRANS = str.maketrans(dict.fromkeys(HYPHENS, "-") | dict.fromkeys(SPACES, " "))


def _fa(n: int) -> str:
    return to_persian_digits(str(n))


def _problem(
    field: str, message: str, message_fa: str, fix: str, fix_fa: str, position: int | None = None
) -> InputError:
    return InputError(Problem(field, message, message_fa, fix, fix_fa, position))


def check_digit(first9: str) -> str:
    """The mod-11 check digit of the first nine digits of a national ID.

    Raises:
        ValueError: ``first9`` is not exactly nine ASCII digits (a programming error).
    """
    if len(first9) != LENGTH - 1 or not (first9.isascii() and first9.isdigit()):
        raise ValueError("the check digit is computed over exactly 9 ASCII digits")
    # Byte values are digit + 48 ("0"); the weights sum to 54, so subtract 48 * 54 once.
    s = (sum(map(mul, first9.encode(), _WEIGHTS)) - 48 * 54) % 11
    return str(s if s < 2 else 11 - s)


def make_national_id(first9: str) -> NationalId:
    """A national ID from its first nine digits, with the check digit added.

    Raises:
        ValueError: not nine ASCII digits, or all ten digits would be the same.
    """
    nid = first9 + check_digit(first9)
    if nid == nid[0] * LENGTH:
        raise ValueError("a national ID cannot be one digit repeated")
    return NationalId(nid)


def _digits_of(text: str, field: str) -> str:
    """The digits of ``text``; errors give 1-based positions in ``text`` as given."""
    if not isinstance(text, str):
        raise _problem(
            field,
            "the national ID must be text",
            "کد ملی باید متن باشد",
            "send the national ID as a string of digits",
            "کد ملی را به صورت رشته‌ای از رقم بفرستید",
        )
    core, lead = strip_edges(to_latin_digits(text))
    core = core.translate(_SEP_TRANS)
    if not core:
        raise _problem(
            field,
            "the national ID is empty",
            "کد ملی خالی است",
            "type the 10 digits printed on the national card",
            "۱۰ رقم کارت ملی را وارد کنید",
        )
    grouped = _GROUPED.fullmatch(core)
    if grouped:
        return "".join(grouped.groups())
    for index, char in enumerate(core, start=lead + 1):
        if char.isascii() and char.isdigit():
            continue
        original = text[index - 1]
        shown = original if original.isprintable() else f"U+{ord(original):04X}"
        if char in INVISIBLE_MARKS:
            message, message_fa = invisible_inside(char, index)
        elif char in "- ":
            message = (
                f"character {index} ({shown!r}) is a separator in the wrong place; a national ID "
                "may be grouped only as 3-6-1 (001-234567-8)"
            )
            message_fa = (
                f"نویسه {_fa(index)} («{shown}») جداکننده‌ای در جای نادرست است؛ کد ملی فقط به شکل "
                "۳-۶-۱ (۰۰۱-۲۳۴۵۶۷-۸) گروه‌بندی می‌شود"
            )
        else:
            message = f"character {index} ({shown!r}) is not a digit"
            message_fa = f"نویسه {_fa(index)} («{shown}») رقم نیست"
        raise _problem(
            field,
            message,
            message_fa,
            "type only the 10 digits printed on the national card",
            "فقط ۱۰ رقم کارت ملی را وارد کنید",
            position=index,
        )
    return core


def parse_national_id(text: str, field: str = "national_id") -> NationalId:
    """Parse a national ID as a person or a spreadsheet may give it.

    Accepts ASCII, Persian and Arabic-Indic digits, surrounding spaces, the card's 3-6-1
    grouping with hyphens or spaces, and 8- or 9-digit IDs that lost their leading zeros in a
    spreadsheet (left-padded, DESIGN §3).

    Args:
        text: the ID as typed.
        field: the field name errors should carry (``national_id`` in a graduation record).

    Raises:
        InputError: a character that is not a digit (with its position), a wrong number of
            digits, one digit repeated, or a check digit that does not match.
    """
    if isinstance(text, str) and len(text) == LENGTH and text.isascii() and text.isdigit():
        digits = text  # the common case, already clean
    else:
        digits = _digits_of(text, field)
    padded = False
    if len(digits) in (LENGTH - 2, LENGTH - 1):
        digits = digits.zfill(LENGTH)
        padded = True
    if len(digits) != LENGTH:
        count = len(digits)
        raise _problem(
            field,
            f"the national ID has {count} digits; it must have 10 (8 or 9 are accepted when "
            "leading zeros were lost)",
            f"کد ملی {_fa(count)} رقم دارد؛ باید ۱۰ رقم باشد (۸ یا ۹ رقم وقتی صفرهای ابتدایی "
            "حذف شده باشند پذیرفته می‌شود)",
            "check that no digit is missing or repeated",
            "بررسی کنید رقمی جا نیفتاده یا تکرار نشده باشد",
        )
    if len(set(digits)) == 1:
        # Such IDs pass the bare mod-11 rule but are never issued; every validator refuses them.
        raise _problem(
            field,
            f"{digits} is one digit repeated; no such national ID is issued",
            f"{to_persian_digits(digits)} تکرار یک رقم است و چنین کد ملی‌ای صادر نمی‌شود",
            "type the national ID printed on the national card",
            "کد ملی درج‌شده روی کارت ملی را وارد کنید",
        )
    if check_digit(digits[:9]) != digits[9]:
        note = " (after restoring the leading zeros it lost)" if padded else ""
        note_fa = " (پس از افزودن صفرهای ابتدایی حذف‌شده)" if padded else ""
        raise _problem(
            field,
            f"digit 10 (the check digit) does not match the first nine{note}: a digit was "
            "mistyped or two neighbouring digits were swapped",
            f"رقم ۱۰ (رقم کنترلی) با ۹ رقم نخست نمی‌خواند{note_fa}: رقمی اشتباه وارد شده یا دو "
            "رقم کنار هم جابه‌جا شده‌اند",
            "compare the ID digit by digit with the national card",
            "کد ملی را رقم به رقم با کارت ملی مقایسه کنید",
            position=LENGTH,
        )
    return NationalId(digits)


def is_valid_national_id(text: str) -> bool:
    """Whether ``text`` parses as a national ID (see :func:`parse_national_id`)."""
    try:
        parse_national_id(text)
    except InputError:
        return False
    return True


def parse_foreign_id(text: str, field: str = "foreign_id") -> ForeignId:
    """Parse a foreign national's ID (کد فراگیر اتباع): 12 digits.

    Only the format is checked: no check-digit rule for this ID has been published, so a
    mistyped digit cannot be caught here; the registry matches it against the person.

    Raises:
        InputError: a character that is neither a digit nor a space/hyphen (an invisible one
            inside the ID included; at its edges they are stripped), or not 12 digits.
    """
    if not isinstance(text, str):
        raise _problem(
            field,
            "the foreign national ID must be text",
            "کد فراگیر اتباع باید متن باشد",
            "send it as a string of digits",
            "آن را به صورت رشته‌ای از رقم بفرستید",
        )
    core, lead = strip_edges(to_latin_digits(text))
    digits: list[str] = []
    for index, char in enumerate(core.translate(_SEP_TRANS), start=lead + 1):
        if char.isascii() and char.isdigit():
            digits.append(char)
        elif char in "- ":
            continue
        else:
            if char in INVISIBLE_MARKS:
                message, message_fa = invisible_inside(char, index)
            else:
                shown = text[index - 1] if text[index - 1].isprintable() else f"U+{ord(char):04X}"
                message = f"character {index} ({shown!r}) is not a digit"
                message_fa = f"نویسه {_fa(index)} («{shown}») رقم نیست"
            raise _problem(
                field,
                message,
                message_fa,
                "type only the 12 digits of the foreign national ID",
                "فقط ۱۲ رقم کد فراگیر اتباع را وارد کنید",
                position=index,
            )
    if len(digits) != FOREIGN_LENGTH:
        count = len(digits)
        raise _problem(
            field,
            f"the foreign national ID has {count} digits; it must have 12",
            f"کد فراگیر اتباع {_fa(count)} رقم دارد؛ باید ۱۲ رقم باشد",
            "check that no digit is missing or repeated",
            "بررسی کنید رقمی جا نیفتاده یا تکرار نشده باشد",
        )
    return ForeignId("".join(digits))
