"""Our fast canonical JSON equals RFC 8785 (the rfc8785 package) on what we sign, and on
everything else gives rfc8785's bytes or its error."""

from __future__ import annotations

import enum

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from sehat.core.canonical import MAX_DEPTH, SAFE_INTEGER, canonical_json

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
keys = st.text(alphabet=st.characters(max_codepoint=127), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=30,
)


class Text(str):
    """A subclass of str, as an enum of text is."""


class Colour(enum.StrEnum):
    RED = "red"


# What the fast path must refuse or get right: floats, integers past 2**53, subclasses,
# keys beyond ASCII (astral ones sort differently by UTF-16 code unit than by code point),
# control characters, U+2028/2029, the BOM and astral text.
odd_text = st.text(
    alphabet=st.sampled_from(
        '\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f"\\/ a\u00e9\u200c\u2028\u2029\ufeff\ue000\uffff'
        "\U0001f600\U00010000ی۱"
    ),
    max_size=12,
)
odd_scalars = (
    scalars
    | odd_text
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers()
    | st.sampled_from([SAFE_INTEGER, -SAFE_INTEGER, SAFE_INTEGER + 1, -SAFE_INTEGER - 1])
    | odd_text.map(Text)
    | st.just(Colour.RED)
)
odd_values = st.recursive(
    odd_scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=6) | odd_text, inner, max_size=6)
    ),
    max_leaves=30,
)


def _same_as_rfc8785(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)  # type: ignore[arg-type]
    except rfc8785.CanonicalizationError as exc:
        with pytest.raises(type(exc)):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


@given(values)
def test_equals_rfc8785(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


@given(odd_values)
def test_equals_rfc8785_or_fails_as_it_does_on_anything(value: object) -> None:
    _same_as_rfc8785(value)


@given(st.dictionaries(odd_text | text, scalars, max_size=8))
def test_keys_beyond_ascii_sort_as_rfc8785_sorts_them(value: dict[str, object]) -> None:
    _same_as_rfc8785(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\ue000": 1, "\U0001f600": 2},  # UTF-16 order puts the astral key first
        {"a": Text("x"), Text("b"): 1},
        [Colour.RED],
        {"x": 1.5, "y": 1e21, "z": -0.0},
        [SAFE_INTEGER + 1],
        2**64,
        "\ud800",  # a lone surrogate: not Unicode text, refused as rfc8785 refuses it
        {"a": ["\udfff"]},
        "\x00\x1f\x7f\u2028\u2029\ufeff\U0001f600",
        True,
        None,
        -SAFE_INTEGER,
    ],
)
def test_odd_values(value: object) -> None:
    _same_as_rfc8785(value)


def test_nesting_beyond_the_fast_path_goes_to_rfc8785() -> None:
    deep: object = "x"
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    _same_as_rfc8785(deep)
    _same_as_rfc8785({"a": deep})


def test_persian_text_and_control_characters() -> None:
    value = {"name": "زهرا\u200cسادات", "z": '\x00\x1f\t\n"\\\u2028', "a": [1, None, True]}
    assert canonical_json(value) == rfc8785.dumps(value)


def test_floats_go_to_the_reference_implementation() -> None:
    assert canonical_json({"x": 1.5}) == rfc8785.dumps({"x": 1.5})
