"""The pure, heavy half of a large import in worker processes, so every core works.

Reading a row into a validated record (core/record.py) and signing the versions a batch
issues (the signature, the CBOR and the record's canonical JSON it covers, the seal, the log
entry) need no database and are most of the CPU time of a backfill. The main process keeps
everything that must happen in order in one transaction — the ladder, the writes, the log —
and hands the pure work to a pool:

- each batch is prepared a batch or two ahead: while the main process writes batch *k*, the
  workers validate batch *k + 1* and make each valid record's first version ahead, code,
  salt, signature and all (services/presigned.py), for the time batch *k + 1* will carry;
- other versions a batch issues (waiting documents whose prior has arrived) are signed in
  as many slices as there are workers.

A worker imports no database code (services/signing.py signs without it): each is a
process of its own, and what it does not import it does not hold in memory.

Workers are started with ``spawn`` (never ``fork``): the server imports over the API
beside request threads, and a forked child would inherit their locks; and without
re-importing the command line (spawning.py). Each worker gets the key store (its directory
and derived keys, not unsealed keys: keystore.py) and the reference data once, at start.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime

from sehat.core.record import check_record
from sehat.importer.garbage import BatchCollection
from sehat.keystore import KeyStore
from sehat.reference.models import Reference
from sehat.services.presigned import Presigned, presign_all
from sehat.services.signing import SignedVersion, Signer, VersionToSign
from sehat.services.submissions import Checked
from sehat.spawning import spawned_without_main

# A record as a worker prepared it: validated, and when valid its first version made ahead
# (the record itself then without its courses: the version's content holds them).
Prepared = tuple[Checked, Presigned | None]

# Below this many versions a batch is signed in the main process: the round trip to the
# workers would cost more than it saves.
SIGN_IN_POOL_FROM = 64

_worker: Signer | None = None  # each worker process's own signer
_collection = BatchCollection()  # a worker process is the import's alone


def _start(keystore: KeyStore, reference: Reference, issuer: str) -> None:
    global _worker
    _worker = Signer(keystore, reference, issuer)
    _collection.__enter__()  # for the life of the process
    # A worker ends with the import that started it, even one killed with SIGKILL (which
    # leaves the pool no chance to stop it): it watches its parent's sentinel.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _prepare(raws: Sequence[Mapping[str, object]], at: datetime) -> list[Prepared]:
    assert _worker is not None
    out: list[Prepared] = []
    today = at.date()
    # The whole batch validated, then signed: one kind of work at a time takes an eighth less
    # time than the two taking turns row by row (measured in one process: 162 against 186 µs
    # a row; the processor's caches, it seems, then hold one's code and data, not both).
    checked = [check_record(raw, _worker.reference, today) for raw in raws]
    made = iter(presign_all(_worker, [r for r, _ in checked if r is not None], at))
    for record, problems in checked:
        ahead = None
        if record is not None:
            ahead = next(made)
            # The transcript travels once, in the content made ahead (presigned.py).
            record = record.without_courses()
        out.append(((record, tuple(problems)), ahead))
    _collection.batch_done()
    return out


def _sign(versions: Sequence[VersionToSign], issued_at: int) -> list[SignedVersion]:
    assert _worker is not None
    made = _worker.sign_all(versions, issued_at)
    _collection.batch_done()
    return made


def default_workers() -> int:
    """As many workers as the machine has cores (the main process mostly waits on I/O)."""
    return max(1, min(8, os.cpu_count() or 1))


class Workers:
    """A pool of worker processes for one import (a context manager)."""

    def __init__(self, evidence: Signer, processes: int) -> None:
        self.processes = processes
        self._pool = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(evidence.keystore, evidence.reference, evidence.issuer),
        )

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def prepare(self, raws: Sequence[Mapping[str, object]], at: datetime) -> Future[list[Prepared]]:
        """Every record of a batch checked, and each valid one's first version made ahead
        for a batch written at ``at`` (services/presigned.py); in order, as a future (the
        caller goes on)."""
        with spawned_without_main():  # a worker may be started by this submit
            return self._pool.submit(_prepare, list(raws), at)

    def sign(self, versions: Sequence[VersionToSign], issued_at: int) -> list[SignedVersion]:
        """:meth:`Signer.sign_all` of ``versions`` in as many slices as there are workers."""
        size = -(-len(versions) // self.processes)
        with spawned_without_main():
            parts = [
                self._pool.submit(_sign, list(versions[i : i + size]), issued_at)
                for i in range(0, len(versions), size)
            ]
        return [made for part in parts for made in part.result()]
