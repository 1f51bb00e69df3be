"""The audit (DESIGN §4, R16, R17): recompute everything from the log and the database and
name every mismatch — a changed field, a deleted or inserted row, a back-dated time, a
forged checkpoint, a swapped key.

It streams: the log is read in index order once, documents in id order once.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from sehat.core import merkle
from sehat.core.checkpoint import CheckpointError, open_checkpoint
from sehat.core.log_entry import Event, entry_time, parse_leaf
from sehat.core.note import NoteError, NoteVerifier
from sehat.errors import Mismatch
from sehat.keystore import KeyStore, Purpose
from sehat.reference.models import Reference
from sehat.services.evidence import check_version, verifying_keys
from sehat.services.key_events import key_facts
from sehat.services.signing import ISSUER, commitment
from sehat.store import schema as t

CLOCK_SLACK = timedelta(seconds=5)
# A transaction reads the clock when it starts and appends its leaves when it ends, after
# waiting for the log lock; concurrent transactions may therefore append leaves a little out
# of time order. Only a leaf dated well before its predecessor is back-dated.
REORDER_SLACK = timedelta(seconds=120)
STREAM = 5000


@dataclass
class AuditReport:
    """What the audit checked and every mismatch it found."""

    leaves: int = 0
    documents: int = 0
    versions: int = 0
    checkpoints: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def add(self, subject: str, what: str, expected: object = "", found: object = "") -> None:
        self.mismatches.append(Mismatch(subject, what, str(expected), str(found)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "leaves": self.leaves,
            "documents": self.documents,
            "versions": self.versions,
            "checkpoints": self.checkpoints,
            "mismatches": [
                {"subject": m.subject, "what": m.what, "expected": m.expected, "found": m.found}
                for m in self.mismatches
            ],
        }


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _stream(conn: sa.Connection, query: sa.Select[Any]) -> Iterator[Any]:
    yield from conn.execution_options(stream_results=True, yield_per=STREAM).execute(query)


@dataclass
class _LogFacts:
    roots: dict[int, bytes] = field(default_factory=dict)
    versions: dict[tuple[str, int], dict[str, object]] = field(default_factory=dict)
    status_events: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    keys: dict[str, dict[str, object]] = field(default_factory=dict)


def _audit_log(conn: sa.Connection, report: AuditReport, checkpoint_sizes: set[int]) -> _LogFacts:
    facts = _LogFacts()
    nodes = merkle.InMemoryNodes()
    expected = 0
    last_time: datetime | None = None
    e = t.log_entries.c
    for row in _stream(
        conn, sa.select(e.idx, e.leaf_input, e.event, e.code, e.version).order_by(e.idx)
    ):
        if row.idx != expected:
            subject = row.code or "log"
            if row.idx > expected:
                report.add(
                    subject,
                    f"log entries {expected}..{row.idx - 1} are missing (deleted)",
                    expected,
                    row.idx,
                )
            else:
                report.add(subject, "a log entry index appears twice", expected, row.idx)
            expected = row.idx
        leaf = bytes(row.leaf_input)
        nodes.extend([merkle.leaf_hash(leaf)])
        expected += 1
        try:
            entry = parse_leaf(leaf)
            when = entry_time(entry)
        except (ValueError, KeyError):
            report.add(
                row.code or f"leaf {row.idx}",
                "the leaf is not a valid log entry",
                "JCS JSON",
                leaf[:60],
            )
            continue
        code = entry.get("code")
        subject = str(code) if code else f"leaf {row.idx}"
        if (
            entry.get("event") != row.event
            or code != row.code
            or entry.get("version") != row.version
        ):
            report.add(
                subject,
                f"leaf {row.idx}: the indexed columns differ from the leaf",
                f"{entry.get('event')}/{code}/{entry.get('version')}",
                f"{row.event}/{row.code}/{row.version}",
            )
        if last_time is not None and when < last_time - REORDER_SLACK:
            report.add(
                subject,
                f"leaf {row.idx} is dated before the leaf preceding it (back-dated)",
                f">= {last_time.isoformat()}",
                when.isoformat(),
            )
        last_time = max(when, last_time) if last_time else when
        event = entry.get("event")
        if event in (Event.ISSUE.value, Event.CORRECT.value) and isinstance(code, str):
            facts.versions[(code, int(str(entry.get("version"))))] = entry | {"index": row.idx}
        elif event in (Event.REVOKE.value, Event.SUSPEND.value, Event.UNSUSPEND.value) and code:
            facts.status_events[str(code)].append(str(event))
        elif event == Event.KEY.value and isinstance(entry.get("key"), dict):
            key = entry["key"]
            assert isinstance(key, dict)
            facts.keys[f"{key['kid']}/{key['status']}"] = key
        if expected in checkpoint_sizes:
            facts.roots[expected] = merkle.root(expected, nodes)
    report.leaves = expected
    size = conn.execute(sa.select(t.log_state.c.size)).scalar()
    if size != expected:
        report.add(
            "log", "the recorded tree size differs from the number of leaves", expected, size
        )
    # Every stored node must be the node the leaves give.
    n = t.log_nodes.c
    for row in _stream(conn, sa.select(n.level, n.idx, n.hash).order_by(n.level, n.idx)):
        try:
            want = nodes.node(row.level, row.idx)
        except (IndexError, KeyError, ValueError):
            report.add("log", f"node ({row.level}, {row.idx}) has no leaves under it (inserted)")
            continue
        if bytes(row.hash) != want:
            report.add(
                "log",
                f"stored node ({row.level}, {row.idx}) differs from the leaves",
                want.hex(),
                bytes(row.hash).hex(),
            )
    return facts


def _audit_checkpoints(
    conn: sa.Connection, keystore: KeyStore, origin: str, facts: _LogFacts, report: AuditReport
) -> None:
    verifiers = [NoteVerifier(origin, k.public) for k in keystore.all() if k.purpose is Purpose.LOG]
    c = t.checkpoints.c
    for row in conn.execute(sa.select(c.size, c.root_hash, c.note).order_by(c.size)):
        report.checkpoints += 1
        subject = f"checkpoint {row.size}"
        try:
            checkpoint, _ = open_checkpoint(row.note, verifiers, origin=origin)
        except (NoteError, CheckpointError) as exc:
            report.add(subject, f"the signed note does not verify: {exc.message}")
            continue
        root = facts.roots.get(checkpoint.size)
        if checkpoint.size != row.size or root is None:
            report.add(
                subject,
                "the checkpoint's size is not a size of this log",
                row.size,
                checkpoint.size,
            )
        elif checkpoint.root_hash != root or bytes(row.root_hash) != root:
            report.add(
                subject,
                "the checkpoint's root differs from the tree the leaves give "
                "(the log was rewritten after it was signed)",
                base64.b64encode(root).decode(),
                base64.b64encode(checkpoint.root_hash).decode(),
            )


def _expected_status(events: list[str]) -> str:
    if Event.REVOKE.value in events:
        return "REVOKED"
    suspensions = [e for e in events if e in (Event.SUSPEND.value, Event.UNSUSPEND.value)]
    return "SUSPENDED" if suspensions and suspensions[-1] == Event.SUSPEND.value else "VALID"


def _audit_documents(
    conn: sa.Connection,
    keystore: KeyStore,
    reference: Reference,
    facts: _LogFacts,
    report: AuditReport,
) -> None:
    keys = verifying_keys(keystore)
    d, v, e = t.documents.c, t.document_versions.c, t.version_evidence.c
    seen: set[tuple[str, int]] = set()
    query = (
        sa.select(
            d.code,
            d.status,
            d.version.label("current"),
            d.salt,
            v.version,
            v.content,
            v.created_at,
            e.cose,
            e.content_signature,
            e.commitment,
            e.leaf_index,
            e.kid,
        )
        .select_from(
            t.documents.join(t.document_versions, v.document_id == d.id).outerjoin(
                t.version_evidence, e.version_id == v.id
            )
        )
        .order_by(d.id, v.version)
    )
    last_code, versions_of_doc = None, 0
    for row in _stream(conn, query):
        report.versions += 1
        if row.code != last_code:
            report.documents += 1
            last_code, versions_of_doc = row.code, 0
            expected_status = _expected_status(facts.status_events.get(row.code, []))
            if row.status != expected_status:
                report.add(
                    row.code,
                    "the status differs from the log's revoke/suspend events",
                    expected_status,
                    row.status,
                )
        versions_of_doc += 1
        seen.add((row.code, row.version))
        if row.version != versions_of_doc:
            report.add(row.code, "a version is missing (deleted)", versions_of_doc, row.version)
            versions_of_doc = row.version
        if row.cose is None:
            report.add(
                row.code,
                f"version {row.version} has no signature or log leaf (inserted "
                "outside the registry)",
            )
            continue
        signed = bytes(row.cose)
        content_signature = bytes(row.content_signature)
        salt = bytes(row.salt)
        problem = check_version(
            signed,
            content_signature,
            row.content,
            row.version,
            reference,
            keys,
            ISSUER,
            salt=salt,
        )
        if problem is not None:
            report.add(row.code, f"version {row.version}: {problem} (a changed field)")
        leaf = facts.versions.get((row.code, row.version))
        digest = commitment(salt, signed, content_signature)
        if leaf is None:
            report.add(row.code, f"version {row.version} has no leaf in the log (inserted)")
            continue
        if leaf.get("index") != row.leaf_index:
            report.add(
                row.code,
                f"version {row.version}: evidence points at another leaf",
                leaf.get("index"),
                row.leaf_index,
            )
        if (
            leaf.get("commitment") != base64.b64encode(digest).decode()
            or bytes(row.commitment) != digest
        ):
            report.add(
                row.code,
                f"version {row.version}: the log's commitment does not match the "
                "signed version (salt, signature or content changed)",
            )
        if leaf.get("kid") != row.kid:
            report.add(
                row.code,
                f"version {row.version}: signing key differs from the log",
                leaf.get("kid"),
                row.kid,
            )
        logged = entry_time(leaf)
        created = _aware(row.created_at)
        if abs(created - logged) > CLOCK_SLACK:
            report.add(
                row.code,
                f"version {row.version}: its time differs from the log's (back-dated)",
                logged.isoformat(),
                created.isoformat(),
            )
    for code, version in sorted(set(facts.versions) - seen):
        report.add(code, f"the log records version {version} but the database has none (deleted)")


def _audit_keys(keystore: KeyStore, facts: _LogFacts, report: AuditReport) -> None:
    for key in keystore.all():
        logged = facts.keys.get(f"{key.kid}/{key.status.value}")
        if logged is None:
            report.add(
                f"key {key.kid}",
                "the key's current state was never logged",
                key.status.value,
                "not in the log",
            )
        elif logged.get("public_key") != key_facts(key)["public_key"]:
            report.add(
                f"key {key.kid}",
                "the key file's public key differs from the logged one",
                logged.get("public_key"),
                key_facts(key)["public_key"],
            )


def run_audit(
    conn: sa.Connection, keystore: KeyStore, reference: Reference, origin: str
) -> AuditReport:
    """Check the log, its checkpoints, every document version and every key."""
    report = AuditReport()
    sizes = set(conn.execute(sa.select(t.checkpoints.c.size)).scalars())
    facts = _audit_log(conn, report, sizes)
    _audit_checkpoints(conn, keystore, origin, facts, report)
    _audit_documents(conn, keystore, reference, facts, report)
    _audit_keys(keystore, facts, report)
    return report
