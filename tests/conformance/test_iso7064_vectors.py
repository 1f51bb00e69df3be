"""ISO 7064 MOD 97-10, the code's check digits (DESIGN §2), against python-stdnum's published
vectors: its own check-digit examples, and the SWIFT IBAN Registry samples with the MOD 97-10
part isolated (see the vectors' SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sehat.core.code import is_valid_check, mod97_10_check_digits

FILE = Path("4-iso7064-nationalid") / "iban_mod97_vectors.json"


@pytest.fixture(scope="module")
def vectors(vectors_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((vectors_dir / FILE).read_text(encoding="utf-8"))
    return data


def _iban_digits(iban: str) -> str | None:
    """The IBAN as ISO 7064 sees it: country and check moved to the end, letters as 10-35;
    None when it holds characters an IBAN cannot."""
    text = "".join(ch for ch in iban.upper() if ch.isalnum())
    if len(text) < 5 or not text.isascii():
        return None
    moved = text[4:] + text[:4]
    return "".join(str(int(ch, 36)) for ch in moved)


def test_check_digits(vectors: dict[str, Any]) -> None:
    doctests = vectors["iso7064_mod_97_10_doctests"]
    assert doctests["calc_check_digits"]
    for digits, expected in doctests["calc_check_digits"]:
        assert mod97_10_check_digits(digits) == expected, digits
    for number in doctests["valid"]:
        assert is_valid_check(number), number


def test_iban_registry_samples(vectors: dict[str, Any]) -> None:
    checked = 0
    for category in vectors["categories"].values():
        for item in category["numbers"]:
            digits = _iban_digits(item["iban"])
            if digits is None or "mod97_10_ok" not in item:
                continue
            assert is_valid_check(digits) == item["mod97_10_ok"], item["iban"]
            body = digits[:-2]
            if item["mod97_10_ok"]:
                assert mod97_10_check_digits(body) == digits[-2:], item["iban"]
            checked += 1
    assert checked > 100
