"""Reference data: what ships is complete and valid; a broken edit names file, row and problem."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from sehat.errors import ReferenceDataError
from sehat.reference.loader import default_directory, load_reference, refresh_manifest
from sehat.reference.models import ProgramType

REF = load_reference()


def test_the_shipped_data_covers_all_five_domains() -> None:
    assert sorted(REF.domains) == [1, 2, 3, 4, 5]
    assert len(REF.institutions) >= 60
    per_domain = Counter(i.domain for i in REF.institutions.values() if i.number != 0 and i.active)
    assert all(per_domain[d] >= 6 for d in range(1, 6)), per_domain
    assert len(REF.fields) >= 150
    assert sorted(REF.kinds) == list(range(1, 10))
    assert sorted(REF.seminary_levels) == [1, 2, 3, 4]
    assert {f.domains for f in REF.fields.values()} >= {(2, 3), (4, 5)}
    names = {i.name_en for i in REF.institutions.values()}
    assert {
        "University of Tehran",
        "Tehran University of Medical Sciences",
        "Islamic Azad University, Science and Research Branch",
        "Qom Seminary",
        "Isfahan Seminary",
        "Jamiat al-Zahra",
    } <= names


def test_institution_codes_are_domain_and_number() -> None:
    for inst in REF.institutions.values():
        assert inst.code == f"{inst.domain}{inst.number:04d}"


def test_every_field_maps_to_an_official_isced_f_code() -> None:
    official = {
        line.split(",")[0]
        for line in (default_directory() / "isced_f_2013.csv").read_text().splitlines()[1:]
    }
    assert all(f.isced_f in official for f in REF.fields.values())
    assert REF.kinds[5].isced_level == "8" and REF.kinds[2].isced_level == "6"


def _wants(
    kind: int, program: ProgramType | None = None, level: int | None = None
) -> set[tuple[int, int | None]]:
    rule = REF.rule_for(kind, program, level)
    assert rule is not None
    return {(a.kind, a.seminary_level) for a in rule.alternatives}


def test_the_ladder_is_the_design_table() -> None:
    assert _wants(3, ProgramType.CONTINUOUS) == {(2, None), (7, 2)}
    assert _wants(5) == {(3, None), (4, None), (7, 3)}
    assert _wants(6) == {(4, None)}
    assert _wants(7, None, 1) == set()
    assert _wants(7, None, 3) == {(7, 2)}
    assert _wants(2, ProgramType.DISCONTINUOUS) == {(1, None)}
    assert _wants(2, ProgramType.CONTINUOUS) == set()
    assert _wants(3, ProgramType.INTEGRATED) == set()
    transcript = REF.rule_for(8, None, None)
    assert transcript is not None and transcript.needs_own_degree


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_directory(), target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(directory: Path) -> dict[str, str]:
    with pytest.raises(ReferenceDataError) as info:
        load_reference(directory)
    for p in info.value.problems:
        assert p.message and p.message_fa and p.fix and p.fix_fa
    return {p.field: p.message for p in info.value.problems}


def _line_of(path: Path, needle: str) -> int:
    return next(
        i
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if needle in line
    )


@pytest.mark.parametrize(
    ("file", "old", "new", "column", "words"),
    [
        ("institutions.csv", "10002,1,0002", "10001,1,0001", "code", "appears twice"),
        ("institutions.csv", "10003,1,0003", "10099,1,0003", "code", "domain + 4-digit"),
        ("institutions.csv", "20001,2,0001", "70001,7,0001", "domain", "not in domains.csv"),
        ("fields.csv", ",0541,", ",0549,", "isced_f", "ISCED-F"),
        ("fields.csv", ",0541,1;3", ",0541,1;x", "domains", "whole number"),
        ("ladder.csv", "6,,,4,", "6,,,12,", "prior_kind", "whole number"),
        ("kinds.csv", "5,phd", "5,phd", "", ""),
    ],
)
def test_a_broken_file_names_file_row_and_problem(
    data: Path, file: str, old: str, new: str, column: str, words: str
) -> None:
    if not words:
        return _check_manifest(data)
    path = data / file
    row = _line_of(path, old)
    _edit(path, old, new)
    refresh_manifest(data)
    found = _problems(data)
    key = f"{file}:{row}:{column}"
    assert key in found, found
    assert words in found[key]


def _check_manifest(data: Path) -> None:
    _edit(data / "kinds.csv", "Associate degree", "Associate")
    found = _problems(data)
    assert "kinds.csv:0" in found and "manifest" in found["kinds.csv:0"]


def test_several_problems_in_one_file_are_all_reported(data: Path) -> None:
    path = data / "institutions.csv"
    _edit(path, "10001,1,0001", "10001,1,00x1")
    _edit(path, "10009,1,0009", "10009,9,0009")
    refresh_manifest(data)
    found = _problems(data)
    assert len([k for k in found if k.startswith("institutions.csv:")]) >= 2


def test_a_wrong_header_and_a_missing_file_are_named(data: Path) -> None:
    _edit(data / "domains.csv", "code,slug", "id,slug")
    (data / "ladder.csv").unlink()
    found = _problems(data)
    assert "domains.csv:1" in found and "header" in found["domains.csv:1"]
    assert "ladder.csv:0" in found


def test_a_valid_edit_loads_after_the_manifest_is_refreshed(data: Path) -> None:
    with (data / "institutions.csv").open("a", encoding="utf-8") as out:
        out.write("10099,1,0099,دانشگاه نمونه,Sample University,تهران,Tehran,university,true\n")
    with pytest.raises(ReferenceDataError):
        load_reference(data)
    assert refresh_manifest(data, "1405.2") == "1405.2"
    loaded = load_reference(data)
    assert (
        loaded.version == "1405.2" and loaded.institutions["10099"].name_en == "Sample University"
    )
