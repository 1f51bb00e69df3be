"""``/api/v1/graduations``: registrars submit graduations, one or a batch (DESIGN §7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sehat.api.deps import (
    EngineDep,
    EvidenceDep,
    PrincipalDep,
    ReferenceDep,
    SettingsDep,
    client_address,
)
from sehat.api.errors import problem_of
from sehat.config import Settings
from sehat.errors import InputError, Problem
from sehat.services import issuance
from sehat.services.id_checks import IdCheckCaller, subjects_of
from sehat.services.principal import Principal, Role
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1", tags=["graduations / دانش‌آموختگی"])

Scalar = str | int | float | None
MAX_BATCH = issuance.MAX_BATCH


class CourseIn(BaseModel):
    """One transcript row."""

    model_config = ConfigDict(extra="forbid")
    code: str | int
    name: str | None = None
    name_fa: str | None = None
    credits: str | int | float
    grade: str | int | float
    term: str | int | None = None


class ForeignPriorIn(BaseModel):
    """A prior degree from abroad, with its equivalence reference."""

    model_config = ConfigDict(extra="forbid")
    country: str
    institution: str
    degree: str
    equivalence_ref: str


_GIVEN: dict[str, Any] = {
    "anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}, {"type": "number"}]
}


class GraduationIn(BaseModel):
    """One graduation record, field names exactly as DESIGN §3 (Persian digits welcome).

    A record that fits this schema is answered with a result (ISSUED, PENDING_PRIOR or
    REJECTED with its reasons), never refused: what its values mean is judged per record."""

    model_config = ConfigDict(
        extra="forbid",
        # A national ID, or for a foreign national the foreign ID: one of them, not empty.
        json_schema_extra={
            "anyOf": [
                {"required": ["national_id"], "properties": {"national_id": _GIVEN}},
                {"required": ["foreign_id"], "properties": {"foreign_id": _GIVEN}},
            ]
        },
    )
    national_id: Scalar = None
    foreign_id: Scalar = None
    first_name: str
    last_name: str
    first_name_latin: str | None = None
    last_name_latin: str | None = None
    father_name: str | None = None
    birth_date: str
    gender: Scalar = None
    institution: str | int
    kind: str | int
    seminary_level: Scalar = None
    field_code: str | int
    field_name: str | None = None
    program_type: str | None = None
    student_number: str | int
    entry_date: str | None = None
    graduation_date: str
    gpa: Scalar = None
    prior_code: str | None = None
    degree_code: str | None = None
    courses: list[CourseIn] | str | None = None
    prior_institution: str | int | None = None
    prior_foreign: ForeignPriorIn | None = None
    assurance: str | None = None

    @model_validator(mode="after")
    def _identity(self) -> GraduationIn:
        if self.national_id in (None, "") and self.foreign_id in (None, ""):
            raise ValueError("national_id (or foreign_id for a foreign national) is required")
        return self

    def raw(self) -> dict[str, object]:
        data = self.model_dump(exclude_none=True)
        return {k: v for k, v in data.items()}


class SubmissionOut(BaseModel):
    """The result of one submission."""

    submission_id: str | None
    status: str
    code: str | None
    reasons: list[dict[str, Any]]


class BatchIn(BaseModel):
    """Up to 5,000 records; each is judged on its own."""

    model_config = ConfigDict(extra="forbid")
    items: list[Any] = Field(
        max_length=MAX_BATCH,
        # Described as records; the server also takes an item that is not one, and answers
        # it REJECTED on its own while the others go on.
        json_schema_extra={"minItems": 1, "items": {"$ref": "#/components/schemas/GraduationIn"}},
        description="graduation records; an item that is not one is REJECTED on its own, the "
        "others go on",
    )


class BatchOut(BaseModel):
    """Results in the order of the items."""

    results: list[SubmissionOut]


def _now() -> datetime:
    return datetime.now(UTC)


def _caller(settings: Settings, principal: Principal, request: Request) -> IdCheckCaller:
    """A prior_code names a document's holder: the registrar's national-ID check budget."""
    subjects = tuple(subjects_of(principal, client_address(request)))
    return IdCheckCaller(settings.id_checks, subjects)


def _institution(principal: PrincipalDep) -> str:
    principal.require_role(Role.REGISTRAR, what_en="submit graduations", what_fa="ثبت دانش‌آموختگی")
    assert principal.institution is not None
    return principal.institution


@router.post(
    "/graduations",
    status_code=201,
    response_model=SubmissionOut,
    responses={200: {"model": SubmissionOut, "description": "A resubmission: the first result"}},
)
def submit_graduation(
    body: GraduationIn,
    request: Request,
    response: Response,
    engine: EngineDep,
    settings: SettingsDep,
    reference: ReferenceDep,
    evidence: EvidenceDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Submit one graduation: stored first, then ISSUED, PENDING_PRIOR or REJECTED."""
    institution = _institution(principal)
    # An empty key names no earlier request (it was stored as one, and a second empty key
    # then clashed with it and failed as a 500).
    key = (idempotency_key or "").strip() or None
    now = _now()
    [result] = in_transaction(
        engine,
        lambda conn: issuance.Issuer(
            conn, reference, now, evidence, _caller(settings, principal, request)
        ).submit(principal, institution, [issuance.Submission(body.raw(), key)]),
    )
    if result.replayed:
        response.status_code = 200
    return result.as_dict()


@router.post("/graduations/batch", response_model=BatchOut)
def submit_batch(
    body: BatchIn,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    reference: ReferenceDep,
    evidence: EvidenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Submit many graduations in one transaction; one bad record never sinks the others."""
    institution = _institution(principal)
    if not body.items:
        raise InputError(
            Problem(
                "items",
                "the batch is empty",
                "دسته خالی است",
                "send at least one record",
                "دست‌کم یک رکورد بفرستید",
            )
        )
    slots: list[dict[str, Any] | None] = []
    good: list[issuance.Submission] = []
    for index, item in enumerate(body.items):
        try:
            good.append(issuance.Submission(GraduationIn.model_validate(item).raw()))
            slots.append(None)
        except ValidationError as exc:
            slots.append(
                {
                    "submission_id": None,
                    "status": "REJECTED",
                    "code": None,
                    "reasons": [_problem(index, e) for e in exc.errors()],
                }
            )
    now = _now()
    results = (
        in_transaction(
            engine,
            lambda conn: issuance.Issuer(
                conn, reference, now, evidence, _caller(settings, principal, request)
            ).submit(principal, institution, good),
        )
        if good
        else []
    )
    it = iter(results)
    return {"results": [slot if slot is not None else next(it).as_dict() for slot in slots]}


def _problem(index: int, error: Any) -> dict[str, Any]:
    loc = ".".join(str(x) for x in error.get("loc", ()))
    field = f"items[{index}].{loc}" if loc else f"items[{index}]"
    return problem_of(error, field).as_dict()


@router.get("/graduations/{submission_id}", response_model=SubmissionOut)
def get_graduation(
    submission_id: str, engine: EngineDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A submission's current result (a PENDING_PRIOR one may have issued since)."""
    with engine.connect() as conn:
        return issuance.get_submission(conn, principal, submission_id).as_dict()
