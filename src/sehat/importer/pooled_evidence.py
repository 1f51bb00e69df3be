"""An :class:`Evidence` that has the import's worker processes sign its larger batches of
versions (importer/workers.py): for the versions a batch issues that were not made ahead,
the documents that waited for a prior the batch brought."""

from __future__ import annotations

from collections.abc import Sequence

from sehat.importer.workers import SIGN_IN_POOL_FROM, Workers
from sehat.services.evidence import Evidence
from sehat.services.signing import SignedVersion, VersionToSign


class PooledEvidence(Evidence):
    """An :class:`Evidence` whose batches of versions are signed by the workers."""

    def __init__(self, evidence: Evidence, workers: Workers) -> None:
        super().__init__(evidence.keystore, evidence.reference, evidence.issuer)
        self._workers = workers

    def sign_all(self, versions: Sequence[VersionToSign], issued_at: int) -> list[SignedVersion]:
        if len(versions) < SIGN_IN_POOL_FROM:
            return super().sign_all(versions, issued_at)
        return self._workers.sign(versions, issued_at)
