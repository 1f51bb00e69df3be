"""``sehat synth``: realistic, valid, reproducible graduation records in whole histories."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby, pairwise
from pathlib import Path

import pytest

from sehat.core.jalali import parse_date
from sehat.core.national_id import parse_national_id
from sehat.core.record import validate_record
from sehat.reference.models import (
    DocumentKind,
    Domain,
    FieldOfStudy,
    Institution,
    Reference,
    SeminaryLevel,
)
from sehat.synth import FIELDNAMES, iter_records, write_csv

DESIGN_FIELDS = [
    "national_id",
    "first_name",
    "last_name",
    "first_name_latin",
    "last_name_latin",
    "father_name",
    "birth_date",
    "gender",
    "institution",
    "kind",
    "seminary_level",
    "field_code",
    "field_name",
    "program_type",
    "student_number",
    "entry_date",
    "graduation_date",
    "gpa",
    "prior_code",
    "degree_code",
    "courses",
]
SAMPLE = 5000
HORIZON = date(2025, 3, 20)  # 1403/12/30, the last day of the default last year


def _reference() -> Reference:
    domains = {d: Domain(d, f"d{d}", f"حوزه {d}", f"domain {d}") for d in range(1, 6)}
    institutions = {}
    for domain, number, active in [
        (1, 0, True),
        (1, 1, True),
        (1, 2, True),
        (1, 9, False),
        (2, 1, True),
        (2, 2, True),
        (3, 1, True),
        (3, 2, True),
        (4, 1, True),
        (4, 2, True),
        (5, 1, True),
    ]:
        code = f"{domain}{number:04d}"
        institutions[code] = Institution(
            code,
            domain,
            number,
            f"موسسه {code}",
            f"Institution {code}",
            "قم",
            "Qom",
            "university",
            active,
        )
    fields = {
        f[0]: FieldOfStudy(*f)
        for f in [
            ("0613", "مهندسی کامپیوتر", "Computer Engineering", "0613", (1, 3)),
            ("0411", "حسابداری، مالی", 'Accounting, "Finance"', "0411", (1, 3)),
            ("0913", "پرستاری", "Nursing", "0913", (2, 3)),
            ("0912", "پزشکی", "Medicine", "0912", (2, 3)),
            ("0912-1", "داخلی", "Internal Medicine", "0912", (2,)),
            ("0911", "دندانپزشکی", "Dentistry", "0911", (2,)),
            ("0221-1", "فقه و اصول", "Jurisprudence", "0221", (4, 5)),
            ("0221-2", "تفسیر و علوم قرآنی", "Quranic Studies", "0221", (4, 5)),
            ("0221-3", "الهیات", "Theology", "0221", (1, 3, 4, 5)),
        ]
    }
    kinds = {
        k: DocumentKind(k, f"k{k}", f"نوع {k}", f"kind {k}", "", k not in (8, 9))
        for k in range(1, 10)
    }
    levels = {n: SeminaryLevel(n, f"سطح {n}", f"level {n}", None, "") for n in range(1, 5)}
    return Reference("test", domains, institutions, kinds, levels, fields, ())


@pytest.fixture(scope="module")
def reference() -> Reference:
    return _reference()


@pytest.fixture(scope="module")
def records(reference: Reference) -> list[dict[str, str]]:
    return list(iter_records(reference, SAMPLE, seed=7))


@pytest.fixture(scope="module")
def people(records: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    return [list(rows) for _, rows in groupby(records, key=lambda r: r["national_id"])]


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_header_is_exactly_the_record_fields(reference: Reference, tmp_path: Path) -> None:
    assert list(FIELDNAMES) == DESIGN_FIELDS
    write_csv(tmp_path / "x.csv", reference, 3)
    header, _ = _read(tmp_path / "x.csv")
    assert header == DESIGN_FIELDS
    first_line = (tmp_path / "x.csv").read_bytes().split(b"\r\n")[0]
    assert first_line == ",".join(DESIGN_FIELDS).encode()


def test_same_seed_gives_the_same_bytes(reference: Reference, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    write_csv(a, reference, 2000, seed=42)
    write_csv(b, reference, 2000, seed=42)
    write_csv(c, reference, 2000, seed=43)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


@pytest.mark.parametrize("count", [0, 1, 2, 7, 1001])
def test_exact_row_count(reference: Reference, tmp_path: Path, count: int) -> None:
    path = tmp_path / "n.csv"
    assert write_csv(path, reference, count, seed=count) == count
    header, rows = _read(path)
    assert header == DESIGN_FIELDS and len(rows) == count
    assert len(list(iter_records(reference, count, seed=count))) == count


def test_negative_count_is_refused(reference: Reference) -> None:
    with pytest.raises(ValueError):
        list(iter_records(reference, -1))


def test_file_reads_back_as_the_records(reference: Reference, tmp_path: Path) -> None:
    # Names and field names with commas and quotes survive the CSV quoting.
    path = tmp_path / "r.csv"
    write_csv(path, reference, 3000, seed=5)
    _, rows = _read(path)
    assert rows == list(iter_records(reference, 3000, seed=5))
    assert any(r["field_name"] == "حسابداری، مالی" for r in rows)


def test_national_ids_are_valid_and_one_per_person(
    records: list[dict[str, str]], people: list[list[dict[str, str]]]
) -> None:
    for rec in records:
        assert parse_national_id(rec["national_id"]) == rec["national_id"]
    ids = [person[0]["national_id"] for person in people]
    assert len(ids) == len(set(ids)), "a national ID reappears for another person"
    for person in people:
        identity = {
            (r["first_name"], r["last_name"], r["birth_date"], r["father_name"]) for r in person
        }
        assert len(identity) == 1


def test_dates_parse_and_are_ordered(people: list[list[dict[str, str]]]) -> None:
    for person in people:
        previous_graduation = None
        for rec in person:
            birth = parse_date(rec["birth_date"], "birth_date")
            entry = parse_date(rec["entry_date"], "entry_date")
            graduation = parse_date(rec["graduation_date"], "graduation_date")
            assert birth < entry < graduation <= HORIZON, rec
            assert rec["entry_date"].startswith("13") or rec["entry_date"].startswith("14")
            if rec["kind"] != "8":
                if previous_graduation is not None:
                    assert entry > previous_graduation, "records not in chronological order"
                previous_graduation = graduation
            assert 17 <= (entry - birth).days // 365 <= 60


def test_values_are_well_formed(records: list[dict[str, str]]) -> None:
    for rec in records:
        gpa = rec["gpa"]
        assert len(gpa.split(".")[1]) == 2 and Decimal(12) <= Decimal(gpa) <= Decimal(20)
        assert rec["prior_code"] == "" and rec["degree_code"] == ""
        assert rec["gender"] in ("male", "female")
        assert rec["first_name_latin"].isascii() and rec["last_name_latin"].isascii()
        assert rec["first_name"] and rec["last_name"] and rec["father_name"]
        assert (rec["seminary_level"] != "") == (rec["kind"] == "7")
        assert (rec["courses"] != "") == (rec["kind"] == "8")


def test_institutions_and_fields_fit_their_domain(
    reference: Reference, records: list[dict[str, str]]
) -> None:
    for rec in records:
        inst = reference.institutions[rec["institution"]]
        assert inst.active and inst.number > 0
        field = reference.fields[rec["field_code"]]
        assert rec["field_name"] == field.name_fa
        assert inst.domain in field.domains, (rec["institution"], rec["field_code"])
        kind = int(rec["kind"])
        if kind in (4, 6):
            assert field.isced_f in ("0911", "0912", "0916", "0841")
        if kind == 7:
            assert inst.domain in (4, 5) and 1 <= int(rec["seminary_level"]) <= 4
        if inst.domain == 5:
            assert rec["gender"] == "female"
        if inst.domain == 4:
            assert rec["gender"] == "male"


def test_student_numbers_never_look_like_a_resubmission(records: list[dict[str, str]]) -> None:
    keys = Counter((r["institution"], r["student_number"], r["kind"]) for r in records)
    assert max(keys.values()) == 1


def test_all_domains_and_history_patterns_appear(
    records: list[dict[str, str]], people: list[list[dict[str, str]]]
) -> None:
    assert {r["institution"][0] for r in records} == {"1", "2", "3", "4", "5"}
    assert {r["kind"] for r in records} == {"1", "2", "3", "4", "5", "6", "7", "8"}
    found: set[str] = set()
    for person in people:
        steps = [
            (r["kind"], r["program_type"], r["seminary_level"]) for r in person if r["kind"] != "8"
        ]
        kinds = [k for k, _, _ in steps]
        if ("1", "continuous", "") in steps and ("2", "discontinuous", "") in steps:
            found.add("associate_bachelor")
        if kinds[:3] == ["2", "3", "5"] and steps[0][1] == "continuous":
            found.add("bachelor_master_phd")
        if kinds[:2] == ["4", "6"]:
            found.add("professional_specialty")
        if [lv for _, _, lv in steps] == ["1", "2", "3", "4"]:
            found.add("seminary")
        if steps[0] == ("3", "integrated", ""):
            found.add("integrated_master")
    assert found == {
        "associate_bachelor",
        "bachelor_master_phd",
        "professional_specialty",
        "seminary",
        "integrated_master",
    }


def test_histories_climb_the_prior_degree_ladder(people: list[list[dict[str, str]]]) -> None:
    needs = {
        ("2", "discontinuous"): {"1"},
        ("3", "continuous"): {"2"},
        ("5", "continuous"): {"3"},
        ("6", "continuous"): {"4"},
    }
    for person in people:
        held: list[tuple[str, str]] = []
        for rec in person:
            kind, level = rec["kind"], rec["seminary_level"]
            if kind == "8":
                continue
            wanted = needs.get((kind, rec["program_type"]))
            if wanted:
                assert wanted & {k for k, _ in held}, f"{kind} without its prior in {held}"
            if kind == "7" and level != "1":
                assert ("7", str(int(level) - 1)) in held
            held.append((kind, level))


def test_transcripts_follow_their_degree(records: list[dict[str, str]]) -> None:
    transcripts = 0
    for before, rec in pairwise(records):
        if rec["kind"] != "8":
            continue
        transcripts += 1
        assert before["kind"] not in ("8", "9")
        same = (
            "national_id",
            "institution",
            "student_number",
            "field_code",
            "program_type",
            "entry_date",
            "graduation_date",
            "gpa",
        )
        assert all(before[k] == rec[k] for k in same), (before, rec)
        courses = json.loads(rec["courses"])
        assert isinstance(courses, list) and courses
        for course in courses:
            assert list(course) == ["code", "name_fa", "credits", "grade", "term"]
            assert 0 <= course["grade"] <= 20 and course["credits"] > 0
        weighted = sum(Decimal(str(c["grade"])) * c["credits"] for c in courses)
        mean = weighted / sum(c["credits"] for c in courses)
        assert Decimal(rec["gpa"]) == mean.quantize(Decimal("0.01"), ROUND_HALF_UP)
        terms = [c["term"] for c in courses]
        assert terms == sorted(terms)
        assert int(terms[0][:4]) == int(rec["entry_date"][:4])
    assert transcripts > SAMPLE // 20


def test_every_record_passes_the_record_validator(
    reference: Reference, records: list[dict[str, str]]
) -> None:
    for rec in records[:1500]:
        validated = validate_record(rec, reference, today=HORIZON)
        assert validated.national_id == rec["national_id"]
