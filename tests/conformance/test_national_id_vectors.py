"""Iranian national ID vectors gathered from open-source validators' tests (see SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sehat.core.national_id import check_digit, is_valid_national_id, parse_national_id
from sehat.errors import InputError

FILE = Path("4-iso7064-nationalid") / "iran_national_id_vectors.json"


@pytest.fixture(scope="module")
def vectors(vectors_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((vectors_dir / FILE).read_text(encoding="utf-8"))
    return data


def _ids(vectors: dict[str, Any], group: str) -> list[str]:
    items = vectors[group]
    assert items, f"vector group {group} is empty"
    return [item["id"] for item in items]


def _raw_mod11(nid: str) -> bool:
    return check_digit(nid[:9]) == nid[9]


def test_valid_ids(vectors: dict[str, Any]) -> None:
    for nid in _ids(vectors, "valid_10_digit"):
        assert parse_national_id(nid) == nid, nid


def test_failed_check_digit(vectors: dict[str, Any]) -> None:
    for nid in _ids(vectors, "invalid_checksum_10_digit"):
        with pytest.raises(InputError) as info:
            parse_national_id(nid)
        assert info.value.problems[0].position == 10, nid


def test_all_same_digits_pass_mod11_but_are_rejected(vectors: dict[str, Any]) -> None:
    for nid in _ids(vectors, "all_same_digits_pass_mod11_but_rejected"):
        assert _raw_mod11(nid), nid
        with pytest.raises(InputError) as info:
            parse_national_id(nid)
        assert "repeated" in info.value.problems[0].message, nid


def test_middle_six_zero(vectors: dict[str, Any]) -> None:
    # These fail the bare mod-11 rule too, which is why they are refused here.
    for item in vectors["middle_six_digits_zero_rejected"]:
        assert _raw_mod11(item["id"]) is item["mod11"]
        assert not is_valid_national_id(item["id"]), item["id"]


def test_prefix_dependent(vectors: dict[str, Any]) -> None:
    # The city-code list is not validated (it is unpublished and changes); mod-11 decides.
    for nid in _ids(vectors, "prefix_dependent"):
        assert _raw_mod11(nid)
        assert parse_national_id(nid) == nid


def test_short_forms_are_left_padded(vectors: dict[str, Any]) -> None:
    for item in vectors["short_forms_valid_only_if_left_padded"]:
        assert _raw_mod11(item["padded"]) is item["mod11_of_padded"]
        assert parse_national_id(item["id"]) == item["padded"], item["id"]


def test_short_forms_invalid(vectors: dict[str, Any]) -> None:
    for nid in _ids(vectors, "short_forms_invalid"):
        assert not is_valid_national_id(nid), nid


def test_bad_format(vectors: dict[str, Any]) -> None:
    for nid in _ids(vectors, "bad_format"):
        assert not is_valid_national_id(nid), nid


def test_persian_digits(vectors: dict[str, Any]) -> None:
    group = vectors["persian_digits"]
    assert group["valid_after_digit_normalisation"] and group["invalid"]
    for text in group["valid_after_digit_normalisation"]:
        assert is_valid_national_id(text), text
    for text in group["invalid"]:
        assert not is_valid_national_id(text), text
