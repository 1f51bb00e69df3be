"""``/api/v1/imports``: an institution's system sends a backfill file and follows it (DESIGN §7).

The same import as ``sehat import`` (importer/), for the registrar's own institution only: a
row of another institution is REJECTED naming ``institution``.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from sehat.api.deps import (
    EngineDep,
    EvidenceDep,
    PrincipalDep,
    ReferenceDep,
    SettingsDep,
    client_address,
)
from sehat.api.runtime import runtime
from sehat.core.record import Assurance
from sehat.errors import ConflictError, InputError, Problem
from sehat.importer.table import open_table
from sehat.services import imports
from sehat.services.id_checks import IdCheckCaller, subjects_of
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1/imports", tags=["imports / ورود گروهی"])

MAX_UPLOAD = 512 * 1024 * 1024  # a few million rows of CSV


def _assurance(text: str | None) -> Assurance:
    if not text:
        return Assurance.DIGITISED
    try:
        return Assurance(text.strip().lower())
    except ValueError:
        raise InputError(
            Problem(
                "assurance",
                f"{text!r} is not an assurance level",
                "سطح اطمینان نامعتبر است",
                "use digitised, attested or born_digital",
                "یکی از digitised، attested یا born_digital",
            )
        ) from None


def _save(file: UploadFile, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = file.filename or ""
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (".csv", ".xlsx") else ""
    path = folder / f"upload{suffix}"
    with path.open("wb") as out:
        shutil.copyfileobj(file.file, out, 1 << 20)
    # Read the header now: a file nobody can import is refused here, not found failed later.
    try:
        with open_table(path, institution_given=True):
            pass
    except InputError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


@router.post("", status_code=202)
async def upload(
    request: Request,
    file: UploadFile,
    engine: EngineDep,
    reference: ReferenceDep,
    evidence: EvidenceDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    assurance: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Send a backfill file (multipart ``file``: CSV or XLSX, as for ``sehat import``); the
    import runs in the background: follow it at ``GET /api/v1/imports/{import_id}``."""
    institution = imports.require_registrar(principal)
    level = _assurance(assurance)
    public_id = imports.new_id()
    folder = imports.directory(settings.data_dir, public_id)
    path = await run_in_threadpool(_save, file, folder)
    now = datetime.now(UTC)
    filename = file.filename or path.name
    await run_in_threadpool(
        in_transaction, engine, lambda c: imports.record(c, principal, public_id, filename, now)
    )
    caller = IdCheckCaller(
        settings.id_checks, tuple(subjects_of(principal, client_address(request)))
    )
    runtime(request).imports.start(
        imports.ImportJob(
            engine=engine,
            reference=reference,
            evidence=evidence,
            upload=path,
            results=imports.results_path(settings.data_dir, public_id),
            public_id=public_id,
            institution=institution,
            assurance=level,
            caller=caller,
        )
    )
    return {"import_id": public_id, "state": "queued"}


@router.get("/{import_id}")
def import_status(import_id: str, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """``queued``, ``running``, ``done``, ``failed`` (with ``error``) or ``interrupted``; rows
    done of the total and the counts by status so far."""
    with engine.connect() as conn:
        return imports.status(conn, principal, import_id, datetime.now(UTC))


@router.get(
    "/{import_id}/results.csv",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def import_results(
    import_id: str, engine: EngineDep, settings: SettingsDep, principal: PrincipalDep
) -> FileResponse:
    """The results, one line per row in file order: ``row,status,code,reasons`` (once done;
    409 before)."""
    with engine.connect() as conn:
        state = imports.status(conn, principal, import_id, datetime.now(UTC))
    if state["state"] != "done":
        raise ConflictError(
            f"the import is {state['state']}; its results are ready once it is done",
            "ورود هنوز تمام نشده است؛ نتیجه پس از پایان آماده می‌شود",
        )
    return FileResponse(
        imports.results_path(settings.data_dir, import_id),
        media_type="text/csv; charset=utf-8",
        filename=f"sehat-import-{import_id[:8]}-results.csv",
    )
