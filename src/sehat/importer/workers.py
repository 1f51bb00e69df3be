"""The pure, heavy half of a large import in worker processes, so every core works.

Reading a row into a validated record (core/record.py) and signing the versions a batch
issues (one Ed25519 signature, the CBOR it covers, the record's canonical JSON, the seal)
need no database and are most of the CPU time of a backfill. The main process keeps everything
that must happen in order in one transaction — the ladder, codes, the writes, the log —
and hands the pure work to a pool:

- validation runs one batch ahead: while the main process writes batch *k*, the workers
  validate batch *k + 1*;
- the versions of a batch are signed in as many slices as there are workers.

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
from datetime import date

from sehat.core.record import check_record
from sehat.keystore import KeyStore
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence, SignedVersion, VersionToSign
from sehat.services.submissions import Checked
from sehat.spawning import spawned_without_main

# Below this many versions a batch is signed in the main process: the round trip to the
# workers would cost more than it saves.
SIGN_IN_POOL_FROM = 64

_worker: Evidence | None = None  # each worker process's own signer


def _start(keystore: KeyStore, reference: Reference, issuer: str) -> None:
    global _worker
    _worker = Evidence(keystore, reference, issuer)
    # A worker ends with the import that started it, even one killed with SIGKILL (which
    # leaves the pool no chance to stop it): it watches its parent's sentinel.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _validate(raws: Sequence[Mapping[str, object]], today: date) -> list[Checked]:
    assert _worker is not None
    out: list[Checked] = []
    for raw in raws:
        record, problems = check_record(raw, _worker.reference, today)
        out.append((record, tuple(problems)))
    return out


def _sign(versions: Sequence[VersionToSign], issued_at: int) -> list[SignedVersion]:
    assert _worker is not None
    return _worker.sign_all(versions, issued_at)


def default_workers() -> int:
    """As many workers as the machine has cores (the main process mostly waits on I/O)."""
    return max(1, min(8, os.cpu_count() or 1))


class Workers:
    """A pool of worker processes for one import (a context manager)."""

    def __init__(self, evidence: Evidence, processes: int) -> None:
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

    def validate(self, raws: Sequence[Mapping[str, object]], today: date) -> Future[list[Checked]]:
        """Every record of a batch checked, in order (a future: the caller goes on)."""
        with spawned_without_main():  # a worker may be started by this submit
            return self._pool.submit(_validate, list(raws), today)

    def sign(self, versions: Sequence[VersionToSign], issued_at: int) -> list[SignedVersion]:
        """:meth:`Evidence.sign_all` of ``versions`` in as many slices as there are workers."""
        size = -(-len(versions) // self.processes)
        with spawned_without_main():
            parts = [
                self._pool.submit(_sign, list(versions[i : i + size]), issued_at)
                for i in range(0, len(versions), size)
            ]
        return [made for part in parts for made in part.result()]


class PooledEvidence(Evidence):
    """An :class:`Evidence` whose batches of versions are signed by the workers."""

    def __init__(self, evidence: Evidence, workers: Workers) -> None:
        super().__init__(evidence.keystore, evidence.reference, evidence.issuer)
        self._workers = workers

    def sign_all(self, versions: Sequence[VersionToSign], issued_at: int) -> list[SignedVersion]:
        if len(versions) < SIGN_IN_POOL_FROM:
            return super().sign_all(versions, issued_at)
        return self._workers.sign(versions, issued_at)
