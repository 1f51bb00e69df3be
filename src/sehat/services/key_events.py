"""Key events in the transparency log (DESIGN §4): every key made, rotated or revoked is a leaf,
so an auditor can tell which keys were trusted when, and a swapped key file shows."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import sqlalchemy as sa

from sehat.config import load_settings
from sehat.core.log_entry import Event, LogEvent, parse_leaf
from sehat.keystore import KeyRecord, KeyStore, resolve_kek
from sehat.services import transparency
from sehat.store import schema as t
from sehat.store.db import make_engine
from sehat.store.tx import in_transaction


def key_facts(key: KeyRecord) -> dict[str, object]:
    """What the log publishes about a key."""
    return {
        "kid": key.kid,
        "purpose": key.purpose.value,
        "domain": key.domain,
        "public_key": base64.urlsafe_b64encode(key.public).rstrip(b"=").decode(),
        "status": key.status.value,
        "valid_from": key.valid_from.isoformat(),
        "valid_until": key.valid_until.isoformat(),
    }


def logged_keys(conn: sa.Connection) -> dict[tuple[str, str], dict[str, object]]:
    """(kid, status) → the logged facts, for every key event in the log."""
    e = t.log_entries.c
    out: dict[tuple[str, str], dict[str, object]] = {}
    # Through the partial index of key events (store/schema.py), not a scan of every leaf.
    query = sa.select(e.leaf_input).where(sa.text(t.KEY_EVENTS)).order_by(e.idx)
    for (leaf,) in conn.execute(query):
        key = parse_leaf(bytes(leaf)).get("key")
        if isinstance(key, dict):
            out[(str(key["kid"]), str(key["status"]))] = key
    return out


def sync_key_events(conn: sa.Connection, keystore: KeyStore, now: datetime) -> int:
    """Log every key state not logged yet; returns how many events were added."""
    have = logged_keys(conn)
    events = [
        LogEvent(Event.KEY, now, kid=key.kid, key=key_facts(key))
        for key in keystore.all()
        if (key.kid, key.status.value) not in have
    ]
    transparency.append_events(conn, events, now)
    return len(events)


def log_key_changes() -> int:
    """After `sehat keys rotate|revoke`: log the changes in the configured database."""
    settings = load_settings()
    kek, _ = resolve_kek(settings.data_dir, settings.kek, production=settings.production)
    store = KeyStore(settings.data_dir / "keys", kek)
    engine = make_engine(settings.database_url)
    now = datetime.now(UTC)
    return in_transaction(engine, lambda conn: sync_key_events(conn, store, now))
