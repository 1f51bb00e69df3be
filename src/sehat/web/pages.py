"""The pages (DESIGN §7 "Pages"): ``/`` public verification, ``/s/{token}`` a share link.

Each page calls the same services as the API and is written to the same access log. Forms
work without JavaScript; the national-ID step is a POST, so the ID never lands in a URL,
a server log or the browser's history.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.concurrency import run_in_threadpool

from sehat.api.deps import client_address, get_optional_principal
from sehat.api.runtime import runtime
from sehat.core.cose import CoseError
from sehat.core.jalali import to_jalali
from sehat.core.national_id import parse_national_id
from sehat.core.persian import to_persian_digits
from sehat.core.qr import QrClaimsError, QrFormatError, decode_qr
from sehat.errors import GoneError, IdCheckLimitError, InputError, NotFoundError, SehatError
from sehat.services import shares
from sehat.services.access_log import Channel
from sehat.services.id_checks import subjects_of
from sehat.services.verification import access_of, holder_check, look_up_with
from sehat.store.tx import in_transaction
from sehat.web.words import Lang, words

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# Personal answers are never kept by a browser or a proxy; pages never run in a frame.
NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def lang_of(request: Request) -> Lang:
    return "en" if request.query_params.get("lang") == "en" else "fa"


def _filters(lang: Lang) -> dict[str, Any]:
    def num(value: object) -> str:
        text = "" if value is None else str(value)
        if lang == "en":
            return text
        if text.replace(".", "", 1).isdigit():
            text = text.replace(".", "\u066b")  # the Persian decimal separator
        return to_persian_digits(text)

    said = words(lang)

    def word(value: object) -> str:
        """A stored code word (programme type, revocation reason) in the page's language."""
        return said.get(str(value), str(value)) if value else ""

    def code(value: object) -> str:
        text = str(value or "")
        grouped = (
            "-".join(text[i : i + 4] for i in range(0, len(text), 4)) if text.isdigit() else text
        )
        return num(grouped)

    def day(value: object) -> str:
        if not value:
            return ""
        try:
            d = date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        jalali = to_jalali(d)
        return to_persian_digits(jalali) if lang == "fa" else f"{jalali} ({d.isoformat()})"

    def when(value: object) -> str:
        if not value:
            return ""
        moment = datetime.fromisoformat(str(value))
        return f"{day(moment.date().isoformat())} {num(moment.strftime('%H:%M'))} UTC"

    return {"num": num, "code": code, "day": day, "when": when, "word": word}


_BY_LANG: dict[str, dict[str, Any]] = {lang: _filters(lang) for lang in ("fa", "en")}


def _in_page_language(name: str) -> Any:
    """A filter that formats in the language of the page being rendered (its ``lang``): one
    environment for every request, so concurrent pages never swap each other's filters."""

    @pass_context
    def apply(context: Any, value: object) -> str:
        return str(_BY_LANG[context.get("lang", "fa")][name](value))

    return apply


for _name in ("num", "code", "day", "when", "word"):
    templates.env.filters[_name] = _in_page_language(_name)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    query = dict(request.query_params)
    if lang == "en":
        query.pop("lang", None)
    else:
        query["lang"] = "en"
    switch = request.url.path + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )
    html = templates.env.get_template(name).render(
        request=request, lang=lang, w=words(lang), switch_href=switch, **context
    )
    headers = {**NO_STORE, "Content-Language": lang}
    return HTMLResponse(html, status_code=status, headers=headers)


@router.get("/", response_class=HTMLResponse)
async def verify_page(request: Request, code: str | None = None) -> HTMLResponse:
    """Type or paste a code; the public answer in plain words."""
    if not code or not code.strip():
        return render(request, "verify.html", answer=None, code="")
    state = runtime(request)
    found = await run_in_threadpool(
        look_up_with, state.public_read, state.reference, state.evidence, code[:80]
    )
    access = access_of(found, Channel.PUBLIC, None, datetime.now(UTC), None)
    if access is not None:
        state.access_buffer.add(access)
    return render(request, "verify.html", answer=found.answer, code=code)


