"""Whole education histories, one person at a time, as rows of graduation records.

Every person follows one pattern (:data:`PATTERNS`) for as far as time allows: no degree
graduates after the last day of ``last_year``, and a history stops at the first that would.
Speed comes from doing per pool what would otherwise be done per row: dates are indexes into
a :class:`DayTable`, course JSON is assembled from pre-serialised pieces, course choices are
pre-shuffled orders, and in ``csv_cells`` mode every text is escaped once (RFC 4180 §2) so a
row is ready to join. Randomness is one ``random.Random``: a seed gives the same rows anywhere.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from itertools import accumulate
from operator import mul
from typing import Final

import orjson

from sehat.core.national_id import make_national_id
from sehat.reference.models import Reference
from sehat.synth import catalogue
from sehat.synth.courses import SEMINARY, pool_for
from sehat.synth.days import DayTable
from sehat.synth.names import FEMALE, LAST, MALE

Row = tuple[str, ...]

# pattern -> (share of people, ((domain, weight), ...))
PATTERNS: Final[dict[str, tuple[float, tuple[tuple[int, float], ...]]]] = {
    "associate_bachelor": (0.17, ((1, 0.5), (2, 0.1), (3, 0.4))),
    "bachelor_master_phd": (0.43, ((1, 0.5), (2, 0.15), (3, 0.35))),
    "professional_specialty": (0.12, ((2, 0.8), (3, 0.2))),
    "seminary": (0.18, ((4, 0.55), (5, 0.45))),
    "integrated_master": (0.10, ((1, 0.6), (3, 0.4))),
}
# pattern -> (kind, seminary level, programme, years) of each degree, and the chance of
# going on to the next one.
_STEPS: Final[dict[str, tuple[tuple[tuple[int, str, str, int], ...], tuple[float, ...]]]] = {
    "associate_bachelor": (
        ((1, "", "continuous", 2), (2, "", "discontinuous", 2), (3, "", "continuous", 2)),
        (0.8, 0.3),
    ),
    "bachelor_master_phd": (
        ((2, "", "continuous", 4), (3, "", "continuous", 2), (5, "", "continuous", 4)),
        (0.5, 0.5),
    ),
    "professional_specialty": (((4, "", "continuous", 7), (6, "", "continuous", 4)), (0.45,)),
    "seminary": (tuple((7, str(level), "", 3) for level in (1, 2, 3, 4)), (0.7, 0.7, 0.7)),
    "integrated_master": (((3, "", "integrated", 6), (5, "", "continuous", 4)), (0.25,)),
}
TRANSCRIPT_SHARE = 0.22
FIRST_BIRTH_YEAR = 1340
LAST_BIRTH_YEAR = 1378
_COURSES_PER_KIND = {1: 16, 2: 24, 3: 10, 4: 26, 5: 6, 6: 8, 7: 14}
_ORDERS_PER_POOL = 32
_GRADINGS_PER_ORDER = 16
_CHOICE_SLOTS = 1000
_MEHR, _BAHMAN = 7, 11
# Course grades in quarter points, 12.00-20.00, as JSON numbers (17, 17.25, ...).
_GRADES = tuple(str(q // 4) if q % 4 == 0 else repr(q / 4) for q in range(48, 81))
_GPAS = tuple(f"{hundredths / 100:.2f}" for hundredths in range(1200, 2001))
_KINDS = tuple(str(kind) for kind in range(10))


def csv_cell(text: str) -> str:
    """``text`` as one CSV field: quoted, inner quotes doubled, when it needs it (RFC 4180 §2)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _national_ids(rng: random.Random) -> Iterator[str]:
    """Distinct valid national IDs: an affine permutation of 0..10^9-1 gives the first nine."""
    space = 10**9
    step = rng.randrange(10**8, space) | 1
    while step % 5 == 0:
        step += 2
    n, offset = rng.randrange(space), rng.randrange(space)
    for _ in range(space):
        first9 = f"{(step * n + offset) % space:09d}"
        n += 1
        try:
            yield make_national_id(first9)
        except ValueError:  # one digit repeated: never issued
            continue


