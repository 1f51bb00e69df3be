"""Step 1 of validating a record, normalise: every field's raw value as normalised text.

Text fields are normalised as the registry stores them (persian.normalize_text: ی/ک,
digits, ZWNJ, spaces); identifiers (IDENTIFIERS: national and foreign IDs, dates, codes) are
handed on as received, since their own parsers read the digits and strip the invisible
characters at their edges alike whatever door the value came in by. Names and other shown
text holding an invisible character, or a name mixing scripts, is a problem here.
"""

from __future__ import annotations

from collections.abc import Mapping

from sehat.core.persian import (
    IDENTIFIER_EDGE,
    SCRIPT_NAMES,
    describe,
    foreign_letter,
    hidden_character,
    is_settled,
    normalize_text,
    script_of,
    to_persian_digits,
)
from sehat.core.record_types import (
    FIELDS,
    IDENTIFIERS,
    MAX_TEXT,
    NAME_SCRIPTS,
    PERSIAN_NAMES,
    REQUIRED,
    SHOWN_TEXT,
)
from sehat.errors import Problem

# Fields that are not one text each: a transcript's rows and a foreign prior degree.
_STRUCTURED = ("courses", "prior_foreign")
_TEXT_FIELDS = tuple(name for name in FIELDS if name not in _STRUCTURED)


def normalise_fields(raw: Mapping[str, object], problems: list[Problem]) -> dict[str, str]:
    """Each text field of ``raw`` (every field but courses and prior_foreign) as normalised
    text, "" when absent; a problem for each unknown field, value that is not text, text too
    long, invisible character in shown text, name mixing scripts and missing required field.
    """
    for name in sorted(set(raw) - set(FIELDS)):
        problems.append(
            Problem(
                name,
                "is not a field of the graduation record",
                "فیلد رکورد دانش‌آموختگی نیست",
                "remove it; field names are listed in docs/records.md",
                "حذفش کنید؛ نام فیلدها در مستندات آمده است",
            )
        )
    t = {name: _text(raw, name, problems) for name in _TEXT_FIELDS}
    _refuse_mixed_script(t, problems)
    for name in REQUIRED:
        if not t[name]:
            problems.append(
                Problem(name, "is required", "الزامی است", f"give {name}", f"{name} را وارد کنید")
            )
    return t


def _text(raw: Mapping[str, object], name: str, problems: list[Problem]) -> str:
    value = raw.get(name)
    # Already normal text (most fields of most records) comes out as it went in, whatever
    # the field: nothing to normalise, refuse or strip (a test compares with _text_in_full).
    if type(value) is str and (not value or (len(value) <= MAX_TEXT and is_settled(value))):
        return value
    return _text_in_full(value, name, problems)


def _text_in_full(value: object, name: str, problems: list[Problem]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
    else:
        problems.append(
            Problem(
                name,
                "must be text",
                "باید متن باشد",
                f"send {name} as a string",
                f"{name} را به صورت متن بفرستید",
            )
        )
        return ""
    if name in IDENTIFIERS:
        # As received (positions in errors count in it); "" when only edge characters.
        if not text.strip(IDENTIFIER_EDGE):
            return ""
    else:
        if name in SHOWN_TEXT:
            refuse_hidden(text, name, problems)
        text = normalize_text(text)
    if len(text) > MAX_TEXT:
        problems.append(
            Problem(
                name,
                f"is longer than {MAX_TEXT} characters",
                f"بیش از {to_persian_digits(str(MAX_TEXT))} نویسه است",
                "shorten it",
                "کوتاه‌ترش کنید",
            )
        )
        return text[:MAX_TEXT]
    return text


def refuse_hidden(text: str, name: str, problems: list[Problem]) -> None:
    """A problem for the first invisible or reordering character (persian.hidden_character)."""
    found = hidden_character(text)
    if found is None:
        return
    at, char = found
    problems.append(
        Problem(
            name,
            f"holds an invisible character, {describe(char)}, at position {at}: bidi controls "
            "and zero-width characters (other than the zero-width non-joiner) can make it "
            "display as something other than what is stored and signed",
            f"نویسه نامرئی {describe(char)} در جایگاه {to_persian_digits(str(at))} دارد: "
            "نویسه‌های کنترل جهت و نویسه‌های بی‌عرض (جز نیم‌فاصله) ممکن است متن را "
            "جز آنچه ذخیره و امضا می‌شود نشان دهند",
            "remove it and retype the text (a zero-width non-joiner, U+200C, is allowed where "
            "Persian spelling needs it)",
            "آن را حذف و متن را دوباره تایپ کنید (نیم‌فاصله، U+200C، هر جا املای فارسی بخواهد "
            "مجاز است)",
            at,
        )
    )


def _refuse_mixed_script(t: Mapping[str, str], problems: list[Problem]) -> None:
    """A problem for each name holding a letter of a script other than its own."""
    for name, allowed in NAME_SCRIPTS.items():
        found = foreign_letter(t[name], allowed)
        if found is None:
            continue
        at, char = found
        script, script_fa = SCRIPT_NAMES.get(script_of(char), ("another", "دیگر"))
        if name in PERSIAN_NAMES:
            own, own_fa = "Persian", "فارسی"
            fix = f"write {name} in Persian letters only; the Latin spelling goes in {name}_latin"
            fix_fa = f"{name} را فقط با حروف فارسی بنویسید؛ املای لاتین در {name}_latin می‌آید"
        else:
            own, own_fa = "Latin", "لاتین"
            persian = name.removesuffix("_latin")
            fix = f"write {name} in Latin letters only; the Persian spelling goes in {persian}"
            fix_fa = f"{name} را فقط با حروف لاتین بنویسید؛ املای فارسی در {persian} می‌آید"
        problems.append(
            Problem(
                name,
                f"mixes scripts: a {own} name with a {script} letter, {describe(char)}, at "
                f"position {at} (a look-alike letter makes a different name that reads the same)",
                f"خط‌ها درآمیخته است: نامی {own_fa} با حرفی {script_fa}، {describe(char)}، "
                f"در جایگاه {to_persian_digits(str(at))} (حرف هم‌شکل از خط دیگر نامی دیگر "
                "می‌سازد که یکسان خوانده می‌شود)",
                fix,
                fix_fa,
                at,
            )
        )
