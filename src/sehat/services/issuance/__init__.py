"""Issuing: store every graduation first, then decide ISSUED / PENDING_PRIOR / REJECTED
(DESIGN §3), sign and log what is issued (DESIGN §4).

The pipeline, one file per step (issuer.py runs them in order):
intake → persons → submission_rows → decide (named_prior) → new_documents → results.
What callers use is exported here.
"""

from sehat.services.issuance.issuer import MAX_BATCH, Issuer
from sehat.services.issuance.results import SubmissionResult, get_submission
from sehat.services.submissions import Submission

__all__ = ["MAX_BATCH", "Issuer", "Submission", "SubmissionResult", "get_submission"]
