"""Reference data: what ships is complete and valid; a broken edit names file, row and problem."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sehat.cli.main import app
from sehat.errors import Problem, ReferenceDataError
from sehat.reference.loader import default_directory, load_reference, refresh_manifest
from sehat.reference.models import ProgramType

REF = load_reference()
runner = CliRunner()


def test_the_shipped_data_covers_all_five_domains() -> None:
    assert sorted(REF.domains) == [1, 2, 3, 4, 5]
    assert REF.version == json.loads((default_directory() / "manifest.json").read_text())["version"]
    assert len(REF.institutions) >= 60
    offices = {i.domain for i in REF.institutions.values() if i.number == 0}
    assert offices == {1, 2, 3, 4, 5}
    per_domain = Counter(i.domain for i in REF.institutions.values() if i.number != 0 and i.active)
    assert all(per_domain[d] >= 6 for d in range(1, 6)), per_domain
    assert len(REF.fields) >= 150
    assert sorted(REF.kinds) == list(range(1, 10))
    assert sorted(REF.seminary_levels) == [1, 2, 3, 4]
    names = {i.name_en for i in REF.institutions.values()}
    assert {
        "University of Tehran",
        "Sharif University of Technology",
        "Tehran University of Medical Sciences",
        "Islamic Azad University, Science and Research Branch",
        "Qom Seminary",
        "Isfahan Seminary",
        "Imam Khomeini Education and Research Institute",
        "Jamiat al-Zahra",
    } <= names


def test_every_domain_teaches_fields_and_medicine_and_fiqh_are_where_they_belong() -> None:
    taught = Counter(d for f in REF.fields.values() for d in f.domains)
    assert all(taught[d] >= 10 for d in range(1, 6)), taught
    by_name = {f.name_en: f for f in REF.fields.values()}
    assert (
        2 in by_name["General Medicine"].domains and by_name["General Medicine"].isced_f == "0912"
    )
    assert by_name["Cardiology"].isced_f == "0912" and by_name["Nursing"].isced_f == "0913"
    fiqh = by_name["Jurisprudence and its Principles (Fiqh and Usul)"]
    assert fiqh.domains == (4, 5) and fiqh.isced_f == "0221"


def test_institution_codes_are_domain_and_number() -> None:
    for code, inst in REF.institutions.items():
        assert code == inst.code == f"{inst.domain}{inst.number:04d}"
    assert REF.institutions["10001"].name_fa == "دانشگاه تهران"


def test_every_field_maps_to_an_official_isced_f_code() -> None:
    with (default_directory() / "isced_f_2013.csv").open(encoding="utf-8") as handle:
        official = {row["code"] for row in csv.DictReader(handle)}
    # ISCED-F 2013: 4-digit detailed fields, e.g. 0613 software, 0912 medicine, 0221 religion.
    assert {"0613", "0912", "0221", "9999"} <= official and all(len(c) == 4 for c in official)
    assert all(f.isced_f in official for f in REF.fields.values())


def test_kinds_and_levels_carry_their_isced_2011_levels() -> None:
    assert [REF.kinds[k].isced_level for k in range(1, 7)] == ["5", "6", "7", "7", "8", "8"]
    assert REF.kinds[8].isced_level == "" and not REF.kinds[8].is_degree
    equivalents = {s.level: s.equivalent_kind for s in REF.seminary_levels.values()}
    assert equivalents == {1: None, 2: 2, 3: 3, 4: 5}
    assert REF.seminary_levels[4].isced_level == "8"


def _wants(
    kind: int, program: ProgramType | None = None, level: int | None = None
) -> set[tuple[int, int | None]]:
    rule = REF.rule_for(kind, program, level)
    assert rule is not None, (kind, program, level)
    assert not rule.needs_own_degree
    return {(a.kind, a.seminary_level) for a in rule.alternatives}


@pytest.mark.parametrize(
    ("kind", "program", "level", "wanted"),
    [
        (3, ProgramType.DISCONTINUOUS, None, {(2, None), (7, 2)}),  # master: bachelor or level 2
        (3, None, None, {(2, None), (7, 2)}),
        (5, ProgramType.DISCONTINUOUS, None, {(3, None), (4, None), (7, 3)}),  # PhD
        (6, None, None, {(4, None)}),  # specialty: professional doctorate
        (6, ProgramType.INTEGRATED, None, {(4, None)}),  # a specialty is never exempt
        (7, None, 2, {(7, 1)}),  # seminary level n needs n-1
        (7, None, 3, {(7, 2)}),
        (7, None, 4, {(7, 3)}),
        (2, ProgramType.DISCONTINUOUS, None, {(1, None)}),  # discontinuous bachelor: associate
        (3, ProgramType.INTEGRATED, None, set()),  # integrated programmes are exempt
        (5, ProgramType.INTEGRATED, None, set()),
        (1, None, None, set()),
        (2, ProgramType.CONTINUOUS, None, set()),
        (4, None, None, set()),
        (7, None, 1, set()),
        (9, None, None, set()),
    ],
)
def test_the_ladder_answers_the_design_cases(
    kind: int, program: ProgramType | None, level: int | None, wanted: set[tuple[int, int | None]]
) -> None:
    assert _wants(kind, program, level) == wanted


def test_a_transcript_needs_its_own_degree() -> None:
    rule = REF.rule_for(8, None, None)
    assert rule is not None and rule.needs_own_degree and rule.alternatives == ()
    assert "transcript" in rule.note_en.lower()


def test_the_default_data_is_loaded_once() -> None:
    assert load_reference() is load_reference()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_directory(), target)
    return target


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; return the line number it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def _problems(directory: Path) -> dict[str, Problem]:
    with pytest.raises(ReferenceDataError) as info:
        load_reference(directory)
    for p in info.value.problems:
        assert p.message and p.message_fa and p.fix and p.fix_fa, p
        assert p.message != p.message_fa
        assert any("\u0600" <= ch <= "\u06ff" for ch in p.message_fa + p.fix_fa), p  # Persian
    return {p.field: p for p in info.value.problems}


@pytest.mark.parametrize(
    ("file", "old", "new", "column", "words"),
    [
        ("institutions.csv", "10002,1,0002", "10001,1,0001", "code", "appears twice"),
        ("institutions.csv", "10003,1,0003", "10099,1,0003", "code", "domain digit"),
        ("institutions.csv", "20001,2,0001", "70001,7,0001", "domain", "not in domains.csv"),
        ("institutions.csv", "10004,1,0004", "10004,1,00x4", "number", "whole number"),
        ("institutions.csv", "Tehran,office,true", "Tehran,university,true", "category", "office"),
        ("institutions.csv", "Ferdowsi University of Mashhad,", "", "", "has 8 cells"),
        ("institutions.csv", ",دانشگاه شیراز,", ",دانشگاه شيراز,", "name_fa", "Arabic"),
        (
            "fields.csv",
            "1201,ریاضیات محض,Pure Mathematics,0541",
            "1201,ریاضیات محض,x,0549",
            "isced_f",
            "ISCED-F code '0549' is not in isced_f_2013.csv",
        ),
        (
            "fields.csv",
            "Pure Mathematics,0541,1;3",
            "Pure Mathematics,0541,1;8",
            "domains",
            "domain 8 is not in domains.csv",
        ),
        ("fields.csv", "1202,ریاضیات کاربردی", "12,ریاضیات کاربردی", "code", "4-6 digits"),
        (
            "kinds.csv",
            "5,phd,دکترای تخصصی,Doctorate (PhD),8,true",
            "5,phd,دکترای تخصصی,,8,yes",
            "is_degree",
            "true, false",
        ),
        (
            "seminary_levels.csv",
            "4,سطح چهار,Level 4,5,8",
            "4,سطح چهار,Level 4,12,8",
            "equivalent_kind",
            "kind 12 is not in kinds.csv",
        ),
        ("ladder.csv", "6,,,4,", "6,,,12,", "prior_kind", "kind 12 is not in kinds.csv"),
        ("ladder.csv", "6,,,4,", "12,,,4,", "kind", "kind 12 is not in kinds.csv"),
        ("ladder.csv", "7,,3,7,2", "7,,3,7,6", "prior_seminary_level", "level 6 is not in"),
        ("ladder.csv", "2,discontinuous,,1", "2,part-time,,1", "program_type", "not one of"),
        ("ladder.csv", "6,,,4,,", "6,,2,4,,", "seminary_level", "only kind 7"),
        ("isced_f_2013.csv", "0541,Mathematics", "541,Mathematics", "code", "of 4 digits"),
    ],
)
def test_a_broken_row_names_file_row_column_and_problem(
    data: Path, file: str, old: str, new: str, column: str, words: str
) -> None:
    row = _edit(data / file, old, new)
    refresh_manifest(data)
    found = _problems(data)
    key = f"{file}:{row}" + (f":{column}" if column else "")
    assert key in found, sorted(found)
    assert words in found[key].message


def test_every_problem_of_a_file_is_reported_not_only_the_first(data: Path) -> None:
    path = data / "institutions.csv"
    rows = [
        _edit(path, "10001,1,0001", "10001,1,00x1"),
        _edit(path, "10009,1,0009", "10009,9,0009"),
        _edit(path, "Sharif University of Technology,تهران,Tehran,university,true", ",,,,true"),
    ]
    _edit(data / "fields.csv", ",0541,", ",0549,")
    refresh_manifest(data)
    found = _problems(data)
    assert {f"institutions.csv:{rows[0]}:number", f"institutions.csv:{rows[1]}:domain"} <= set(
        found
    )
    assert f"institutions.csv:{rows[2]}:name_en" in found  # the empty cells, each named
    assert f"institutions.csv:{rows[2]}:city_en" in found
    assert any(k.startswith("fields.csv:") for k in found)


def test_a_wrong_header_a_missing_file_and_a_non_utf8_file_are_named(data: Path) -> None:
    _edit(data / "domains.csv", "code,slug", "id,slug")
    (data / "ladder.csv").unlink()
    kinds = data / "kinds.csv"
    kinds.write_bytes(kinds.read_text(encoding="utf-8").encode("cp1256", errors="replace"))
    found = _problems(data)
    assert "expected code,slug,name_fa,name_en" in found["domains.csv:1"].message
    assert "missing" in found["ladder.csv:0"].message
    assert "UTF-8" in found["kinds.csv:0"].message


def test_an_edit_without_a_new_manifest_is_refused_and_says_how_to_refresh(data: Path) -> None:
    _edit(data / "kinds.csv", "Associate degree", "Associate")
    found = _problems(data)
    assert set(found) == {"kinds.csv:0"}
    problem = found["kinds.csv:0"]
    assert "changed" in problem.message and "sehat reference manifest" in problem.fix
    assert "تغییر" in problem.message_fa


def test_row_numbers_are_the_lines_of_the_file_even_after_blank_lines(data: Path) -> None:
    path = data / "domains.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")
    lines[4] = lines[4].replace("3,iau", "3,iau,extra")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refresh_manifest(data)
    assert "has 5 cells" in _problems(data)["domains.csv:5"].message


def test_a_kind_without_a_ladder_rule_is_refused(data: Path) -> None:
    path = data / "ladder.csv"
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:2] != "6,"]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    refresh_manifest(data)
    assert "kind 6 has no ladder row" in _problems(data)["ladder.csv:0:kind"].message


def test_a_valid_edit_loads_after_the_manifest_is_refreshed(data: Path) -> None:
    with (data / "institutions.csv").open("a", encoding="utf-8") as out:
        out.write("10099,1,0099,دانشگاه نمونه,Sample University,تهران,Tehran,university,true\n")
    with pytest.raises(ReferenceDataError):
        load_reference(data)
    before = load_reference(default_directory()).version
    raised = refresh_manifest(data)  # no version given: the last number goes up by one
    assert raised != before and raised.rsplit(".", 1)[0] == before.rsplit(".", 1)[0]
    assert refresh_manifest(data) == raised  # nothing changed since: the version stays
    assert refresh_manifest(data, "1406.1") == "1406.1"
    loaded = load_reference(data)
    assert loaded.version == "1406.1"
    assert loaded.institutions["10099"].name_en == "Sample University"


def test_cli_lists_each_table_in_both_languages() -> None:
    # Single words: the table wraps long names inside its cells.
    expected = {
        "institutions": ("10001", "شریف", "Sharif"),
        "fields": ("فیزیک", "Physics", "0533"),
        "kinds": ("ریزنمرات", "Transcript"),
        "ladder": ("کاردانی", "Associate", "discontinuous"),
        "domains": ("آزاد", "Azad"),
        "levels": ("چهار", "Level"),
    }
    for table, words in expected.items():
        result = runner.invoke(app, ["reference", "list", table])
        assert result.exit_code == 0, result.output
        assert all(word in result.output for word in words), (table, result.output)


def test_cli_list_filters_by_domain_and_refuses_an_unknown_one() -> None:
    result = runner.invoke(app, ["reference", "list", "fields", "--domain", "4"])
    assert result.exit_code == 0 and "1803" in result.output  # Islamic philosophy
    assert "1101" not in result.output  # electrical engineering
    assert runner.invoke(app, ["reference", "list", "institutions", "--domain", "8"]).exit_code == 2


def test_cli_check_and_manifest(data: Path) -> None:
    ok = runner.invoke(app, ["reference", "check", str(data)])
    assert ok.exit_code == 0 and "valid" in ok.output
    row = _edit(data / "ladder.csv", "6,,,4,", "6,,,12,")
    stale = runner.invoke(app, ["reference", "check", str(data)])
    assert stale.exit_code == 1 and "ladder.csv:0" in stale.output
    written = runner.invoke(app, ["reference", "manifest", str(data), "--version", "1406.3"])
    assert written.exit_code == 1 and "1406.3" in written.output  # written, but still invalid
    broken = runner.invoke(app, ["reference", "check", str(data)])
    assert broken.exit_code == 1
    assert f"ladder.csv:{row}:prior_kind" in broken.output and "kinds.csv" in broken.output
    assert "نوع مدرک 12" in broken.output  # the Persian explanation is there too
    _edit(data / "ladder.csv", "6,,,12,", "6,,,4,")
    fixed = runner.invoke(app, ["reference", "manifest", str(data)])
    assert fixed.exit_code == 0 and "1406.4" in fixed.output and "valid" in fixed.output
    assert json.loads((data / "manifest.json").read_text())["version"] == "1406.4"
