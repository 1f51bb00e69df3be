"""The QR text on every document (DESIGN §4): ``SEHAT1:`` + base45(zlib(COSE_Sign1)).

Pure: values in, text out; text and trusted keys in, a verified document out. The layers are
RFC 9285 base45, RFC 1950 zlib, RFC 9052 COSE_Sign1 (``sehat.core.cose``) and RFC 8392 CWT
claims ``{1: issuer, 6: issued-at, "acd": document}``; docs/adr/0003-qr-format.md walks
through the bytes, docs/adr/0008-one-signature-per-version.md adds key 12.

Errors::

    QrFormatError (InputError)      the text is not a QR container at all
    ├── QrPrefixError               it does not start with the prefix
    ├── QrBase45Error               a character or length that base45 does not allow
    ├── QrCompressionError          not a complete zlib stream
    └── QrSizeError                 longer, or inflating to more, than the limit
    QrContentError (InputError)     a document that cannot be put in a QR (encoding side)
    CoseError (VerificationError)   from ``sehat.core.cose``: structure, alg, kid, signature
    QrClaimsError (VerificationError) signed claims that are not a Sehat document
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, TypeVar, cast

import base45
import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sehat.core.code import AuthCode
from sehat.core.cose import CoseStructureError, decode1, loads_exact, sign1, verify1
from sehat.core.record_hash import SIZE as RECORD_HASH_SIZE
from sehat.errors import InputError, Problem, VerificationError

PREFIX: Final = "SEHAT1:"
# A typical degree's COSE_Sign1 is about 300 bytes; the largest QR (version 40) carries
# about 2,900 bytes. Inflating stops past this many bytes, whatever the stream says.
MAX_COSE_SIZE: Final = 8192
ZLIB_LEVEL: Final = 9
CLAIM_ISSUER: Final = 1  # RFC 8392 §3.1.1 iss
CLAIM_ISSUED_AT: Final = 6  # RFC 8392 §3.1.6 iat
CLAIM_DOCUMENT: Final = "acd"
KEY_RECORD_HASH: Final = 12  # in "acd": the record's salted hash (ADR 0008)

# RFC 9285 §4: the 45 characters, valued 0-44; every other byte maps to 0xFF.
_B45_VALUES: Final = bytes(
    base45.BASE45_CHARSET.index(chr(b)) if chr(b) in base45.BASE45_CHARSET else 0xFF
    for b in range(256)
)
_FIX_QR = (
    "scan the QR again, or ask the registry for a fresh copy of the document's QR",
    "کد QR را دوباره بخوانید یا نسخه تازه کد QR مدرک را از سامانه بگیرید",
)


@dataclass(frozen=True, kw_only=True)
class QrDocument:
    """The document inside a QR, key by key as DESIGN §4 fixes them ("acd" map)."""

    code: AuthCode  # 1
    version: int  # 2
    holder_name: str  # 3, Persian
    holder_name_latin: str | None = None  # 4
    birth_date: date  # 5, Gregorian
    kind: int  # 6
    institution: str  # 7, domain + institution, 5 digits
    field_of_study: str  # 8, Persian
    isced_code: str | None = None  # 9, ISCED-F 2013
    graduation_date: date  # 10, Gregorian
    seminary_level: int | None = None  # 11
    # 12: the salted hash (SHA-256, 28 bytes) of the whole stored record
    # (``sehat.core.record_hash``), in the QRs of versions signed since ADR 0008; absent
    # from older ones.
    record_hash: bytes | None = None


@dataclass(frozen=True)
class QrContents:
    """What a QR says, read without checking its signature."""

    document: QrDocument
    issuer: str
    issued_at: int
    kid: bytes | None
    cose: bytes


@dataclass(frozen=True)
class VerifiedQr(QrContents):
    """What a QR says, its signature verified under the trusted key ``kid``."""


_C = TypeVar("_C", bound=QrContents)


class QrFormatError(InputError):
    """The text is not a Sehat QR container."""


class QrPrefixError(QrFormatError):
    """The text does not start with the expected prefix."""


class QrBase45Error(QrFormatError):
    """A character or a length that base45 (RFC 9285) does not allow."""


class QrCompressionError(QrFormatError):
    """The decoded bytes are not one complete zlib stream (RFC 1950)."""


class QrSizeError(QrFormatError):
    """The text is too long, or inflates to more than the limit (a zip bomb)."""


class QrContentError(InputError):
    """A document, issuer or time that cannot be put in a QR."""


class QrClaimsError(VerificationError):
    """Signed claims that are not a Sehat document; ``problems`` lists each one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            "the signed QR content is not a Sehat document: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems),
            "محتوای امضاشده QR مدرک صحت نیست: "
            + "؛ ".join(f"{p.field}: {p.message_fa}" for p in problems),
        )
        self.problems = problems


