"""The record hash ("acd" key 12, ADR 0008): SHA-256(context || salt || JCS(record))."""

from __future__ import annotations

import hashlib

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from sehat.core.record_hash import CONTEXT, SALT_SIZE, SIZE, record_hash

SALT = bytes(range(16))
RECORD = {
    "code": "10001032482193057638",
    "first_name": "فاطمه",
    "last_name": "رضایی",
    "national_id": "0084575948",
    "gpa": "17.25",
    "courses": [{"name": "ریاضی ۱", "grade": "18"}],
    "seminary_level": None,
}
salts = st.binary(min_size=SALT_SIZE, max_size=SALT_SIZE)
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text
records = st.dictionaries(
    st.text(alphabet=st.characters(max_codepoint=127), min_size=1, max_size=10),
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=8),
    min_size=1,
    max_size=8,
)


def test_it_is_sha256_of_the_context_the_salt_and_the_rfc8785_bytes_cut_to_28() -> None:
    assert CONTEXT == b"sehat/record/v1\n"
    expected = hashlib.sha256(CONTEXT + SALT + rfc8785.dumps(RECORD)).digest()[:28]
    assert record_hash(SALT, RECORD) == expected
    assert SIZE == 28


def test_key_order_does_not_matter() -> None:
    assert record_hash(SALT, dict(reversed(RECORD.items()))) == record_hash(SALT, RECORD)


@pytest.mark.parametrize("size", [0, 15, 17, 32])
def test_a_salt_of_another_length_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match=f"not {size}"):
        record_hash(bytes(size), RECORD)


@given(salts, salts, records)
def test_another_salt_gives_another_hash(
    salt: bytes, other: bytes, record: dict[str, object]
) -> None:
    assert (record_hash(salt, record) == record_hash(other, record)) == (salt == other)


@given(salts, records, st.data())
def test_any_edit_of_any_field_changes_the_hash(
    salt: bytes, record: dict[str, object], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(record)))
    value = data.draw(
        scalars.filter(lambda v: v != record[name] or type(v) is not type(record[name]))
    )
    edited = dict(record, **{name: value})
    removed = {k: v for k, v in record.items() if k != name}
    added = dict(record, **{name + "_": None}) if name + "_" not in record else removed
    original = record_hash(salt, record)
    assert record_hash(salt, edited) != original
    assert record_hash(salt, removed) != original
    assert record_hash(salt, added) != original