@router.post("/", response_class=HTMLResponse)
def holder_page(
    request: Request, code: str = Form(max_length=80), national_id: str = Form(max_length=40)
) -> HTMLResponse:
    """The second step: the holder's national ID shows the details (DESIGN §5 limits apply)."""
    state = runtime(request)
    lang = lang_of(request)
    try:
        who = get_optional_principal(request)
        wanted = str(parse_national_id(national_id))
        subjects = subjects_of(who, client_address(request))
        answer = in_transaction(
            state.engine,
            lambda c: holder_check(
                c,
                state.reference,
                state.evidence,
                state.settings.id_checks,
                subjects,
                who,
                code,
                wanted,
                datetime.now(UTC),
            ),
        )
    except (InputError, IdCheckLimitError) as exc:
        message = exc.message_fa if lang == "fa" else exc.message
        found = look_up_with(state.public_read, state.reference, state.evidence, code)
        status = 429 if isinstance(exc, IdCheckLimitError) else 422
        return render(request, "verify.html", status, answer=found.answer, code=code, error=message)
    return render(request, "verify.html", answer=answer, code=code, checked=True)


@router.get("/s/{token}", response_class=HTMLResponse)
def share_page(request: Request, token: str) -> HTMLResponse:
    """What a holder's share link shows, as a page."""
    state = runtime(request)
    lang = lang_of(request)
    try:
        viewer = get_optional_principal(request)
        answer = in_transaction(
            state.engine,
            lambda c: shares.open_share(
                c, state.reference, state.evidence, token[:200], datetime.now(UTC), viewer
            ),
        )
    except GoneError:
        return render(request, "share.html", 410, answer=None, error=words(lang)["share_gone"])
    except NotFoundError:
        return render(request, "share.html", 404, answer=None, error=words(lang)["share_unknown"])
    except SehatError as exc:
        message = exc.message_fa if lang == "fa" else exc.message
        return render(request, "share.html", 400, answer=None, error=message)
    return render(request, "share.html", answer=answer, checked=False)


MAX_IMAGE = 8 * 1024 * 1024  # a phone photo


def _qr_texts(data: bytes) -> list[str]:
    """The texts of every QR code in an image (PNG, JPEG …); [] when none is found."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            found = zxingcpp.read_barcodes(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        return []
    return [r.text for r in found if r.text]


@router.post("/qr", response_class=HTMLResponse)
async def qr_page(request: Request, image: UploadFile) -> HTMLResponse:
    """A photo or scan of a document's QR: its signature checked against the registry's
    keys, then the registry's current answer for its code."""
    state = runtime(request)
    w = words(lang_of(request))
    data = await image.read(MAX_IMAGE + 1)
    if len(data) > MAX_IMAGE:
        return render(request, "verify.html", 413, answer=None, code="", qr_error=w["qr_too_big"])
    texts = await run_in_threadpool(_qr_texts, data)
    if not texts:
        return render(request, "verify.html", 422, answer=None, code="", qr_error=w["qr_none"])
    keys = {kid: record.public_key() for kid, record in state.evidence.verifying_keys().items()}
    try:
        verified = decode_qr(texts[0], keys)
    except QrFormatError:
        return render(request, "verify.html", 422, answer=None, code="", qr_error=w["qr_not_ours"])
    except (CoseError, QrClaimsError):
        return render(request, "verify.html", answer={"status": "FORGED"}, code="")
    doc = verified.document
    code = str(doc.code)
    found = await run_in_threadpool(
        look_up_with, state.public_read, state.reference, state.evidence, code
    )
    access = access_of(found, Channel.PUBLIC, None, datetime.now(UTC), None)
    if access is not None:
        state.access_buffer.add(access)
    printed = {
        "holder_name_fa": doc.holder_name,
        "holder_name_latin": doc.holder_name_latin,
        "birth_date": doc.birth_date.isoformat(),
        "field_name": doc.field_of_study,
        "graduation_date": doc.graduation_date.isoformat(),
    }
    return render(
        request,
        "verify.html",
        answer={**found.answer, "details": printed},
        code=code,
        qr_version=doc.version,
        checked=True,
    )