def _format(
    cls: type[QrFormatError], message: str, message_fa: str, position: int | None = None
) -> QrFormatError:
    return cls(Problem("qr", message, message_fa, *_FIX_QR, position))


def base45_decode(text: str, *, offset: int = 1) -> bytes:
    """RFC 9285 §4.2 base45 decoding.

    Args:
        text: base45 characters only.
        offset: the 1-based position of ``text[0]`` in what the user gave, for errors.

    Raises:
        QrBase45Error: a character outside the alphabet, a dangling character, or a group
            worth more than its bytes hold; ``position`` says where.
    """
    try:
        values = text.encode("ascii").translate(_B45_VALUES)
        bad = values.find(0xFF)
    except UnicodeEncodeError as exc:
        values, bad = b"", exc.start
    if bad >= 0:
        where = f"{bad + offset} ({text[bad]!r})"
        raise _format(
            QrBase45Error,
            f"character {where} is not one of the 45 base45 characters",
            f"نویسه {where} از ۴۵ نویسه base45 نیست",
            bad + offset,
        )
    full, rest = divmod(len(values), 3)
    if rest == 1:
        raise _format(
            QrBase45Error,
            f"{len(values)} base45 characters leave one over (groups of 3, a last one of 2)",
            f"{len(values)} نویسه base45 یکی اضافه دارد (گروه‌های سه‌تایی، آخری دوتایی)",
            len(text) + offset - 1,
        )
    # Group c d e is the number c + 45d + 45²e, written as 2 big-endian bytes. All groups are
    # computed at once in 3-byte lanes of big integers: the base45 package's Python loop would
    # cost as much as the signature check.
    lanes, size = full + (1 if rest else 0), 3 * (full + (1 if rest else 0))
    c = bytearray(size)
    c[2::3] = values[0::3]
    d = bytearray(size)
    d[2::3] = values[1::3]
    e = bytearray(size)
    e[2 : 3 * full : 3] = values[2::3]
    total = (int.from_bytes(c) + 45 * int.from_bytes(d) + 2025 * int.from_bytes(e)).to_bytes(size)
    # A group of 3 is at most 0xFFFF, a last group of 2 at most 0xFF (RFC 9285 §4.2).
    if total[0::3].count(0) != lanes or (rest and total[-2]):
        high = total[0::3]
        group = len(high) - len(high.lstrip(b"\0")) if high.count(0) != lanes else lanes - 1
        at = 3 * group + offset
        raise _format(
            QrBase45Error,
            f"the base45 group at character {at} stands for a number too large for its bytes",
            f"گروه base45 در نویسه {at} عددی بزرگ‌تر از گنجایش بایت‌هایش است",
            at,
        )
    out = bytearray(2 * full + (1 if rest else 0))
    out[0 : 2 * full : 2] = total[1 : 3 * full : 3]
    out[1::2] = total[2 : 3 * full : 3]
    if rest:
        out[-1] = total[-1]
    return bytes(out)


