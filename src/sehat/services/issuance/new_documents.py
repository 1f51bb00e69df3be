"""Issuing's new documents (the pipeline's *store*, handing on to *sign* and *log*): the
documents the ladder issued (DESIGN §2 the code, §4 the evidence).

Each gets a random code (core/code.py) and salt, a document row and its first version, and
is handed to services/evidence.py, which signs each version and appends its issue to the
transparency log (services/transparency.py) in the same transaction. A version an import's
worker made and signed ahead (services/presigned.py) is stored as it was made, when it was
made for this batch's time and kept its code.

Codes are random serials: they almost never collide, and one that does — with a stored
document or within the batch — is drawn again before anything is inserted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from sehat.core.jalali import jalali_year_of
from sehat.core.ladder import DocStatus
from sehat.services.evidence import Evidence, MadeVersion
from sehat.services.issuance.in_lists import VALUES, chunks
from sehat.services.presigned import Presigned, new_code, new_salt
from sehat.services.signing import VersionToSign
from sehat.services.submissions import Item
from sehat.store import schema as t
from sehat.store.bulk import insert_many
from sehat.store.ids import take_ids
from sehat.store.json_text import JsonText


def new_document(
    it: Item, institution: str, doc_id: int, now: datetime, today: date
) -> dict[str, Any]:
    """The document row ``it`` issues as, with id ``doc_id``: its code and salt are those
    made ahead, if any, or drawn now."""
    rec = it.record
    assert rec is not None and it.decision is not None
    ahead = made_ahead(it, now)
    code = ahead.code if ahead else new_code(institution, rec.kind, now)
    prior = it.decision.prior
    return {
        "id": doc_id,
        "code": code,
        "institution": institution,
        "domain": int(institution[0]),
        "kind": rec.kind,
        "seminary_level": rec.seminary_level or 0,
        "person_id": it.person_id,
        "submission_id": it.row_id,
        "student_number": rec.student_number,
        "field_code": rec.field_code,
        "status": DocStatus.VALID.value,
        "version": 1,
        "issued_at": now,
        "issued_year": jalali_year_of(today),
        "graduation_date": rec.graduation_date,
        "prior_document_id": prior.id if prior else None,
        "assurance": rec.assurance.value,
        "salt": ahead.salt if ahead else new_salt(),
    }


def made_ahead(it: Item, now: datetime, code: str | None = None) -> Presigned | None:
    """The item's first version as made ahead, if it was made for this batch's time ``now``
    (and with ``code``, when given)."""
    ahead = it.sub.presigned
    if ahead is None or ahead.at != now or (code is not None and ahead.code != code):
        return None
    return ahead


def record_content(it: Item) -> dict[str, object]:
    """The content of ``it``'s record, as a version stores it (without its code). From the
    version made ahead when there is one, made for another time or code: an import's
    worker sends the record back without its courses (importer/workers.py), and that
    content holds the whole record as validated."""
    ahead = it.sub.presigned
    if ahead is not None:
        content: dict[str, object] = orjson.loads(ahead.content)
        content.pop("code", None)
        return content
    assert it.record is not None
    return it.record.content()


def store_documents(
    conn: sa.Connection,
    evidence: Evidence,
    docs: list[dict[str, Any]],
    issued: list[Item],
    actor: str,
    now: datetime,
) -> None:
    """Insert ``docs`` (one per item of ``issued``, in order) and their first versions, set
    each item's ``document_id`` and ``code``, and sign and log the versions."""
    if not docs:
        return
    _redraw_taken_codes(conn, docs, now)
    insert_many(conn, t.documents, docs)
    for it, doc in zip(issued, docs, strict=True):
        it.document_id, it.code = doc["id"], doc["code"]
    versions: list[dict[str, Any]] = []
    to_sign: list[VersionToSign] = []
    made: list[MadeVersion] = []
    version_ids = take_ids(conn, t.document_versions, len(docs))
    for it, doc, version_id in zip(issued, docs, version_ids, strict=True):
        assert it.record is not None
        ahead = made_ahead(it, now, doc["code"])
        content: dict[str, object] | JsonText
        if ahead is not None:
            content = JsonText(ahead.content)  # already JSON: written as it is
            made.append(MadeVersion(version_id, ahead.code, 1, ahead.made, ahead.leaf_input))
        else:
            content = record_content(it)
            content["code"] = doc["code"]
            to_sign.append(VersionToSign(version_id, doc["code"], 1, content, doc["salt"]))
        versions.append(
            {
                "id": version_id,
                "document_id": it.document_id,
                "version": 1,
                "content": content,
                "reason": "issued",
                "created_at": now,
                "created_by": actor,
            }
        )
    insert_many(conn, t.document_versions, versions)
    evidence.sign_versions(conn, to_sign, now, made_ahead=made)


def _redraw_taken_codes(conn: sa.Connection, docs: list[dict[str, Any]], now: datetime) -> None:
    """Draw again every code of ``docs`` already stored or repeated among them, until none is."""
    while True:
        taken: set[str] = set()
        for chunk in chunks([d["code"] for d in docs]):
            taken.update(
                conn.execute(
                    sa.select(t.documents.c.code).where(t.documents.c.code.in_(VALUES)),
                    {"values": list(chunk)},
                ).scalars()
            )
        if len({d["code"] for d in docs}) < len(docs):
            seen: set[str] = set()
            for d in docs:
                if d["code"] in seen:
                    taken.add(d["code"])
                seen.add(d["code"])
        if not taken:
            break
        for d in docs:
            if d["code"] in taken:
                d["code"] = new_code(d["institution"], d["kind"], now)
