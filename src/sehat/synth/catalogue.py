"""What the reference data offers a synthetic history: institutions and fields per domain.

Fields are sorted into the roles a history needs, from their ISCED-F 2013 code and the
domains that teach them:

- seminary subjects: taught only in seminaries (domains 4 and 5);
- professional doctorates: ISCED-F 0911 dentistry, 0912 medicine, 0916 pharmacy,
  0841 veterinary, named as the degree itself ("Medicine", "Dentistry", ...);
- medical specialties: other 0911/0912 fields (internal medicine, orthodontics, ...);
- general: everything else a university teaches (associate to PhD).
"""

from __future__ import annotations

from dataclasses import dataclass

from sehat.reference.models import FieldOfStudy, Reference

SEMINARY_DOMAINS = frozenset({4, 5})
_PROFESSIONAL_ISCED = frozenset({"0911", "0912", "0916", "0841"})
_SPECIALTY_ISCED = frozenset({"0911", "0912"})
_PROFDOC_NAMES = frozenset(
    {
        "medicine",
        "general medicine",
        "dentistry",
        "pharmacy",
        "veterinary medicine",
        "veterinary",
        "dental medicine",
    }
)

Field = tuple[str, str, str]  # code, Persian name, ISCED-F broad field (2 digits)


@dataclass(frozen=True)
class DomainCatalogue:
    """Institutions and fields of one domain, each role sorted by code (for reproducibility)."""

    institutions: tuple[str, ...]
    general: tuple[Field, ...]
    by_broad: dict[str, tuple[Field, ...]]
    profdoc: tuple[Field, ...]
    specialty: tuple[Field, ...]
    seminary: tuple[Field, ...]


def _is_profdoc_name(field: FieldOfStudy) -> bool:
    name = field.name_en.strip().lower()
    return name in _PROFDOC_NAMES or name.startswith("doctor of")


def _as_field(field: FieldOfStudy) -> Field:
    return (field.code, field.name_fa, field.isced_f[:2])


def build(reference: Reference) -> dict[int, DomainCatalogue]:
    """Sort the reference data's active institutions and its fields by domain and role."""
    out: dict[int, DomainCatalogue] = {}
    fields = [reference.fields[code] for code in sorted(reference.fields)]
    for domain in sorted(reference.domains):
        institutions = tuple(
            code
            for code, inst in sorted(reference.institutions.items())
            if inst.domain == domain and inst.active and inst.number > 0
        )
        taught = [f for f in fields if domain in f.domains]
        seminary = [f for f in taught if set(f.domains) <= SEMINARY_DOMAINS]
        professional = [f for f in taught if f.isced_f in _PROFESSIONAL_ISCED and f not in seminary]
        profdoc = [f for f in professional if _is_profdoc_name(f)] or professional
        specialty = [
            f for f in professional if f not in profdoc and f.isced_f in _SPECIALTY_ISCED
        ] or profdoc
        general = [f for f in taught if f not in seminary and f not in professional]
        if domain in SEMINARY_DOMAINS and not seminary:
            seminary = [f for f in taught if f.isced_f.startswith("022")] or taught
        by_broad: dict[str, list[Field]] = {}
        for f in general:
            by_broad.setdefault(f.isced_f[:2], []).append(_as_field(f))
        out[domain] = DomainCatalogue(
            institutions=institutions,
            general=tuple(_as_field(f) for f in general),
            by_broad={k: tuple(v) for k, v in by_broad.items()},
            profdoc=tuple(_as_field(f) for f in profdoc),
            specialty=tuple(_as_field(f) for f in specialty),
            seminary=tuple(_as_field(f) for f in seminary),
        )
    return out
