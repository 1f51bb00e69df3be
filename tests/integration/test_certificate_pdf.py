"""``GET /api/v1/documents/{code}/pdf`` (DESIGN §7) and the holder's download on ``/me``: the
printable certificate, read back the way a person or a verifier would read it.

- Its text is extracted with pypdf (an extractor that is not the code that writes it). For
  the holder's name we assert the whole name in logical order ("زهرا احمدی": the letters a
  reader types, first letter first), which a PDF written without bidi would also give; so we
  also assert, from where PDFium places each character on the page, that the name runs right
  to left and the code's digits left to right in the order of the code, in groups of four
  (a code whose groups were reordered by the bidi algorithm would still extract as digits,
  but would print in the wrong order).
- The page is rendered to an image by PDFium (pypdfium2, a wheel from PyPI with the library
  inside, so a fresh CI machine needs nothing else), its QR read by zxing-cpp, and what it
  reads must be the document's own QR text and verify as VALID through the same service the
  public QR check uses (``decode_qr`` with the registry's keys, then ``look_up``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from sehat.api import errors as api_errors
from sehat.core.code import format_code
from sehat.core.qr import decode_qr
from sehat.reference.loader import load_reference
from sehat.services import certificate_pdf
from sehat.services.certificate_pdf import CertificateFontMissing, certificate_fonts
from sehat.services.verification import look_up

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import EVIDENCE, new_national_id, record
from .test_credential import _holder_headers

PUBLIC_URL = "https://sehat.example"
NAME = "زهرا احمدی"
A4 = (595.28, 841.89)  # points


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path, public_url=PUBLIC_URL + "/"), make_tokens(engine)


def _issue(client: TestClient, tok: Tokens) -> str:
    body = client.post(
        "/api/v1/graduations",
        json=record(P.uni_a, 2, P.field_science, tok.holder_national_id),
        headers=tok.registrar_a,
    ).json()
    assert body["status"] == "ISSUED", body
    return str(body["code"])


def _text(pdf: bytes) -> str:
    [page] = PdfReader(io.BytesIO(pdf)).pages
    return page.extract_text()


def _chars(pdf: bytes) -> list[tuple[str, float, float, float]]:
    """Every character on the page as PDFium places it: (character, left, bottom, top)."""
    document = pdfium.PdfDocument(pdf)
    try:
        text_page = document[0].get_textpage()
        out = []
        for i in range(text_page.count_chars()):
            left, bottom, _, top = text_page.get_charbox(i)
            out.append((text_page.get_text_range(i, 1), left, bottom, top))
        text_page.close()
        return out
    finally:
        document.close()


def _digits_left_to_right(pdf: bytes) -> list[tuple[str, bool]]:
    """Each line's ASCII digits read from left to right as printed, and whether Persian
    letters stand on that line."""
    chars = _chars(pdf)
    lines: dict[int, list[tuple[float, str]]] = {}
    for ch, left, bottom, top in chars:
        if ch.isascii() and ch.isdigit():
            lines.setdefault(round((bottom + top) / 2), []).append((left, ch))
    out = []
    for middle, digits in lines.items():
        persian = any(
            "\u0600" <= ch <= "\u06ff" and bottom <= middle <= top for ch, _, bottom, top in chars
        )
        out.append(("".join(ch for _, ch in sorted(digits)), persian))
    return out


def _placed(pdf: bytes, wanted: str) -> list[float]:
    """The left edge of each character of ``wanted`` (found once, in logical order)."""
    document = pdfium.PdfDocument(pdf)
    try:
        text_page = document[0].get_textpage()
        searcher = text_page.search(wanted)
        hit = searcher.get_next()
        assert hit is not None and searcher.get_next() is None, wanted
        start, count = hit
        edges = [text_page.get_charbox(start + i)[0] for i in range(count)]
        searcher.close()
        text_page.close()
        return edges
    finally:
        document.close()


def _qr_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=200 / 72).to_pil()  # 200 dpi, as a scanner would
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_the_holders_certificate_shows_the_document_and_its_qr_verifies(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = _issue(client, tok)
    printed = format_code(code, separator=" ")  # 1234 5678 9012 3456 7890
    response = client.get(f"/api/v1/documents/{code}/pdf", headers=tok.holder)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="sehat-certificate-{code}.pdf"'
    )
    pdf = response.content
    reader = PdfReader(io.BytesIO(pdf))
    [page] = reader.pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=0.5)
    fonts = {f["/BaseFont"] for f in page["/Resources"]["/Font"].values()}
    assert all("Amiri" in str(f) for f in fonts), fonts  # embedded, nothing left to the viewer

    # What it says, Persian first and English beside it.
    text = _text(pdf)
    for shown in (
        NAME,
        "Zahra Ahmadi",
        "گواهی اصالت مدرک تحصیلی",
        "کارشناسی",
        "Bachelor",
        "31 Tir 1398 (22 July 2019)",  # graduation_date 1398/04/31
        f"Authenticity code: {printed}",
        PUBLIC_URL + "/",
    ):
        assert shown in text, shown
    institution = client.get("/api/v1/institutions").json()["items"]
    [uni] = [i for i in institution if i["code"] == P.uni_a]
    assert uni["name_fa"] in text and uni["name_en"] in text
    for private in (tok.holder_national_id, "1996-09-05", "17.25", "علی"):
        assert private not in text, private

    # The code in the Persian sentence: its digits in the code's order, in groups of four,
    # and printed so: read from left to right on the page, each line gives the code.
    [persian_line] = [line for line in text.splitlines() if "کد اصالت" in line]
    assert re.findall(r"\d{4}(?: \d{4}){4}", persian_line) == [printed]
    lines = _digits_left_to_right(pdf)
    assert (code, True) in lines  # the Persian sentence
    assert (code, False) in lines  # the English one
    # The name is set right to left: its first letter rightmost.
    name_edges = _placed(pdf, NAME)
    letters = [x for x, ch in zip(name_edges, NAME, strict=True) if ch != " "]
    assert letters == sorted(letters, reverse=True)

    # The QR on the page is the document's signed QR, and it verifies.
    assert _qr_texts(pdf) == [client.get(f"/api/v1/documents/{code}/qr", headers=tok.holder).text]
    keys = {kid: k.public_key() for kid, k in EVIDENCE.verifying_keys().items()}
    verified = decode_qr(_qr_texts(pdf)[0], keys)
    assert verified.document.code == code
    assert verified.document.holder_name == NAME
    with engine.connect() as conn:
        found = look_up(conn, load_reference(), EVIDENCE, str(verified.document.code))
    assert found.answer["status"] == "VALID"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("holder", 200),
        ("registrar_a", 200),
        ("operator", 200),
        ("auditor", 200),
        ("stranger_holder", 403),
        ("registrar_b", 403),
        ("admin_d1", 403),
        ("verifier", 403),
        ("nobody", 401),
    ],
)
def test_who_may_take_a_certificate(
    api: tuple[TestClient, Tokens], engine: sa.Engine, who: str, status: int
) -> None:
    # The same readers as the QR and the credential (DESIGN §7): it carries personal data.
    client, tok = api
    code = _issue(client, tok)
    if who == "stranger_holder":
        headers = _holder_headers(engine, new_national_id())
    else:
        headers = {} if who == "nobody" else getattr(tok, who)
    response = client.get(f"/api/v1/documents/{code}/pdf", headers=headers)
    assert response.status_code == status, response.text
    assert client.get(f"/api/v1/documents/{code}/qr", headers=headers).status_code == status
    if status == 200:
        assert response.content.startswith(b"%PDF-")
    else:
        error = response.json()["error"]
        assert error["message"] and error["message_fa"]
        assert "%PDF" not in response.text


def test_no_certificate_for_a_revoked_unknown_or_malformed_code(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    code = _issue(client, tok)
    revoked = client.post(
        f"/api/v1/documents/{code}/revoke", json={"reason": "fraud"}, headers=tok.registrar_a
    )
    assert revoked.status_code == 200, revoked.text
    answer = client.get(f"/api/v1/documents/{code}/pdf", headers=tok.holder)
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert "PDF certificate" in error["message"] and "گواهی PDF" in error["message_fa"]

    unknown = code[:-1] + str((int(code[-1]) + 1) % 10)  # a wrong check digit: malformed
    assert client.get(f"/api/v1/documents/{unknown}/pdf", headers=tok.operator).status_code in (
        404,
        422,
    )
    malformed = client.get("/api/v1/documents/1234/pdf", headers=tok.operator)
    assert malformed.status_code == 422
    assert malformed.json()["error"]["message_fa"]


def test_the_openapi_description_names_the_pdf(api: tuple[TestClient, Tokens]) -> None:
    client, _ = api
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/documents/{code}/pdf"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"application/pdf"}


def test_a_missing_font_is_said_in_both_languages_naming_the_package() -> None:
    with pytest.raises(CertificateFontMissing) as caught:
        certificate_fonts("sehat_no_such_font_package")
    assert certificate_pdf.FONT_DISTRIBUTION in caught.value.message
    assert certificate_pdf.FONT_DISTRIBUTION in caught.value.message_fa
    # The API says it as it is (503, the usual error shape), not "unavailable, try later".
    app = FastAPI()
    api_errors.install(app)

    @app.get("/pdf")
    def pdf() -> None:
        certificate_fonts("sehat_no_such_font_package")

    answer = TestClient(app).get("/pdf")
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert certificate_pdf.FONT_DISTRIBUTION in error["message"]
    assert "قلم" in error["message_fa"] and error["error_id"]


def test_the_holder_downloads_the_certificate_from_their_page(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    code = _issue(client, tok)
    token = tok.holder["Authorization"].removeprefix("Bearer ")
    signed_in = client.post("/me/sign-in", data={"token": token})
    assert signed_in.status_code == 200, signed_in.text  # followed to /me
    link = f"/me/documents/{code}/certificate.pdf"
    assert f'href="{link}"' in signed_in.text
    pdf = client.get(link)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert f"sehat-certificate-{code}.pdf" in pdf.headers["content-disposition"]
    assert NAME in _text(pdf.content)
    # Signed out, the link leads to the sign-in page, not to the document.
    client.post("/me/sign-out")
    assert client.get(link, follow_redirects=False).status_code == 303
