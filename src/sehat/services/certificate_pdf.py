"""A document's printable certificate (DESIGN §7 ``GET /api/v1/documents/{code}/pdf``): one A4
page, Persian first with English beside it, the authenticity code and the document's signed QR.

Persian is shaped by HarfBuzz (fpdf2's text shaping through uharfbuzz) in Amiri, installed
from PyPI with the project (docs/adr/0006-certificate-pdf.md). The code is printed left to
right in groups of four, spaces between, inside the Persian sentence, wrapped in a
left-to-right isolate (U+2066 … U+2069, UAX #9 §2.7) so the bidi algorithm never reorders
its groups.

The page proves nothing by itself: its QR carries the document's signature, and the code
is checked against the registry; the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from sehat.core.code import format_code
from sehat.core.credential import DocumentFacts
from sehat.core.jalali import MONTHS_EN, MONTHS_FA, jalali_parts
from sehat.core.persian import to_persian_digits
from sehat.core.qr import make_container
from sehat.errors import MissingPartError
from sehat.reference.models import Reference
from sehat.services.credentials import signed_version
from sehat.services.documents import qr_symbol
from sehat.services.evidence import Evidence
from sehat.services.principal import Principal

FONT_PACKAGE = "fontpkg_amiri"  # import name
FONT_DISTRIBUTION = "fontpkg-amiri"  # what to install
FONT = "amiri"

LRI, PDI = "\u2066", "\u2069"  # left-to-right isolate and its end (UAX #9)

Colour = tuple[int, int, int]

# A4 portrait, in millimetres.
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 22.0
COLUMN_GAP = 8.0
QR_SIZE = 48.0

INK = (28, 37, 54)  # near-black blue: the text
MUTED = (92, 102, 117)  # labels and the English beside the Persian
ACCENT = (24, 74, 110)  # the frame and the rules
PAPER_TINT = (246, 248, 251)  # the code's panel


class CertificateFontMissing(MissingPartError):
    """The certificate's font package is not installed."""

    def __init__(self) -> None:
        super().__init__(
            f"the certificate font is not installed on this server; install the Python "
            f"package {FONT_DISTRIBUTION} (pip install {FONT_DISTRIBUTION}) and restart",
            f"قلم فارسی گواهی روی این سرور نصب نیست؛ بسته پایتون {FONT_DISTRIBUTION} را نصب "
            "و سامانه را دوباره راه‌اندازی کنید",
        )


@dataclass(frozen=True)
class Fonts:
    """The certificate's TrueType files (Persian and Latin in each)."""

    regular: Path
    bold: Path


@lru_cache(maxsize=4)
def certificate_fonts(package: str = FONT_PACKAGE) -> Fonts:
    """The font files the certificate is set in, from the installed font package.

    Raises:
        CertificateFontMissing: the font package (``package``) is not installed.
    """
    try:
        folder = Path(str(resources.files(package) / "files"))
    except ModuleNotFoundError:
        raise CertificateFontMissing() from None
    regular, bold = sorted(folder.glob("*-Regular.ttf")), sorted(folder.glob("*-Bold.ttf"))
    if not regular or not bold:
        raise CertificateFontMissing()
    return Fonts(regular[0], bold[0])


@dataclass(frozen=True)
class Certificate:
    """What one certificate shows: the signed version's facts, its QR text and where to
    check the code."""

    facts: DocumentFacts
    qr_text: str
    verify_url: str


def certificate(
    conn: sa.Connection,
    principal: Principal,
    evidence: Evidence,
    reference: Reference,
    code: str,
    public_url: str,
) -> Certificate:
    """The certificate of document ``code``'s current version: for the holder, the registrar
    of its institution, the operator and the auditor (the same as its QR and credential), and
    only while the document is VALID and matches its signatures."""
    version = signed_version(
        conn, principal, evidence, reference, code, ("PDF certificate", "گواهی PDF")
    )
    return Certificate(version.facts, make_container(version.cose), public_url.rstrip("/") + "/")


def filename(cert: Certificate) -> str:
    """The file name a download is saved under."""
    return f"sehat-certificate-{cert.facts.code}.pdf"


