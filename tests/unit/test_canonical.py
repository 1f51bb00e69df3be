"""Our fast canonical JSON equals RFC 8785 (the rfc8785 package) on what we sign."""

from __future__ import annotations

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from sehat.core.canonical import canonical_json

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
keys = st.text(alphabet=st.characters(max_codepoint=127), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=30,
)


@given(values)
def test_equals_rfc8785(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


def test_persian_text_and_control_characters() -> None:
    value = {"name": "زهرا\u200cسادات", "z": '\x00\x1f\t\n"\\\u2028', "a": [1, None, True]}
    assert canonical_json(value) == rfc8785.dumps(value)


def test_floats_go_to_the_reference_implementation() -> None:
    assert canonical_json({"x": 1.5}) == rfc8785.dumps({"x": 1.5})
