"""The words people read on the pages, Persian and English (``?lang=en``)."""

from __future__ import annotations

from typing import Literal

Lang = Literal["fa", "en"]

WORDS: dict[str, dict[Lang, str]] = {
    "title": {"fa": "صحت — استعلام اصالت مدرک تحصیلی", "en": "Sehat — verify an academic document"},
    "brand": {"fa": "صحت", "en": "Sehat"},
    "tagline": {
        "fa": "سامانه ملی کد صحت مدارک تحصیلی",
        "en": "The national authenticity code of academic documents",
    },
    "switch": {"fa": "English", "en": "فارسی"},
    "code_label": {"fa": "کد صحت ۲۰ رقمی مدرک", "en": "The document's 20-digit authenticity code"},
    "code_hint": {
        "fa": "با یا بدون خط تیره؛ رقم فارسی یا لاتین",
        "en": "With or without hyphens; Persian or Latin digits",
    },
    "check": {"fa": "استعلام", "en": "Verify"},
    "result": {"fa": "نتیجه استعلام", "en": "Result"},
    "VALID": {"fa": "معتبر", "en": "Valid"},
    "REVOKED": {"fa": "ابطال شده", "en": "Revoked"},
    "SUSPENDED": {"fa": "معلق (در دست بررسی)", "en": "Suspended (under investigation)"},
    "UNKNOWN": {
        "fa": "ناشناخته: مدرکی با این کد صادر نشده است",
        "en": "Unknown: no document has this code",
    },
    "MALFORMED": {"fa": "کد نادرست است", "en": "This is not a valid code"},
    "TAMPERED": {
        "fa": "سابقه این مدرک با امضای آن نمی‌خواند؛ به سامانه گزارش دهید",
        "en": "The registry's record does not match its signature; report it",
    },
    "LOCKED": {
        "fa": "استعلام با کد ملی برای این مدرک موقتاً بسته است",
        "en": "National-ID checks on this document are paused for now",
    },
    "LIMITED": {
        "fa": "استعلام‌های نادرست با کد ملی از این نشانی امروز بیش از حد بوده است",
        "en": "Too many national IDs that did not match from here today",
    },
    "kind": {"fa": "نوع مدرک", "en": "Document"},
    "institution": {"fa": "موسسه", "en": "Institution"},
    "year": {"fa": "سال صدور", "en": "Year of issue"},
    "revoked_at": {"fa": "تاریخ ابطال", "en": "Revoked on"},
    "reason": {"fa": "دلیل", "en": "Reason"},
    "suspended_at": {"fa": "تاریخ تعلیق", "en": "Suspended on"},
    "code": {"fa": "کد", "en": "Code"},
    "second_step": {
        "fa": "برای دیدن جزئیات، کد ملی دارنده مدرک را وارد کنید",
        "en": "To see the details, enter the holder's national ID",
    },
    "nid_label": {"fa": "کد ملی دارنده مدرک", "en": "The holder's national ID"},
    "show_details": {"fa": "نمایش جزئیات", "en": "Show the details"},
    "match": {"fa": "کد ملی با دارنده مدرک یکی است", "en": "The national ID is the holder's"},
    "no_match": {
        "fa": "این کد ملی با دارنده مدرک یکی نیست؛ جزئیاتی نمایش داده نمی‌شود",
        "en": "This national ID is not the holder's; no details are shown",
    },
    "holder_name": {"fa": "نام دارنده", "en": "Holder"},
    "birth_date": {"fa": "تاریخ تولد", "en": "Born"},
    "field": {"fa": "رشته", "en": "Field of study"},
    "program_type": {"fa": "نوع دوره", "en": "Programme"},
    "graduation_date": {"fa": "تاریخ دانش‌آموختگی", "en": "Graduated"},
    "entry_date": {"fa": "تاریخ ورود", "en": "Entered"},
    "gpa": {"fa": "معدل", "en": "GPA"},
    "seminary_level": {"fa": "سطح حوزوی", "en": "Seminary level"},
    "share_title": {
        "fa": "مدرکی که با شما به اشتراک گذاشته شده است",
        "en": "A document shared with you",
    },
    "share_expires": {"fa": "این پیوند تا این تاریخ کار می‌کند", "en": "This link works until"},
    "share_gone": {
        "fa": "این پیوند اشتراک منقضی یا لغو شده است",
        "en": "This share link has expired or was revoked",
    },
    "share_unknown": {"fa": "چنین پیوند اشتراکی وجود ندارد", "en": "There is no such share link"},
    "error": {"fa": "خطا", "en": "Error"},
    "again": {"fa": "استعلام دیگر", "en": "Check another"},
    "footer": {
        "fa": "هر استعلام در گزارش دسترسی دارنده مدرک ثبت می‌شود.",
        "en": "Every check is written to the holder's access log.",
    },
    "api": {"fa": "راهنمای API", "en": "API documentation"},
    # Values the registry stores as codes.
    "continuous": {"fa": "پیوسته", "en": "continuous"},
    "discontinuous": {"fa": "ناپیوسته", "en": "discontinuous"},
    "integrated": {"fa": "یکپارچه", "en": "integrated"},
    "issued_in_error": {"fa": "صدور نادرست", "en": "issued in error"},
    "fraud": {"fa": "تقلب", "en": "fraud"},
    "superseded": {"fa": "جایگزین شده", "en": "superseded"},
    "court_order": {"fa": "حکم دادگاه", "en": "court order"},
    "duplicate": {"fa": "تکراری", "en": "duplicate"},
    "other": {"fa": "دیگر", "en": "other"},
}


def words(lang: Lang) -> dict[str, str]:
    """Every word of the pages in ``lang``."""
    return {key: value[lang] for key, value in WORDS.items()}