def jalali_fa(d: date) -> str:
    """``۳۱ تیر ۱۳۹۸``: a date as a Persian reader says it."""
    y, m, day = jalali_parts(d)
    return to_persian_digits(f"{day} {MONTHS_FA[m - 1]} {y}")


def jalali_en(d: date) -> str:
    """``31 Tir 1398 (22 July 2019)``: the Jalali date, then the Gregorian one."""
    y, m, day = jalali_parts(d)
    return f"{day} {MONTHS_EN[m - 1]} {y} ({d.day} {d.strftime('%B')} {d.year})"


def printed_code(code: str) -> str:
    """The code as printed: five groups of four digits with spaces between them."""
    return format_code(code, separator=" ")


def isolated_code(cert: Certificate) -> str:
    """The printed code as a left-to-right isolate, for a right-to-left sentence: without it
    the bidi algorithm would set its space-separated groups right to left (UAX #9 W7, N1)."""
    return LRI + printed_code(cert.facts.code) + PDI


def _rows(facts: DocumentFacts) -> list[tuple[str, str, str, str]]:
    """(Persian label, Persian value, English label, English value), one per line."""
    kind_fa, kind_en = facts.kind_name_fa, facts.kind_name_en
    if facts.seminary_level_fa:
        kind_fa = f"{kind_fa} ({facts.seminary_level_fa})"
        kind_en = f"{kind_en} ({facts.seminary_level_en or facts.seminary_level_fa})"
    return [
        ("نام دارنده", facts.holder_name, "Holder", facts.holder_name_latin or facts.holder_name),
        ("مدرک", kind_fa, "Degree", kind_en),
        ("رشته", facts.field_of_study, "Field of study", facts.field_of_study_en),
        ("موسسه", facts.institution_name_fa, "Institution", facts.institution_name_en),
        (
            "تاریخ دانش‌آموختگی",
            jalali_fa(facts.graduation_date),
            "Graduation date",
            jalali_en(facts.graduation_date),
        ),
    ]


class _Page(FPDF):
    """One A4 page with the certificate's font, shaped by HarfBuzz."""

    def __init__(self, fonts: Fonts) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.add_font(FONT, "", fonts.regular)
        self.add_font(FONT, "B", fonts.bold)
        # Direction left to the bidi algorithm, paragraph by paragraph (UAX #9 P2-P3); the
        # language selects the font's Persian forms.
        self.set_text_shaping(use_shaping_engine=True, language="fa")
        self.c_margin = 0
        self.add_page()

    def text_block(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        size: float,
        *,
        align: Align,
        bold: bool = False,
        colour: Colour = INK,
        leading: float = 1.45,
    ) -> float:
        """Write ``text`` wrapped in a box at (x, y); returns the y below it."""
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.set_xy(x, y)
        self.multi_cell(
            width,
            size * 0.3528 * leading,  # points to millimetres, with line spacing
            text,
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        return self.get_y()

    def centred(
        self, y: float, text: str, size: float, *, bold: bool = False, colour: Colour = INK
    ) -> float:
        """A centred paragraph across the page; returns the y below it."""
        width = PAGE_W - 2 * MARGIN
        return self.text_block(
            MARGIN, y, width, text, size, align=Align.C, bold=bold, colour=colour
        )


def _frame(pdf: _Page) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.1)
    pdf.rect(10, 10, PAGE_W - 20, PAGE_H - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13.5, 13.5, PAGE_W - 27, PAGE_H - 27)


def _rule(pdf: _Page, y: float, width: float = 60.0) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line((PAGE_W - width) / 2, y, (PAGE_W + width) / 2, y)


def _qr(pdf: _Page, text: str, x: float, y: float, size: float) -> None:
    """The QR as vector squares: sharp at any print resolution; the same symbol as the PNG."""
    symbol = qr_symbol(text)
    rows = [list(row) for row in symbol.matrix_iter(scale=1, border=4)]
    module = size / len(rows)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # A run of dark modules as one rectangle, a hair taller to leave no seams.
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module + 0.01, "F")


