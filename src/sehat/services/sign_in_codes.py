"""The demo's holder sign-in: a national ID, then a one-time code printed to the server's log.

Only where ``SEHAT_MODE`` is ``development`` or ``demo``: a production registry signs holders
in through the national single sign-on (docs/holders.md), and this door answers that it is
closed. The code stands in for the text message a real deployment would send.

- A code is six random digits, valid for :data:`LIFETIME`, used once; only a salted SHA-256
  of it is stored (``sign_in_codes``), beside the national ID it was asked for.
- :data:`MAX_ATTEMPTS` wrong codes end it; at most :data:`MAX_OPEN` codes are asked for one
  national ID within a lifetime (so the log cannot be flooded for one person).
- Any valid national ID may ask: the answer never says whether it holds documents.
- Redeemed, it makes (or reuses) the person's holder account and a holder token that
  expires with the page session; the pages keep that token in their session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from sehat.core.national_id import parse_national_id
from sehat.core.persian import normalize_digits_field, to_persian_digits
from sehat.errors import ConflictError, GoneError, InputError, Problem, SehatError
from sehat.services import accounts
from sehat.services.principal import Role
from sehat.store import schema as t

LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_OPEN = 3
DIGITS = 6
SESSION = timedelta(hours=8)
ACCOUNT_NAME = "holder (demo sign-in by national ID)"


@dataclass(frozen=True)
class Challenge:
    """A code asked for: its id (on the page, in a hidden field) and the code (to the log)."""

    challenge_id: str
    code: str
    expires_at: datetime


def _digest(challenge_id: str, code: str) -> str:
    # The challenge id salts the hash: equal codes of two challenges never hash alike.
    return hmac.new(challenge_id.encode(), code.encode(), hashlib.sha256).hexdigest()


def request_code(conn: sa.Connection, national_id: str, now: datetime) -> Challenge:
    """A new one-time code for ``national_id`` (InputError for an ID that cannot be one;
    ConflictError past :data:`MAX_OPEN` codes in a lifetime)."""
    wanted = str(parse_national_id(national_id))
    c = t.sign_in_codes.c
    recent = conn.execute(
        sa.select(sa.func.count())
        .select_from(t.sign_in_codes)
        .where(c.national_id == wanted, c.created_at > now - LIFETIME)
    ).scalar_one()
    if recent >= MAX_OPEN:
        minutes = int(LIFETIME.total_seconds() // 60)
        raise ConflictError(
            f"{MAX_OPEN} codes were asked for this national ID in the last {minutes} minutes; "
            "use the last one, or wait and ask again",
            f"در {to_persian_digits(str(minutes))} دقیقه گذشته {to_persian_digits(str(MAX_OPEN))} "
            "بار برای این کد ملی رمز یک‌بارمصرف خواسته شده "
            "است؛ آخرین رمز را به کار ببرید یا کمی بعد دوباره بخواهید",
        )
    challenge_id = str(uuid.uuid4())
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    expires = now + LIFETIME
    conn.execute(
        t.sign_in_codes.insert().values(
            public_id=challenge_id,
            national_id=wanted,
            code_hash=_digest(challenge_id, code),
            attempts=0,
            created_at=now,
            expires_at=expires,
        )
    )
    return Challenge(challenge_id, code, expires)


def _gone() -> GoneError:
    return GoneError(
        "this code has expired, was used, or had too many wrong tries; ask for a new one",
        "این رمز منقضی یا مصرف شده یا بیش از حد نادرست وارد شده است؛ رمز تازه بخواهید",
    )


def redeem(conn: sa.Connection, challenge_id: str, code: str, now: datetime) -> str | SehatError:
    """The holder token for a right code (used up); for a wrong one (its try counted, so the
    caller commits and then raises it) an InputError, and a GoneError for a code expired,
    used or tried :data:`MAX_ATTEMPTS` times."""
    c = t.sign_in_codes.c
    query = sa.select(t.sign_in_codes).where(c.public_id == challenge_id[:36])
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None or row.used_at is not None or row.attempts >= MAX_ATTEMPTS:
        return _gone()
    if row.expires_at <= now:
        return _gone()
    given = normalize_digits_field(code).strip().replace(" ", "")
    if not hmac.compare_digest(_digest(row.public_id, given), row.code_hash):
        attempts = row.attempts + 1
        conn.execute(t.sign_in_codes.update().where(c.id == row.id).values(attempts=attempts))
        left = MAX_ATTEMPTS - attempts
        if left <= 0:
            return _gone()
        return InputError(
            Problem(
                "code",
                f"this is not the code; {left} tries left",
                f"رمز درست نیست؛ {to_persian_digits(str(left))} بار دیگر می‌توانید امتحان کنید",
                "copy the six digits printed in the server's log",
                "شش رقمِ چاپ‌شده در لاگ سرور را وارد کنید",
            )
        )
    conn.execute(t.sign_in_codes.update().where(c.id == row.id).values(used_at=now))
    a = t.accounts.c
    account = conn.execute(
        sa.select(a.public_id)
        .where(a.role == Role.HOLDER.value, a.national_id == row.national_id, a.active)
        .order_by(a.id)
        .limit(1)
    ).scalar()
    if account is None:
        account = accounts.create_account(
            conn, Role.HOLDER, ACCOUNT_NAME, now, national_id=row.national_id
        )
    token, _ = accounts.create_token(
        conn, account, now, label="demo sign-in (web)", expires_at=now + SESSION
    )
    return token
