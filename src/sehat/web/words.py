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
    "not_holder_id": {
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
    "courses": {"fa": "ریز نمرات", "en": "Courses"},
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
    "me": {"fa": "مدارک من", "en": "My documents"},
    "org": {"fa": "استعلام گروهی سازمان‌ها", "en": "Organisations: bulk check"},
    "org_signin_title": {
        "fa": "ورود سازمان استعلام‌کننده",
        "en": "Sign in as a verifying organisation",
    },
    "org_token_hint": {
        "fa": "توکن API سازمان شما (نقش verifier)؛ "
        "در نسخه آزمایشی، توکنی که `sehat demo` چاپ می‌کند",
        "en": "Your organisation's API token (verifier role); "
        "in the demo, the one `sehat demo` prints",
    },
    "not_org": {
        "fa": "این توکن از آنِ سازمان استعلام‌کننده نیست",
        "en": "This is not a verifying organisation's token",
    },
    "org_file_label": {
        "fa": "پرونده CSV با ستون‌های code و national_id (یا «کد صحت» و «کد ملی»)",
        "en": "A CSV file with code and national_id columns (or «کد صحت» and «کد ملی»)",
    },
    "org_file_hint": {
        "fa": "تا ۱۰٬۰۰۰ ردیف؛ UTF-8 یا Windows-1256؛ "
        "جداکننده ویرگول، نقطه‌ویرگول یا تب؛ هر مدرک یک بار",
        "en": "Up to 10,000 rows; UTF-8 or Windows-1256; "
        "comma, semicolon or tab; each document once",
    },
    "org_check": {"fa": "استعلام همه", "en": "Check them all"},
    "line": {"fa": "سطر", "en": "Line"},
    "download_results": {"fa": "دریافت نتیجه (CSV)", "en": "Download the results (CSV)"},
    "qr_label": {
        "fa": "یا عکس یا تصویر اسکن‌شده کد QR روی مدرک را بفرستید",
        "en": "Or send a photo or scan of the QR code on the document",
    },
    "qr_send": {"fa": "بررسی QR", "en": "Check the QR"},
    "qr_none": {
        "fa": "در این تصویر کد QR خوانایی پیدا نشد؛ عکسی روشن‌تر و نزدیک‌تر بفرستید",
        "en": "No readable QR code in this image; send a sharper, closer photo",
    },
    "qr_not_ours": {
        "fa": "این کد QR از سامانه صحت نیست",
        "en": "This QR code is not a Sehat code",
    },
    "qr_too_big": {"fa": "تصویر بیش از ۸ مگابایت است", "en": "The image is over 8 MB"},
    "FORGED": {
        "fa": "جعلی: امضای این کد QR با کلیدهای سامانه نمی‌خواند و سامانه آن را صادر نکرده است",
        "en": "Forged: this QR's signature does not match the registry's keys; "
        "the registry did not issue it",
    },
    "qr_genuine": {
        "fa": "امضای کد QR معتبر است و اطلاعات زیر را سامانه امضا کرده است",
        "en": "The QR's signature is genuine: the registry signed what follows",
    },
    "signin_title": {"fa": "ورود دارنده مدرک", "en": "Sign in as a document holder"},
    "token_label": {"fa": "توکن دارنده مدرک", "en": "Your holder token"},
    "token_hint": {
        "fa": "در نسخه آزمایشی، توکنی که `sehat demo` چاپ می‌کند؛ در بهره‌برداری، ورود یکپارچه ملی",
        "en": "In the demo, the token `sehat demo` prints; in production, the national sign-on",
    },
    "sign_in": {"fa": "ورود", "en": "Sign in"},
    "sign_out": {"fa": "خروج", "en": "Sign out"},
    "bad_token": {
        "fa": "این توکن شناخته نشد یا منقضی یا لغو شده است",
        "en": "This token is unknown, expired or revoked",
    },
    "not_holder": {"fa": "این توکن از آنِ دارنده مدرک نیست", "en": "This is not a holder's token"},
    "bad_origin": {
        "fa": "این فرم از صفحه‌های خود سامانه فرستاده نشده است",
        "en": "This form was not sent from this site's own page",
    },
    "no_documents": {"fa": "هنوز مدرکی به نام شما ثبت نشده است", "en": "No document names you yet"},
    "status": {"fa": "وضعیت", "en": "Status"},
    "download_qr": {"fa": "تصویر QR", "en": "QR image"},
    "download_vc": {"fa": "مدرک دیجیتال (VC)", "en": "Digital credential (VC)"},
    "download_pdf": {"fa": "گواهی چاپی (PDF)", "en": "Printable certificate (PDF)"},
    "shares": {"fa": "پیوندهای اشتراک", "en": "Share links"},
    "new_share": {"fa": "ساختن پیوند اشتراک", "en": "Make a share link"},
    "share_document": {"fa": "مدرک", "en": "Document"},
    "share_fields": {"fa": "چه چیزهایی نمایش داده شود", "en": "What the link shows"},
    "share_lifetime": {"fa": "مدت اعتبار پیوند", "en": "How long the link works"},
    "day": {"fa": "یک روز", "en": "a day"},
    "week": {"fa": "یک هفته", "en": "a week"},
    "month": {"fa": "یک ماه", "en": "a month"},
    "make": {"fa": "ساختن پیوند", "en": "Make the link"},
    "share_made": {
        "fa": "پیوند ساخته شد؛ آن را اکنون رونوشت کنید، دوباره نمایش داده نمی‌شود:",
        "en": "The link is made; copy it now, it is not shown again:",
    },
    "revoke": {"fa": "لغو", "en": "Revoke"},
    "active": {"fa": "فعال", "en": "active"},
    "expired": {"fa": "منقضی", "en": "expired"},
    "revoked": {"fa": "لغو شده", "en": "revoked"},
    "no_shares": {"fa": "پیوندی نساخته‌اید", "en": "You have made no share link"},
    "access_log": {
        "fa": "چه کسی مدارک شما را استعلام کرده است",
        "en": "Who verified your documents",
    },
    "when": {"fa": "زمان", "en": "When"},
    "who": {"fa": "چه کسی", "en": "Who"},
    "door": {"fa": "راه استعلام", "en": "How"},
    "outcome": {"fa": "نتیجه کد ملی", "en": "National ID"},
    # A day of public checks older than SEHAT_ACCESS_LOG_DAYS, kept as its count (DESIGN §5).
    "folded_checks": {"fa": "{n} استعلام عمومی در این روز", "en": "{n} public checks that day"},
    "folded_one": {"fa": "{n} استعلام عمومی در این روز", "en": "{n} public check that day"},
    "no_log": {
        "fa": "هنوز کسی مدارک شما را استعلام نکرده است",
        "en": "Nobody has verified your documents yet",
    },
    "guard_note": {
        "fa": "برای این مدرک کد ملی نادرست فرستاده شده است:",
        "en": "Wrong national IDs were given for this document:",
    },
    "public": {"fa": "عمومی (با کد)", "en": "public (code)"},
    "national_id": {"fa": "با کد ملی", "en": "with national ID"},
    "batch": {"fa": "استعلام گروهی سازمان", "en": "organisation, in bulk"},
    "share": {"fa": "پیوند اشتراک", "en": "share link"},
    "prior_code": {"fa": "به‌عنوان مدرک قبلی", "en": "as a prior degree"},
    "no_match_short": {"fa": "نادرست", "en": "wrong"},
    "match_short": {"fa": "درست", "en": "right"},
    "locked": {"fa": "قفل", "en": "locked"},
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