class HistoryGenerator:
    """Rows of whole education histories, drawn from one seeded random source.

    With ``csv_cells`` every value is a CSV cell and neighbouring cells that repeat (the
    person's, a degree's) come already joined by commas: a row is then ready for
    ``",".join(row)``, but it is no longer one item per field.
    """

    def __init__(
        self, reference: Reference, seed: int, last_year: int = 1403, *, csv_cells: bool = False
    ) -> None:
        self.rng = rng = random.Random(seed)
        cell = csv_cell if csv_cells else str
        self.csv_cells = csv_cells
        self.last_year = last_year
        self.days = DayTable.build(FIRST_BIRTH_YEAR, last_year + 1)
        self.horizon = self.days.year_end(last_year)
        self.dates = self.days.text
        self.starts = self.days.month_starts
        self.first_year = self.days.first_year
        self.ids = _national_ids(rng)
        self.serial = rng.randrange(10**5)
        self.male = tuple((cell(fa), cell(latin)) for fa, latin in MALE)
        self.female = tuple((cell(fa), cell(latin)) for fa, latin in FEMALE)
        self.last = tuple((cell(fa), cell(latin)) for fa, latin in LAST)
        self.catalogues = {
            domain: _escaped(cat) if csv_cells else cat
            for domain, cat in catalogue.build(reference).items()
        }
        choices = [
            (share * weight, (name, domain))
            for name, (share, options) in PATTERNS.items()
            for domain, weight in options
            if self._can(name, domain)
        ]
        if not choices:
            raise ValueError("the reference data has no institutions and fields to draw from")
        # A table of _CHOICE_SLOTS (pattern, domain) pairs in proportion to their weights:
        # one draw is one index, no search.
        cumulative = list(accumulate(weight for weight, _ in choices))
        self.choices = tuple(
            choices[
                min(
                    bisect(cumulative, (i + 0.5) / _CHOICE_SLOTS * cumulative[-1]), len(choices) - 1
                )
            ][1]
            for i in range(_CHOICE_SLOTS)
        )
        broads = {f[2] for cat in self.catalogues.values() for f in cat.general}
        self.transcripts = {key: self._transcripts(key) for key in sorted(broads | {SEMINARY})}
        self.terms: dict[tuple[int, int, int], list[tuple[int, int, str, str]]] = {}
        self.gpas: dict[tuple[int, int], str] = {}

    def _can(self, pattern: str, domain: int) -> bool:
        cat = self.catalogues.get(domain)
        if cat is None or not cat.institutions:
            return False
        if pattern == "seminary":
            return bool(cat.seminary)
        if pattern == "professional_specialty":
            return bool(cat.profdoc)
        return bool(cat.general)

    def _transcripts(self, key: str) -> list[tuple[list[str], list[int], list[int]]]:
        """Ready-made transcripts of a pool: courses in a shuffled order, each with a grade.

        For each, the courses' JSON text up to the term, and the running sums of credits and
        of credits x quarter points (for the GPA of its first n courses). A transcript row
        takes the first n courses of one of these and adds the terms.
        """
        pool = pool_for(key, seminary=key == SEMINARY)
        pieces = []
        for code, name, weight in pool:
            piece = orjson.dumps({"code": code, "name_fa": name, "credits": weight}).decode()
            piece = piece[:-1] + ',"grade":'
            if self.csv_cells:
                piece = piece.replace('"', '""')
            pieces.append([piece + grade for grade in _GRADES])
        random_ = self.rng.random
        out = []
        for _ in range(_ORDERS_PER_POOL):
            order = list(range(len(pool)))
            self.rng.shuffle(order)
            credits = [pool[i][2] for i in order]
            for _ in range(_GRADINGS_PER_ORDER):
                centre = 4 + int(random_() * 24)  # quarter points above 12: 13.00-18.75
                low = max(0, centre - 12)
                span = min(32, centre + 12) - low + 1
                quarters = [low + int(random_() * span) for _ in order]
                out.append(
                    (
                        [pieces[i][q] for i, q in zip(order, quarters, strict=True)],
                        [0, *accumulate(credits)],
                        [0, *accumulate(map(mul, quarters, credits))],
                    )
                )
        return out

    def person(self) -> list[Row]:
        """One person's records in chronological order (none when born too late to graduate)."""
        rng = self.rng
        random_ = rng.random
        pattern, domain = self.choices[int(random_() * _CHOICE_SLOTS)]
        female = domain == 5 or (domain != 4 and random_() < 0.5)
        names = self.female if female else self.male
        first = names[int(random_() * len(names))]
        last = self.last[int(random_() * len(self.last))]
        father = self.male[int(random_() * len(self.male))][0]
        birth_year = FIRST_BIRTH_YEAR + int(random_() * (LAST_BIRTH_YEAR - FIRST_BIRTH_YEAR + 1))
        birth = self.starts[(birth_year - self.first_year) * 12] + int(random_() * 365)
        person: Row = (
            next(self.ids),
            first[0],
            last[0],
            first[1],
            last[1],
            father,
            self.dates[birth],
            "female" if female else "male",
        )
        if self.csv_cells:
            person = (",".join(person),)  # joined once, not once per row
        return self._history(pattern, domain, person, birth_year + 18 + int(random_() * 3))

    def _history(self, pattern: str, domain: int, person: Row, entry_year: int) -> list[Row]:
        random_ = self.rng.random
        starts, dates, first_year = self.starts, self.dates, self.first_year
        steps, go_on = _STEPS[pattern]
        cat = self.catalogues[domain]
        institution = cat.institutions[int(random_() * len(cat.institutions))]
        first_fields = (
            cat.seminary
            if pattern == "seminary"
            else cat.profdoc
            if pattern == "professional_specialty"
            else cat.general
        )
        field = first_fields[int(random_() * len(first_fields))]
        rows: list[Row] = []
        for number, (kind, level, program, years) in enumerate(steps):
            if number:
                if random_() >= go_on[number - 1]:
                    break
                domain, institution, field = self._next_place(kind, domain, institution, field)
            if entry_year + years > self.last_year:
                break  # still studying at the horizon
            bahman = random_() < 0.15
            at = (entry_year - first_year) * 12
            entry = starts[at + (_BAHMAN if bahman else _MEHR) - 1] + int(random_() * 10)
            at += 12 * (years + (random_() < 0.25))
            # Mehr entrants graduate in Tir-Shahrivar, Bahman entrants in Dey-Bahman.
            at += 9 + int(random_() * 2) if bahman else 3 + int(random_() * 3)
            graduation = starts[at] + int(random_() * (starts[at + 1] - starts[at]))
            if graduation > self.horizon:
                break
            self.serial += 1 + int(random_() * 3)
            student_number = f"{entry_year % 100:02d}{self.serial:07d}"
            courses = ""
            if random_() < TRANSCRIPT_SHARE:
                courses, gpa = self._courses(kind, field[2], entry_year, years)
            else:
                gpa = _GPAS[int((random_() + random_()) * 400)]
            tail: Row = (
                field[0],
                field[1],
                program,
                student_number,
                dates[entry],
                dates[graduation],
                gpa,
                "",
                "",
            )
            if self.csv_cells:
                tail = (",".join(tail),)
            rows.append((*person, institution, _KINDS[kind], level, *tail, ""))
            if courses:
                # Its transcript (kind 8): same institution and student number, no level.
                rows.append((*person, institution, "8", "", *tail, courses))
            # The next programme starts the Mehr after graduation, or a year later.
            entry_year = first_year + at // 12 + (at % 12 >= _MEHR - 1) + (random_() < 0.35)
        return rows

    def _next_place(
        self, kind: int, domain: int, institution: str, field: catalogue.Field
    ) -> tuple[int, str, catalogue.Field]:
        """Where the next degree is taken: often the same institution, sometimes the other
        university domain (1 <-> 3), and always a field that domain teaches."""
        random_ = self.rng.random
        if domain in (1, 3) and kind in (2, 3, 5) and random_() < 0.2:
            other = self.catalogues.get(4 - domain)
            if other is not None and other.institutions and other.general:
                domain = 4 - domain
        cat = self.catalogues[domain]
        if institution not in cat.institutions or random_() < 0.45:
            institution = cat.institutions[int(random_() * len(cat.institutions))]
        if kind == 6:
            return domain, institution, cat.specialty[int(random_() * len(cat.specialty))]
        if kind == 7:
            if field in cat.seminary and random_() < 0.8:
                return domain, institution, field
            return domain, institution, cat.seminary[int(random_() * len(cat.seminary))]
        if field in cat.general and random_() < 0.7:
            return domain, institution, field
        related = cat.by_broad.get(field[2]) or cat.general
        return domain, institution, related[int(random_() * len(related))]

    def _courses(self, kind: int, broad: str, entry_year: int, years: int) -> tuple[str, str]:
        """A transcript's courses as compact JSON (or its CSV cell), and their GPA."""
        random_ = self.rng.random
        made = self.transcripts[SEMINARY if kind == 7 else broad]
        pieces, credits, points = made[int(random_() * len(made))]
        count = min(len(pieces), _COURSES_PER_KIND[kind] + int(random_() * 4))
        # One join per term: the courses of a term share its ',"term":"…"}' ending.
        text = ",".join(
            [
                sep.join(pieces[first:end]) + ending
                for first, end, sep, ending in self._terms(entry_year, years, count)
            ]
        )
        gpa = self.gpas.get((credits[count], points[count]))
        if gpa is None:
            # Hundredths of the credit-weighted mean, rounded half up, in integers.
            total = credits[count]
            hundredths = (50 * (48 * total + points[count]) + total) // (2 * total)
            gpa = f"{hundredths // 100}.{hundredths % 100:02d}"
            self.gpas[(total, points[count])] = gpa
        return (f'"[{text}]"' if self.csv_cells else f"[{text}]"), gpa

    def _terms(self, entry_year: int, years: int, count: int) -> list[tuple[int, int, str, str]]:
        """``count`` courses spread evenly over ``years`` of two terms: for each term, its
        first and past-the-end course, and its JSON ending with and without a comma."""
        key = (entry_year, years, count)
        terms = self.terms.get(key)
        if terms is None:
            spread = 2 * years
            terms = []
            for term in range(spread):
                first, end = -(-term * count // spread), -(-(term + 1) * count // spread)
                if first == end:
                    continue
                ending = f',"term":"{entry_year + term // 2}-{term % 2 + 1}"}}'
                if self.csv_cells:
                    ending = ending.replace('"', '""')
                terms.append((first, end, ending + ",", ending))
            self.terms[key] = terms
        return terms


def _escaped(cat: catalogue.DomainCatalogue) -> catalogue.DomainCatalogue:
    """The catalogue with institution codes, field codes and names as CSV cells."""

    def fields(items: tuple[catalogue.Field, ...]) -> tuple[catalogue.Field, ...]:
        return tuple((csv_cell(code), csv_cell(name), broad) for code, name, broad in items)

    return catalogue.DomainCatalogue(
        institutions=tuple(csv_cell(code) for code in cat.institutions),
        general=fields(cat.general),
        by_broad={k: fields(v) for k, v in cat.by_broad.items()},
        profdoc=fields(cat.profdoc),
        specialty=fields(cat.specialty),
        seminary=fields(cat.seminary),
    )