def _heading(pdf: _Page) -> float:
    y = pdf.centred(21, "سامانه ملی صحت مدارک تحصیلی", 14)
    y = pdf.centred(y, "Sehat · the national registry of academic documents", 9, colour=MUTED)
    y = pdf.centred(y + 5, "گواهی اصالت مدرک تحصیلی", 26, bold=True)
    y = pdf.centred(y + 1, "Certificate of authenticity of an academic document", 12, colour=MUTED)
    _rule(pdf, y + 4)
    return y + 11


def _facts(pdf: _Page, facts: DocumentFacts, y: float) -> float:
    """Persian on the right, English beside it on the left, fact by fact."""
    inner = PAGE_W - 2 * MARGIN
    column = (inner - COLUMN_GAP) / 2
    right, left = MARGIN + column + COLUMN_GAP, MARGIN
    for label_fa, value_fa, label_en, value_en in _rows(facts):
        below_fa = pdf.text_block(right, y, column, label_fa, 10, align=Align.R, colour=MUTED)
        below_fa = pdf.text_block(right, below_fa, column, value_fa, 15, align=Align.R, bold=True)
        below_en = pdf.text_block(left, y, column, label_en, 8.5, align=Align.L, colour=MUTED)
        below_en = pdf.text_block(left, below_en + 0.6, column, value_en, 12, align=Align.L)
        y = max(below_fa, below_en) + 3.5
    return y


def _code_panel(pdf: _Page, cert: Certificate, y: float) -> float:
    """The code on a tinted panel: the Persian sentence with the code isolated inside it."""
    height = 22.0
    pdf.set_fill_color(*PAPER_TINT)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.3)
    pdf.rect(MARGIN, y, PAGE_W - 2 * MARGIN, height, style="DF")
    below = pdf.centred(y + 2.5, f"کد اصالت این مدرک: {isolated_code(cert)}", 17, bold=True)
    pdf.centred(below, f"Authenticity code: {printed_code(cert.facts.code)}", 10, colour=MUTED)
    return y + height


def _how_to_check(pdf: _Page, cert: Certificate, y: float) -> None:
    """Where to check the code, then what the page is worth (at the foot of the page)."""
    url = LRI + cert.verify_url + PDI
    y = pdf.centred(
        y, f"برای استعلام، کد را در {url} وارد کنید یا تصویر این QR را همان‌جا بارگذاری کنید.", 11
    )
    y = pdf.centred(
        y,
        f"To check this document, enter the code at {cert.verify_url} or upload a photo of "
        "this QR there.",
        8.5,
        colour=MUTED,
    )
    issued = cert.facts.awarded_at.date()
    y = pdf.centred(
        max(y + 5, PAGE_H - 46),
        f"کد این مدرک در {jalali_fa(issued)} صادر شده است. اعتبار این برگه به پاسخ سامانه برای "
        "این کد است: اگر مدرک باطل شود، استعلام همین کد «باطل» نشان می‌دهد.",
        10,
        colour=MUTED,
    )
    pdf.centred(
        y,
        f"Code issued on {jalali_en(issued)}. This page is worth what the registry answers "
        "for its code: if the document is revoked, checking the code says REVOKED.",
        8,
        colour=MUTED,
    )


def render(cert: Certificate, fonts: Fonts | None = None) -> bytes:
    """The certificate as a one-page A4 PDF.

    Raises:
        CertificateFontMissing: the font package is not installed.
    """
    pdf = _Page(fonts or certificate_fonts())
    pdf.set_title(f"گواهی اصالت مدرک {printed_code(cert.facts.code)}")
    pdf.set_subject("Sehat: certificate of authenticity of an academic document")
    pdf.set_creator("Sehat")
    pdf.set_lang("fa")
    pdf.set_creation_date(cert.facts.version_signed_at)
    _frame(pdf)
    y = _heading(pdf)
    y = _facts(pdf, cert.facts, y)
    y = _code_panel(pdf, cert, y + 2)
    _qr(pdf, cert.qr_text, (PAGE_W - QR_SIZE) / 2, y + 6, QR_SIZE)
    _how_to_check(pdf, cert, y + 6 + QR_SIZE + 2)
    return bytes(pdf.output())
