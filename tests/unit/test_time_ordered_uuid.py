"""Submission public ids: UUID version 7 (RFC 9562 §5.7), time-ordered."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sehat.store.ids import time_ordered_uuid


def test_the_rfc_9562_example_uuidv7() -> None:
    # RFC 9562 Appendix A.6: time 0x017F22E279B0, rand_a 0xCC3, rand_b 0x18C4DC0C0C07398F.
    random_bits = ((0xCC3 << 68) | (0x18C4DC0C0C07398F << 6)).to_bytes(10, "big")
    made = time_ordered_uuid(0x017F22E279B0, random_bits)
    assert made == "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"


@given(st.integers(0, (1 << 48) - 1), st.binary(min_size=10, max_size=10))
def test_every_id_is_a_version_7_uuid_carrying_its_time(ms: int, random_bits: bytes) -> None:
    made = uuid.UUID(time_ordered_uuid(ms, random_bits))
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 == ms


@given(
    st.integers(0, (1 << 48) - 2),
    st.binary(min_size=10, max_size=10),
    st.binary(min_size=10, max_size=10),
)
def test_an_id_of_a_later_millisecond_sorts_after(ms: int, a: bytes, b: bytes) -> None:
    # Sorted as text too: that is how a VARCHAR index orders them.
    assert time_ordered_uuid(ms, a) < time_ordered_uuid(ms + 1, b)


def test_fresh_ids_differ_and_follow_the_clock() -> None:
    made = [time_ordered_uuid() for _ in range(1000)]
    assert len(set(made)) == 1000
    times = [uuid.UUID(m).int >> 80 for m in made]
    assert times == sorted(times)


@pytest.mark.parametrize(("ms", "random_bits"), [(-1, None), (1 << 48, None), (0, b"short")])
def test_what_a_uuidv7_cannot_hold_is_refused(ms: int, random_bits: bytes | None) -> None:
    with pytest.raises(ValueError, match="UUIDv7"):
        time_ordered_uuid(ms, random_bits)
