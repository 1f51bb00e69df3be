"""The 20-digit authenticity code (DESIGN §2): ``D IIII YY K SSSSSSSSSS CC``.

Pure: values in, values out. The check digits are ISO 7064 MOD 97-10 over digits 1-18
(the whole 20-digit number mod 97 equals 1, as in IBAN): one integer operation each way,
held equal to python-stdnum's by property tests.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
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
from sehat.errors import CodeFormatError, Problem

AuthCode = NewType("AuthCode", str)
"""Twenty ASCII digits whose check digits are correct."""

LENGTH = 20
SERIAL_DIGITS = 10
SERIAL_SPACE = 10**SERIAL_DIGITS

# DESIGN §2. The names live in the reference data; these sets say which digits are in use.
DOMAINS: frozenset[int] = frozenset({1, 2, 3, 4, 5})
RESERVED_DOMAINS: frozenset[int] = frozenset({6, 7, 8, 9})
KINDS: frozenset[int] = frozenset(range(1, 10))

# DESIGN §2: spaces, hyphens or nothing between the groups. Spaces of every width and the
# dashes word processors put for a hyphen count as such (the OpenAPI pattern is built from
# this set: api/shapes.py).
SEPARATORS = frozenset(SPACES + HYPHENS)

# (first position, last position, name, meaning in English, meaning in Persian)
FIELDS: tuple[tuple[int, int, str, str, str], ...] = (
    (1, 1, "domain", "education domain", "حوزه آموزشی"),
    (2, 5, "institution", "institution number in its domain", "شماره موسسه در حوزه"),
    (6, 7, "year", "Solar Hijri year of issue (last two digits)", "سال صدور (دو رقم آخر شمسی)"),
    (8, 8, "kind", "document kind", "نوع مدرک"),
    (9, 18, "serial", "random serial", "شماره سریال تصادفی"),
    (19, 20, "check", "ISO 7064 MOD 97-10 check digits", "رقم‌های کنترلی ISO 7064"),
)


@dataclass(frozen=True)
class ParsedCode:
    """An authenticity code split into its named fields."""

    code: AuthCode
    domain: int
    institution: int
    year: int
    kind: int
    serial: str
    check: str

    @property
    def institution_code(self) -> str:
        """Domain and institution number as the 5-digit institution code (e.g. ``10001``)."""
        return self.code[:5]

    @property
    def prefix(self) -> str:
        """Digits 1-8: everything but the serial and the check digits."""
        return self.code[:8]


def _error(
    message: str, message_fa: str, fix: str, fix_fa: str, position: int | None = None
) -> CodeFormatError:
    return CodeFormatError(
        Problem(
            field="code",
            message=message,
            message_fa=message_fa,
            fix=fix,
            fix_fa=fix_fa,
            position=position,
        )
    )


def normalize(text: str) -> str:
    """Return the 20 ASCII digits of ``text``, or raise :class:`CodeFormatError`.

    Accepts ASCII, Persian and Arabic-Indic digits with spaces, hyphens or nothing between
    groups (DESIGN §2), and strips the invisible characters pasting brings along at either
    end (:data:`sehat.core.persian.IDENTIFIER_EDGE`). Does not check the digits' meaning;
    see :func:`parse`.

    Raises:
        CodeFormatError: a character that is neither a digit nor a separator (an invisible
            one inside the code included), or a wrong number of digits. ``position`` is
            1-based in the text as given.
    """
    if not isinstance(text, str):
        raise _error(
            "the code must be text",
            "کد باید متن باشد",
            "send the code as a string",
            "کد را به صورت رشته بفرستید",
        )
    if len(text) == LENGTH and text.isascii() and text.isdigit():
        return text  # the common case, as printed and as scanned: nothing to translate
    # DESIGN §2: digits, spaces and hyphens; what pasting brings along around the code (a
    # BOM, the isolate the certificate prints it in, direction marks) is tidied away at its
    # edges, and refused inside it, naming the position.
    core, lead = strip_edges(text)
    digits: list[str] = []
    for index, char in enumerate(core, start=lead + 1):
        latin = to_latin_digits(char)
        if latin.isascii() and latin.isdigit():
            digits.append(latin)
        elif char in SEPARATORS:
            continue
        elif char in INVISIBLE_MARKS:
            message, message_fa = invisible_inside(char, index)
            raise _error(
                f"{message}; only digits, spaces and hyphens may stand between the digits",
                f"{message_fa}؛ میان رقم‌ها فقط فاصله و خط تیره مجاز است",
                "retype the code, or paste it again and delete the character at that position",
                "کد را دوباره تایپ کنید، یا دوباره بچسبانید و نویسه آن جایگاه را پاک کنید",
                position=index,
            )
        else:
            shown = char if char.isprintable() else f"U+{ord(char):04X}"
            raise _error(
                f"character {index} ({shown!r}) is not a digit; only digits, spaces and hyphens "
                "are allowed",
                f"نویسه {to_persian_digits(str(index))} («{shown}») رقم نیست؛ "
                "فقط رقم، فاصله و خط تیره مجاز است",
                "type only the 20 digits of the code",
                "فقط ۲۰ رقم کد را وارد کنید",
                position=index,
            )
    if len(digits) != LENGTH:
        count = len(digits)
        raise _error(
            f"the code has {count} digits; it must have exactly {LENGTH}",
            f"کد {to_persian_digits(str(count))} رقم دارد؛ باید دقیقاً ۲۰ رقم باشد",
            "check that no digit is missing or repeated",
            "بررسی کنید رقمی جا نیفتاده یا تکرار نشده باشد",
            position=min(count + 1, LENGTH) if count < LENGTH else LENGTH + 1,
        )
    return "".join(digits)


def is_valid_check(digits: str) -> bool:
    """ISO 7064 MOD 97-10 over ASCII digits: the number mod 97 is 1.

    The same answer as ``stdnum.iso7064.mod_97_10.is_valid`` for digit strings (a property
    test holds them equal), without its per-character conversion: this runs on every
    verification.
    """
    return int(digits) % 97 == 1


def mod97_10_check_digits(digits: str) -> str:
    """The two ISO 7064 MOD 97-10 check digits (02-98) for a string of ASCII digits: those
    that, appended, make the whole number 1 mod 97.

    One integer operation, the same answer as ``stdnum.iso7064.mod_97_10.calc_check_digits``
    at a tenth of its cost (a backfill draws a code per document); the published vectors and
    a property test hold the two equal.
    """
    return f"{98 - int(digits) * 100 % 97:02d}"


def check_digits(first18: str) -> str:
    """The two ISO 7064 MOD 97-10 check digits for 18 ASCII digits."""
    if len(first18) != LENGTH - 2 or not (first18.isascii() and first18.isdigit()):
        raise ValueError("check digits are computed over exactly 18 ASCII digits")
    return mod97_10_check_digits(first18)


def parse(
    text: str,
    *,
    domains: Collection[int] = DOMAINS,
    kinds: Collection[int] = KINDS,
) -> ParsedCode:
    """Parse and validate an authenticity code as a person may type it.

    Args:
        text: the code, in any accepted digits and separators.
        domains: domain digits in use (from the reference data).
        kinds: document-kind digits in use (from the reference data).

    Raises:
        CodeFormatError: naming the position and what is wrong there.
    """
    digits = normalize(text)
    domain = int(digits[0])
    if domain not in domains:
        if domain == 0:
            why, why_fa = "0 is not a domain", "۰ حوزه‌ای نیست"
        elif domain in RESERVED_DOMAINS:
            why, why_fa = (
                f"domain {domain} is reserved",
                f"حوزه {to_persian_digits(str(domain))} رزرو است",
            )
        else:
            why, why_fa = (
                f"domain {domain} is unknown",
                f"حوزه {to_persian_digits(str(domain))} ناشناخته است",
            )
        raise _error(
            f"position 1 (domain): {why}; domains in use are "
            + ", ".join(str(d) for d in sorted(domains)),
            f"رقم ۱ (حوزه): {why_fa}",
            "the first digit must be the domain (1-5); check the code",
            "رقم اول باید حوزه (۱ تا ۵) باشد؛ کد را بررسی کنید",
            position=1,
        )
    kind = int(digits[7])
    if kind not in kinds:
        raise _error(
            f"position 8 (document kind): {kind} is not a document kind; kinds in use are "
            + ", ".join(str(k) for k in sorted(kinds)),
            f"رقم ۸ (نوع مدرک): {to_persian_digits(str(kind))} نوع مدرک معتبری نیست",
            "the eighth digit must be the document kind (1-9); check the code",
            "رقم هشتم باید نوع مدرک (۱ تا ۹) باشد؛ کد را بررسی کنید",
            position=8,
        )
    if not is_valid_check(digits):
        raise _error(
            "positions 19-20 (check digits): they do not match the other 18 digits; a digit "
            "was mistyped or two neighbouring digits were swapped",
            "رقم‌های ۱۹ و ۲۰ (کنترلی): با ۱۸ رقم دیگر نمی‌خوانند؛ رقمی اشتباه وارد شده یا دو رقم "
            "کنار هم جابه‌جا شده‌اند",
            "compare the code digit by digit with the document",
            "کد را رقم به رقم با مدرک مقایسه کنید",
            position=19,
        )
    return ParsedCode(
        code=AuthCode(digits),
        domain=domain,
        institution=int(digits[1:5]),
        year=int(digits[5:7]),
        kind=kind,
        serial=digits[8:18],
        check=digits[18:20],
    )


def is_valid(text: str) -> bool:
    """Whether ``text`` is a well-formed authenticity code."""
    try:
        parse(text)
    except CodeFormatError:
        return False
    return True


def build(domain: int, institution: int, year: int, kind: int, serial: int) -> AuthCode:
    """Assemble a code from its fields, adding the check digits.

    Raises:
        ValueError: a field is out of its range (a programming error, not user input).
    """
    if not 0 <= domain <= 9 or not 0 <= institution <= 9999 or not 0 <= kind <= 9:
        raise ValueError("domain, institution or kind out of range")
    if not 0 <= serial < SERIAL_SPACE:
        raise ValueError("serial out of range")
    first18 = f"{domain:01d}{institution:04d}{year % 100:02d}{kind:01d}{serial:010d}"
    return AuthCode(first18 + check_digits(first18))


def generate(
    domain: int,
    institution: int,
    year: int,
    kind: int,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> AuthCode:
    """A new code with a random serial from a CSPRNG (never sequential).

    Uniqueness is the store's job: it retries on collision.

    Args:
        year: Solar Hijri year of issue (only its last two digits are kept).
        randbelow: the random source; ``secrets.randbelow`` unless a test seeds one.
    """
    return build(domain, institution, year, kind, randbelow(SERIAL_SPACE))


def format_code(text: str, *, persian: bool = False, separator: str = "-") -> str:
    """Five groups of four digits, ``1234-5678-9012-3456-7890``; Persian digits on request.

    Raises:
        CodeFormatError: ``text`` is not a valid code.
    """
    digits = parse(text).code
    grouped = separator.join(digits[i : i + 4] for i in range(0, LENGTH, 4))
    return to_persian_digits(grouped) if persian else grouped