def _inflate(data: bytes, max_size: int) -> bytes:
    """RFC 1950 zlib decompression that never produces more than ``max_size`` bytes."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_size + 1)
    except zlib.error as exc:
        raise _format(
            QrCompressionError,
            f"the decoded bytes are not zlib-compressed ({exc})",
            f"بایت‌های رمزگشایی‌شده با zlib فشرده نشده‌اند ({exc})",
        ) from exc
    if len(out) > max_size:
        raise _format(
            QrSizeError,
            f"the content inflates to more than {max_size} bytes; a Sehat QR holds far less",
            f"محتوا به بیش از {max_size} بایت باز می‌شود؛ QR صحت بسیار کمتر دارد",
        )
    if not inflater.eof:
        raise _format(
            QrCompressionError, "the zlib data ends early", "داده zlib پیش از پایان قطع شده است"
        )
    if inflater.unused_data:
        raise _format(
            QrCompressionError, "bytes follow the zlib data", "پس از داده zlib بایت اضافه هست"
        )
    return out


def base45_encode(data: bytes) -> str:
    """RFC 9285 §4 base45 encoding (by the base45 package)."""
    encoded: bytes = base45.b45encode(data)
    return encoded.decode("ascii")


def make_container(cose: bytes, prefix: str = PREFIX) -> str:
    """``prefix`` + base45(zlib(cose)), zlib at level 9 (DESIGN §4)."""
    return prefix + base45_encode(zlib.compress(cose, ZLIB_LEVEL))


def open_container(text: str, prefix: str = PREFIX, *, max_size: int = MAX_COSE_SIZE) -> bytes:
    """The COSE bytes inside ``prefix`` + base45(zlib(...)), with no signature check.

    Args:
        text: the QR text, as scanned (a trailing line break is ignored).
        prefix: the container's prefix (``SEHAT1:``; ``HC1:`` for EU DCC test data).
        max_size: the most bytes inflating may produce.

    Raises:
        QrPrefixError, QrBase45Error, QrCompressionError, QrSizeError.
    """
    text = text.rstrip("\r\n")
    if not text.startswith(prefix):
        found = text[: len(prefix)]
        raise _format(
            QrPrefixError,
            f"the text starts with {found!r}, not {prefix!r}: it is not this kind of QR",
            f"متن با {found!r} شروع می‌شود، نه {prefix!r}: این نوع کد QR نیست",
            1,
        )
    body = text[len(prefix) :]
    # base45 takes 1.5 characters a byte and zlib adds little: twice the limit is generous.
    if len(body) > 2 * max_size:
        limit = 2 * max_size + len(prefix)
        raise _format(
            QrSizeError,
            f"the text has {len(text)} characters; at most {limit} fit",
            f"متن {len(text)} نویسه دارد؛ حداکثر {limit} جا دارد",
        )
    return _inflate(base45_decode(body, offset=len(prefix) + 1), max_size)


def _matching(pattern: str, then: Callable[[str], object] = str) -> Callable[[object], object]:
    regex = re.compile(pattern)  # [0-9] matches ASCII digits only, unlike \d

    def read(value: object) -> object:
        if not isinstance(value, str) or not regex.fullmatch(value):
            return None
        try:
            return then(value)
        except ValueError:  # e.g. 2023-02-30
            return None

    return read


def _uint(low: int, high: int | None = None) -> Callable[[object], object]:
    def read(value: object) -> object:
        ok = type(value) is int and value >= low and (high is None or value <= high)
        return value if ok else None

    return read


def _bytes(size: int) -> Callable[[object], object]:
    def read(value: object) -> object:
        return value if type(value) is bytes and len(value) == size else None

    return read


def _text(value: object) -> object:
    return value if isinstance(value, str) and value.strip() else None


def _checked_code(code: str) -> object:
    # ISO 7064 MOD 97-10 validity, DESIGN §2: the 20-digit number mod 97 is 1. Written out
    # because stdnum's is_valid costs a third of the whole decoding; a test compares the two.
    return code if int(code) % 97 == 1 else None


@dataclass(frozen=True)
class _Field:
    attr: str  # the QrDocument attribute
    read: Callable[[object], object]  # the value to store, or None when not acceptable
    expected: str
    expected_fa: str
    optional: bool = False


_TEXT = ("non-empty text", "متن ناتهی")
_DATE = ("a date YYYY-MM-DD", "تاریخ به شکل YYYY-MM-DD")
_HASH = ("a byte string of 28 bytes", "رشته بایتی ۲۸ بایتی")
# date.fromisoformat alone also takes "20240131" and week dates; DESIGN §4 says YYYY-MM-DD.
_DATE_READER = _matching("[0-9]{4}-[0-9]{2}-[0-9]{2}", date.fromisoformat)
_IAT_READER = _uint(0)
_ABSENT = object()
# DESIGN §4: the "acd" map, key by key (key 12: docs/adr/0008-one-signature-per-version.md).
_CODE_DIGITS = re.compile("[0-9]{20}")
_INSTITUTION_DIGITS = re.compile("[1-9][0-9]{4}")
_ISCED_DIGITS = re.compile("[0-9]{2,4}")
_CODE = _matching(_CODE_DIGITS.pattern, _checked_code)
_INSTITUTION = _matching(_INSTITUTION_DIGITS.pattern)
_ISCED = _matching(_ISCED_DIGITS.pattern)
_FIELDS: Final = {
    1: _Field("code", _CODE, "20 ASCII digits, valid check digits", "۲۰ رقم، رقم کنترلی درست"),
    2: _Field("version", _uint(1), "an integer ≥ 1", "عدد صحیح ≥ ۱"),
    3: _Field("holder_name", _text, *_TEXT),
    4: _Field("holder_name_latin", _text, *_TEXT, optional=True),
    5: _Field("birth_date", _DATE_READER, *_DATE),
    6: _Field("kind", _uint(1, 9), "an integer 1-9", "عدد صحیح ۱ تا ۹"),
    7: _Field("institution", _INSTITUTION, "5 ASCII digits, not 0 first", "۵ رقم، اولی غیر ۰"),
    8: _Field("field_of_study", _text, *_TEXT),
    9: _Field("isced_code", _ISCED, "2-4 ASCII digits", "۲ تا ۴ رقم", optional=True),
    10: _Field("graduation_date", _DATE_READER, *_DATE),
    11: _Field("seminary_level", _uint(1, 4), "an integer 1-4", "عدد صحیح ۱ تا ۴", optional=True),
    KEY_RECORD_HASH: _Field("record_hash", _bytes(RECORD_HASH_SIZE), *_HASH, optional=True),
}


def document_map(doc: QrDocument) -> dict[int, object]:
    """The "acd" map of DESIGN §4; absent optional fields are left out."""
    out: dict[int, object] = {}
    for key, spec in _FIELDS.items():
        value = getattr(doc, spec.attr)
        if value is not None:
            out[key] = value.isoformat() if isinstance(value, date) else value
    return out


def _read_claims(claims: object) -> tuple[QrDocument | None, list[Problem]]:
    """The document in CWT claims, or every problem found in them."""
    if not isinstance(claims, dict):
        return None, [Problem("claims", "expected a CBOR map", "انتظار نقشه CBOR")]
    problems = []
    if _text(claims.get(CLAIM_ISSUER)) is None:
        problems.append(Problem("claims.1 (iss)", "expected non-empty text", "انتظار متن ناتهی"))
    if _IAT_READER(claims.get(CLAIM_ISSUED_AT)) is None:
        problems.append(Problem("claims.6 (iat)", "expected an integer ≥ 0", "انتظار عدد صحیح ≥ ۰"))
    acd = claims.get(CLAIM_DOCUMENT)
    if not isinstance(acd, dict):
        return None, [*problems, Problem("claims.acd", "expected a map", "انتظار نقشه")]
    values: dict[str, object] = {}
    for key, spec in _FIELDS.items():
        raw = acd.get(key, _ABSENT)
        value = None if raw is _ABSENT else spec.read(raw)
        if value is not None:
            values[spec.attr] = value
        elif raw is not _ABSENT or not spec.optional:
            found = "nothing" if raw is _ABSENT else repr(raw)[:40]
            problems.append(
                Problem(
                    f"acd.{key} ({spec.attr})",
                    f"expected {spec.expected}, found {found}",
                    f"انتظار {spec.expected_fa}، یافت‌شده {found}",
                )
            )
    return (None if problems else QrDocument(**values)), problems  # type: ignore[arg-type]


def _readable(doc: QrDocument, issuer: str, issued_at: int) -> bool:
    """Whether a verifier reads ``doc``'s claims (:func:`_read_claims`) without a problem,
    decided on the typed fields: stricter than it, never laxer (a test checks that whatever
    passes here passes there), and a fraction of its cost when signing every row of an
    import. Exact types throughout: a bool is no integer here, a datetime no date."""
    return (
        type(issuer) is str
        and bool(issuer.strip())
        and type(issued_at) is int
        and issued_at >= 0
        and type(doc.code) is str
        and _CODE_DIGITS.fullmatch(doc.code) is not None
        and _checked_code(doc.code) is not None
        and type(doc.version) is int
        and doc.version >= 1
        and type(doc.holder_name) is str
        and bool(doc.holder_name.strip())
        and (
            doc.holder_name_latin is None
            or (type(doc.holder_name_latin) is str and bool(doc.holder_name_latin.strip()))
        )
        and type(doc.birth_date) is date
        and type(doc.kind) is int
        and 1 <= doc.kind <= 9
        and type(doc.institution) is str
        and _INSTITUTION_DIGITS.fullmatch(doc.institution) is not None
        and type(doc.field_of_study) is str
        and bool(doc.field_of_study.strip())
        and (
            doc.isced_code is None
            or (type(doc.isced_code) is str and _ISCED_DIGITS.fullmatch(doc.isced_code) is not None)
        )
        and type(doc.graduation_date) is date
        and (
            doc.seminary_level is None
            or (type(doc.seminary_level) is int and 1 <= doc.seminary_level <= 4)
        )
        and (
            doc.record_hash is None
            or (type(doc.record_hash) is bytes and len(doc.record_hash) == RECORD_HASH_SIZE)
        )
    )


def claims_payload(doc: QrDocument, issuer: str, issued_at: int) -> bytes:
    """The CWT claims of a QR as deterministic CBOR (RFC 8949 §4.2): what gets signed.

    Raises:
        QrContentError: a field that a verifier would refuse.
    """
    claims = {CLAIM_ISSUER: issuer, CLAIM_ISSUED_AT: issued_at, CLAIM_DOCUMENT: document_map(doc)}
    if not _readable(doc, issuer, issued_at):
        problems = _read_claims(claims)[1]
        if problems:
            raise QrContentError(problems)
        return cbor2.dumps(claims, canonical=True)
    # Readable claims hold text, integers and bytes only, under keys already in the
    # deterministic order (1, 6, "acd"; "acd" keys 1-12 ascending): cbor2 writes the same
    # bytes without sorting them again (a test compares).
    return cbor2.dumps(claims)


def encode_qr(
    doc: QrDocument,
    issuer: str,
    issued_at: int,
    private_key: Ed25519PrivateKey,
    kid: bytes,
) -> str:
    """The signed QR text of a document version.

    Args:
        doc: the document version.
        issuer: the issuer id (CWT claim 1).
        issued_at: seconds since 1970 (CWT claim 6), from the caller's clock.
        private_key: the issuing key of the document's domain.
        kid: that key's id (``cose.kid_for``).

    Raises:
        QrContentError: a field that a verifier would refuse.
    """
    return make_container(sign1(claims_payload(doc, issuer, issued_at), private_key, kid))


def _contents(kind: type[_C], cose: bytes, payload: bytes, kid: bytes | None) -> _C:
    try:
        claims = loads_exact(payload, "payload", "محتوا")
    except CoseStructureError as exc:
        problem = Problem("claims", "expected one CBOR data item", "انتظار یک داده CBOR")
        raise QrClaimsError([problem]) from exc
    doc, problems = _read_claims(claims)
    if doc is None:
        raise QrClaimsError(problems)
    claims = cast(dict[object, object], claims)
    issued_at = cast(int, claims[CLAIM_ISSUED_AT])
    return kind(doc, cast(str, claims[CLAIM_ISSUER]), issued_at, kid, cose)


def decode_qr(
    text: str,
    public_keys: Mapping[bytes, Ed25519PublicKey],
    *,
    max_size: int = MAX_COSE_SIZE,
) -> VerifiedQr:
    """Read a QR text and verify its signature with the trusted key its kid names.

    Args:
        text: the QR text.
        public_keys: trusted Ed25519 keys by key id (from the trust list).
        max_size: the most bytes the COSE message may inflate to.

    Raises:
        QrFormatError: the container (prefix, base45, zlib, size).
        CoseError: the COSE_Sign1 structure, algorithm, key id or signature.
        QrClaimsError: signed claims that are not a Sehat document.
    """
    cose = open_container(text, max_size=max_size)
    verified = verify1(cose, public_keys)
    return _contents(VerifiedQr, cose, verified.payload, verified.kid)


def decode_qr_unverified(text: str, *, max_size: int = MAX_COSE_SIZE) -> QrContents:
    """Read a QR text WITHOUT checking its signature: for display and diagnosis only.

    Raises:
        QrFormatError, CoseStructureError, QrClaimsError.
    """
    cose = open_container(text, max_size=max_size)
    decoded = decode1(cose)
    return _contents(QrContents, cose, decoded.payload, decoded.kid)
