"""Reference data as values (R3, R18): domains, institutions, kinds, seminary levels, fields,
and the prior-degree ladder. Loaded from the versioned files in ``data/`` by ``loader``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ProgramType(StrEnum):
    """How a programme relates to the degree below it (DESIGN §3)."""

    CONTINUOUS = "continuous"  # پیوسته
    DISCONTINUOUS = "discontinuous"  # ناپیوسته
    INTEGRATED = "integrated"  # یکپارچه (exempt from the ladder)


@dataclass(frozen=True)
class Domain:
    """One of the five education domains (digit 1 of the code)."""

    code: int
    slug: str
    name_fa: str
    name_en: str


@dataclass(frozen=True)
class Institution:
    """An institution; ``code`` is 5 digits: the domain digit and the institution number."""

    code: str
    domain: int
    number: int
    name_fa: str
    name_en: str
    city_fa: str
    city_en: str
    category: str  # university, medical-university, azad-branch, seminary, ...
    active: bool = True


@dataclass(frozen=True)
class DocumentKind:
    """A document kind (digit 8 of the code) and its ISCED 2011 level."""

    code: int
    slug: str
    name_fa: str
    name_en: str
    isced_level: str  # ISCED 2011 level, e.g. "5", "6", "7", "8"; "" where none applies
    is_degree: bool


@dataclass(frozen=True)
class SeminaryLevel:
    """A seminary level (1-4) and the university degree it is recognised as equivalent to."""

    level: int
    name_fa: str
    name_en: str
    equivalent_kind: int | None  # document kind it is equivalent to, if any
    isced_level: str


@dataclass(frozen=True)
class FieldOfStudy:
    """A field of study with its crosswalk to ISCED-F 2013 (detailed, 4 digits)."""

    code: str
    name_fa: str
    name_en: str
    isced_f: str
    domains: tuple[int, ...]  # domains that teach it


@dataclass(frozen=True)
class PriorRequirement:
    """One acceptable prior document: a kind, and for seminary certificates a level."""

    kind: int
    seminary_level: int | None = None


@dataclass(frozen=True)
class LadderRule:
    """What a document needs below it. ``alternatives`` empty means nothing is needed.

    ``program_type`` and ``seminary_level`` are None when the rule applies to any.
    """

    kind: int
    program_type: ProgramType | None
    seminary_level: int | None
    alternatives: tuple[PriorRequirement, ...]
    needs_own_degree: bool = False  # a transcript: its degree (same person, institution, student)
    note_fa: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class Reference:
    """All reference data of one version, with lookups by code."""

    version: str
    domains: dict[int, Domain]
    institutions: dict[str, Institution]
    kinds: dict[int, DocumentKind]
    seminary_levels: dict[int, SeminaryLevel]
    fields: dict[str, FieldOfStudy]
    ladder: tuple[LadderRule, ...]
    _rules_index: dict[tuple[int, ProgramType | None, int | None], LadderRule] = field(
        default_factory=dict, repr=False, compare=False
    )

    def rule_for(
        self, kind: int, program_type: ProgramType | None, seminary_level: int | None
    ) -> LadderRule | None:
        """The most specific ladder rule for a document, or None when no rule names it."""
        for key in (
            (kind, program_type, seminary_level),
            (kind, program_type, None),
            (kind, None, seminary_level),
            (kind, None, None),
        ):
            rule = self._rules_index.get(key)
            if rule is not None:
                return rule
        return None
