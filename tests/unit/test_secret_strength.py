"""The estimate that refuses a made-up key-encryption key: random secrets clear 128 bits,
what people type when they invent one does not."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sehat.core.secret_strength import alphabet_size, estimate_bits


def test_random_secrets_clear_128_bits() -> None:
    draws = [estimate_bits(secrets.token_urlsafe(32)) for _ in range(2000)]
    assert min(draws) > 190
    hexes = [estimate_bits(secrets.token_hex(16)) for _ in range(2000)]  # exactly 128 bits
    assert sum(bits >= 128 for bits in hexes) > 0.98 * len(hexes)


@pytest.mark.parametrize(
    ("secret", "below"),
    [
        ("a" * 40, 16),
        ("k" * 43, 16),
        ("0123456789" * 4, 16),
        ("zyxwvutsrqponmlkjihgfedcba9876543210", 40),
        ("Xy7!" * 10, 40),
        ("aabbccddeeffgghhiijjkkllmmnnooppqqrrsstt", 128),
        ("password" * 5, 128),
    ],
)
def test_repeated_and_sequential_runs_count_for_nothing(secret: str, below: float) -> None:
    assert estimate_bits(secret) < below


def test_the_alphabet_is_the_classes_used() -> None:
    assert alphabet_size("123") == 10
    assert alphabet_size("abc123") == 36
    assert alphabet_size("aB3-") == 95
    assert alphabet_size("کلید") == 64


@given(st.text(max_size=200))
def test_any_text_gets_a_finite_estimate_no_greater_than_its_length_allows(text: str) -> None:
    bits = estimate_bits(text)
    assert 0 <= bits <= len(text) * 8  # log2(95 + 64) < 8
