"""The OpenAPI patterns of a code and a national ID describe everything the parsers accept
(so a client that follows the description never sends a code the server would take but the
pattern forbids), and nothing the parsers refuse for its shape: a text that fits the
pattern is refused, if at all, only for its check digit (or a domain/kind not in use, or one
digit repeated) — what the description says in words."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sehat.api.shapes import CODE_PATTERN, NATIONAL_ID_PATTERN
from sehat.core import code as authcode
from sehat.core import national_id
from sehat.core.persian import IDENTIFIER_EDGE, to_persian_digits
from sehat.errors import CodeFormatError, InputError

CODE = re.compile(CODE_PATTERN)
NID = re.compile(NATIONAL_ID_PATTERN)

DIGITS = "0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
# Digits, every separator and edge character the parsers know, and a few they do not.
ALPHABET = DIGITS + "".join(authcode.SEPARATORS) + IDENTIFIER_EDGE + "ab/._\u200b\x00"


def _fits(pattern: re.Pattern[str], text: str) -> bool:
    # ECMA-262's $ is the end of the text; Python's also matches before a final newline.
    return pattern.fullmatch(text) is not None


@settings(max_examples=2000, derandomize=True, database=None)
@given(st.text(ALPHABET, max_size=40))
def test_the_code_pattern_is_what_normalize_accepts(text: str) -> None:
    try:
        authcode.normalize(text)
    except CodeFormatError:
        assert not _fits(CODE, text)
    else:
        assert _fits(CODE, text)


@settings(max_examples=300, derandomize=True, database=None)
@given(st.integers(0, 10**18 - 1), st.sampled_from(["", "-", " ", "\u2011", "\u00a0"]))
def test_every_valid_code_as_people_write_it_fits(first18: int, separator: str) -> None:
    code = f"{first18:018d}" + authcode.check_digits(f"{first18:018d}")
    grouped = separator.join(code[i : i + 4] for i in range(0, 20, 4))
    for text in (code, grouped, to_persian_digits(grouped), f" {grouped}\t"):
        assert _fits(CODE, text), text


@settings(max_examples=3000, derandomize=True, database=None)
@given(
    st.one_of(
        st.text(ALPHABET, max_size=16),
        # Near the 3-6-1 grouping, where the parser is most particular.
        st.tuples(
            st.text(DIGITS, min_size=2, max_size=4),
            st.sampled_from(list(" -\u2010\u2212x")),
            st.text(DIGITS, min_size=5, max_size=7),
            st.sampled_from(list(" -\u2013\uff0d")),
            st.text(DIGITS, min_size=1, max_size=2),
        ).map("".join),
    )
)
def test_the_national_id_pattern_is_what_the_parser_accepts_but_its_checks(text: str) -> None:
    try:
        national_id.parse_national_id(text)
    except InputError as exc:
        [problem] = exc.problems
        # Refused for its meaning (check digit, one digit repeated) only when it fits.
        meaning = "check digit" in problem.message or "repeated" in problem.message
        assert _fits(NID, text) == meaning, (text, problem.message)
    else:
        assert _fits(NID, text), text
