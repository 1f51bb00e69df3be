"""Issuing: decide ISSUED / PENDING_PRIOR / REJECTED and store every graduation with its
decision (DESIGN §3), sign and log what is issued (DESIGN §4).

The pipeline, one file per step (issuer.py runs them in order):
intake → persons → decide (named_prior) → submission_rows → new_documents → results.
What callers use is exported here.
"""

from sehat.services.issuance.issuer import MAX_BATCH, Issuer
from sehat.services.issuance.results import SubmissionResult, get_submission
from sehat.services.submissions import Submission

__all__ = ["MAX_BATCH", "Issuer", "Submission", "SubmissionResult", "get_submission"]
