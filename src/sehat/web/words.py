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


# The staff pages (web/registrar.py, web/audit.py, web/admin.py) and the holder's demo sign-in.
WORDS.update(
    {
        "staff_pages": {"fa": "صفحه‌های کارکنان:", "en": "Staff pages:"},
        "any_token_label": {"fa": "توکن", "en": "Your token"},
        "registrar_title": {"fa": "میز کارشناس دانش‌آموختگی", "en": "Registrar's desk"},
        "registrar_signin": {
            "fa": "ورود کارشناس دانش‌آموختگی موسسه",
            "en": "Sign in as an institution's registrar",
        },
        "registrar_token_hint": {
            "fa": "توکن کارشناس موسسه (نقش registrar)؛ "
            "در نسخه آزمایشی، توکنی که `sehat demo` چاپ می‌کند",
            "en": "Your registrar token (registrar role); in the demo, the one `sehat demo` prints",
        },
        "not_registrar": {
            "fa": "این توکن از آنِ کارشناس دانش‌آموختگی یک موسسه نیست",
            "en": "This is not an institution registrar's token",
        },
        "audit_title": {"fa": "بازرسی: لاگ شفافیت", "en": "Inspection: the transparency log"},
        "audit_signin": {"fa": "ورود بازرس", "en": "Sign in as the inspector"},
        "audit_token_hint": {
            "fa": "توکن سازمان بازرسی (نقش auditor)؛ "
            "در نسخه آزمایشی، توکنی که `sehat demo` چاپ می‌کند",
            "en": "The inspection organisation's token (auditor role); in the demo, the one "
            "`sehat demo` prints",
        },
        "not_auditor": {
            "fa": "این توکن از آنِ بازرس نیست",
            "en": "This is not the inspector's token",
        },
        "admin_title": {"fa": "مدیریت سامانه", "en": "Administration"},
        "admin_signin": {
            "fa": "ورود اپراتور ملی یا مدیر حوزه",
            "en": "Sign in as the national operator or a domain admin",
        },
        "admin_token_hint": {
            "fa": "توکن اپراتور (operator) یا مدیر حوزه (domain_admin)؛ بازرس فقط می‌بیند؛ "
            "در نسخه آزمایشی، توکنی که `sehat demo` چاپ می‌کند",
            "en": "An operator or domain admin token (the auditor may look, not change); in "
            "the demo, the one `sehat demo` prints",
        },
        "not_admin": {
            "fa": "این توکن از آنِ اپراتور، مدیر حوزه یا بازرس نیست",
            "en": "This is not an operator's, domain admin's or auditor's token",
        },
        "signed_in_as": {"fa": "وارد شده‌اید با نقش", "en": "Signed in as"},
        "required": {"fa": "الزامی", "en": "required"},
        "choose": {"fa": "— انتخاب کنید —", "en": "— choose —"},
        "none": {"fa": "—", "en": "—"},
        # the graduation form
        "sec_submit": {"fa": "ثبت یک دانش‌آموختگی", "en": "Submit one graduation"},
        "submit_hint": {
            "fa": "فیلدهای «الزامی» را پر کنید. تاریخ‌ها شمسی، مانند ۱۴۰۲/۰۶/۳۱؛ رقم فارسی یا "
            "لاتین. ایراد هر فیلد همان‌جا کنارش نوشته می‌شود.",
            "en": "Fill in the fields marked required. Dates in the Solar Hijri calendar, e.g. "
            "1402/06/31; Persian or Latin digits. Each field's problem is written beside it.",
        },
        "institution_fixed": {"fa": "موسسه (از توکن شما)", "en": "Institution (from your token)"},
        "national_id_field": {"fa": "کد ملی", "en": "National ID"},
        "foreign_id": {
            "fa": "کد فراگیر اتباع خارجی (به جای کد ملی)",
            "en": "Foreign national's ID (instead of a national ID)",
        },
        "first_name": {"fa": "نام", "en": "First name (Persian)"},
        "last_name": {"fa": "نام خانوادگی", "en": "Last name (Persian)"},
        "first_name_latin": {"fa": "نام به حروف لاتین", "en": "First name (Latin letters)"},
        "last_name_latin": {"fa": "نام خانوادگی به حروف لاتین", "en": "Last name (Latin letters)"},
        "father_name": {"fa": "نام پدر", "en": "Father's name"},
        "gender": {"fa": "جنسیت", "en": "Gender"},
        "female": {"fa": "زن", "en": "female"},
        "male": {"fa": "مرد", "en": "male"},
        "field_code": {"fa": "رشته", "en": "Field of study"},
        "student_number": {"fa": "شماره دانشجویی", "en": "Student number"},
        "field_name": {"fa": "نام رشته (چنان‌که چاپ می‌شود)", "en": "Field name (as printed)"},
        "prior_code": {"fa": "کد صحت مدرک قبلی", "en": "Authenticity code of the prior degree"},
        "prior_institution": {
            "fa": "کد موسسه مدرک قبلی (اگر کد صحت ندارد)",
            "en": "Institution code of the prior degree (when it has no code)",
        },
        "date_hint": {"fa": "شمسی، مانند ۱۴۰۲/۰۶/۳۱", "en": "Solar Hijri, e.g. 1402/06/31"},
        "submit": {"fa": "ثبت", "en": "Submit"},
        "form_problems": {
            "fa": "ثبت نشد؛ ایراد هر فیلد کنار آن نوشته شده است:",
            "en": "Not accepted; each field's problem is written beside it:",
        },
        "ISSUED": {"fa": "مدرک صادر شد", "en": "The document is issued"},
        "PENDING_PRIOR": {
            "fa": "ثبت شد و در انتظار مدرک قبلی دارنده است",
            "en": "Stored; it waits for the holder's prior degree",
        },
        "REJECTED": {"fa": "ثبت نشد", "en": "Not accepted"},
        "open_it": {"fa": "باز کردن مدرک", "en": "Open the document"},
        # queues
        "sec_pending": {"fa": "در انتظار مدرک قبلی", "en": "Waiting for a prior degree"},
        "pending_hint": {
            "fa": "هر یک با ثبت مدرک قبلی دارنده خودکار صادر می‌شود؛ اقدامی لازم نیست.",
            "en": "Each issues by itself once the holder's prior degree is registered; "
            "nothing to do.",
        },
        "nothing": {"fa": "موردی نیست", "en": "Nothing here"},
        "submitted_at": {"fa": "زمان ثبت", "en": "Submitted"},
        "why": {"fa": "علت", "en": "Why"},
        "sec_holder_requests": {
            "fa": "درخواست دانش‌آموختگان برای کد مدرک قدیمی",
            "en": "Graduates asking for a code for an old document",
        },
        "sec_backfill": {
            "fa": "درخواست موسسه‌های دیگر برای ثبت مدرک قبلی",
            "en": "Other institutions asking you to register a prior degree",
        },
        "requested_by": {"fa": "موسسه درخواست‌کننده", "en": "Asked by"},
        "wanted": {"fa": "مدرک خواسته‌شده", "en": "Degree wanted"},
        "graduate": {"fa": "دانش‌آموخته", "en": "Graduate"},
        "graduation_year": {"fa": "سال دانش‌آموختگی", "en": "Graduation year"},
        "confirm_from_archive": {"fa": "ثبت از روی بایگانی", "en": "Register it from the archive"},
        "decline": {"fa": "رد درخواست", "en": "Decline"},
        "decline_reason": {
            "fa": "دلیل رد (درخواست‌کننده آن را می‌خواند)",
            "en": "Why (the asker reads it)",
        },
        "declined": {"fa": "درخواست رد شد", "en": "The request is declined"},
        "confirming": {
            "fa": "پاسخ به درخواست دانش‌آموخته: سابقه کامل را از بایگانی وارد کنید",
            "en": "Answering a graduate's request: enter the full record from the archive",
        },
        "backfilling": {
            "fa": "ثبت مدرک قبلی خواسته‌شده: سابقه کامل را از بایگانی وارد کنید",
            "en": "Registering the prior degree asked for: enter the full record from the archive",
        },
        # one document
        "sec_document": {
            "fa": "یک مدرک: اصلاح، تعلیق، ابطال",
            "en": "One document: correct, suspend, revoke",
        },
        "open_document": {"fa": "باز کردن", "en": "Open"},
        "version": {"fa": "نسخه", "en": "Version"},
        "history": {"fa": "تاریخچه نسخه‌ها", "en": "Versions"},
        "issued_at": {"fa": "تاریخ صدور", "en": "Issued"},
        "back_to_desk": {"fa": "بازگشت به میز کار", "en": "Back to the desk"},
        "correct_title": {
            "fa": "اصلاح (همان کد، نسخه تازه)",
            "en": "Correct (same code, a new version)",
        },
        "correct_field": {"fa": "فیلدی که اصلاح می‌شود", "en": "Field to correct"},
        "correct_value": {"fa": "مقدار درست", "en": "Right value"},
        "correct_reason": {"fa": "دلیل اصلاح", "en": "Why it is corrected"},
        "correct_button": {"fa": "ثبت اصلاحیه", "en": "Correct it"},
        "suspend_title": {
            "fa": "تعلیق (برگشت‌پذیر، در دست بررسی)",
            "en": "Suspend (reversible, under investigation)",
        },
        "suspend_note": {"fa": "توضیح (اختیاری)", "en": "Note (optional)"},
        "suspend_button": {"fa": "تعلیق مدرک", "en": "Suspend it"},
        "unsuspend_button": {"fa": "رفع تعلیق", "en": "Lift the suspension"},
        "revoke_title": {"fa": "ابطال (قطعی و برگشت‌ناپذیر)", "en": "Revoke (final)"},
        "revoke_reason": {"fa": "دلیل ابطال", "en": "Reason"},
        "revoke_note": {"fa": "توضیح (اختیاری)", "en": "Note (optional)"},
        "revoke_button": {"fa": "ابطال مدرک", "en": "Revoke it"},
        "done_revoke": {"fa": "مدرک ابطال شد", "en": "The document is revoked"},
        "done_suspend": {"fa": "مدرک تعلیق شد", "en": "The document is suspended"},
        "done_unsuspend": {"fa": "تعلیق برداشته شد", "en": "The suspension is lifted"},
        "done_correct": {"fa": "اصلاحیه ثبت شد", "en": "The correction is recorded"},
        "under_investigation": {"fa": "در دست بررسی", "en": "under investigation"},
        "attested": {"fa": "تأییدشده از بایگانی", "en": "attested from the archive"},
        "digitised": {"fa": "رقمی‌شده از بایگانی", "en": "digitised from the archive"},
        "born_digital": {"fa": "صادرشده در سامانه", "en": "issued in the system"},
        "assurance": {"fa": "اطمینان سابقه", "en": "Assurance"},
        # the auditor
        "checkpoint": {"fa": "آخرین نقطه وارسی (checkpoint)", "en": "Latest checkpoint"},
        "tree_size": {"fa": "شمار ورودی‌های لاگ", "en": "Entries in the log"},
        "root_hash": {"fa": "ریشه درخت مرکل", "en": "Merkle tree root"},
        "log_origin": {"fa": "مبدأ لاگ", "en": "Log origin"},
        "signed_note": {"fa": "متن امضاشده", "en": "The signed note"},
        "entries": {"fa": "ورودی‌های لاگ", "en": "Log entries"},
        "entries_range": {"fa": "ورودی‌ها", "en": "Entries"},
        "of": {"fa": "از", "en": "of"},
        "index": {"fa": "شماره", "en": "Index"},
        "event": {"fa": "رویداد", "en": "Event"},
        "leaf": {"fa": "متن ورودی", "en": "Leaf"},
        "previous": {"fa": "قبلی", "en": "Previous"},
        "next": {"fa": "بعدی", "en": "Next"},
        "ev_revoke": {"fa": "ابطال", "en": "revocation"},
        "issued": {"fa": "صدور", "en": "issued"},
        "log_empty": {"fa": "لاگ هنوز خالی است", "en": "The log is empty"},
        "ev_issue": {"fa": "صدور", "en": "issue"},
        "ev_correct": {"fa": "اصلاح", "en": "correction"},
        "ev_suspend": {"fa": "تعلیق", "en": "suspension"},
        "ev_unsuspend": {"fa": "رفع تعلیق", "en": "suspension lifted"},
        "ev_key": {"fa": "کلید", "en": "key"},
        "run_audit": {"fa": "اجرای بازرسی", "en": "Run the audit"},
        "audit_hint": {
            "fa": "لاگ از نو محاسبه می‌شود، همه نقاط وارسی و امضای همه نسخه‌های مدارک بررسی می‌شود.",
            "en": "Recomputes the log, checks every checkpoint and the signature of every "
            "document version.",
        },
        "audit_report": {"fa": "گزارش بازرسی", "en": "Audit report"},
        "audit_ok": {"fa": "همه چیز درست است", "en": "Everything checks out"},
        "audit_bad": {"fa": "ناهمخوانی پیدا شد", "en": "Mismatches found"},
        "leaves": {"fa": "ورودی لاگ", "en": "Log entries"},
        "documents": {"fa": "مدرک", "en": "Documents"},
        "versions": {"fa": "نسخه", "en": "Versions"},
        "checkpoints": {"fa": "نقطه وارسی", "en": "Checkpoints"},
        "subject": {"fa": "موضوع", "en": "Subject"},
        "what": {"fa": "چه چیزی", "en": "What"},
        "expected": {"fa": "مورد انتظار", "en": "Expected"},
        "found": {"fa": "یافته", "en": "Found"},
        "checked_at": {"fa": "زمان بازرسی", "en": "Checked at"},
        # the administrator
        "institutions": {"fa": "موسسه‌ها", "en": "Institutions"},
        "name": {"fa": "نام", "en": "Name"},
        "city": {"fa": "شهر", "en": "City"},
        "category": {"fa": "گونه", "en": "Category"},
        "domain": {"fa": "حوزه", "en": "Domain"},
        "inactive": {"fa": "غیرفعال", "en": "inactive"},
        "accounts": {"fa": "حساب‌ها", "en": "Accounts"},
        "role": {"fa": "نقش", "en": "Role"},
        "scope": {"fa": "دامنه", "en": "Scope"},
        "created": {"fa": "ساخته‌شده", "en": "Created"},
        "new_account": {"fa": "ساختن حساب", "en": "Make an account"},
        "account_name": {"fa": "نام حساب", "en": "Account name"},
        "account_institution": {
            "fa": "کد موسسه (برای کارشناس دانش‌آموختگی)",
            "en": "Institution code (for a registrar)",
        },
        "account_domain": {"fa": "حوزه (برای مدیر حوزه)", "en": "Domain (for a domain admin)"},
        "account_nid": {"fa": "کد ملی (برای دارنده مدرک)", "en": "National ID (for a holder)"},
        "create": {"fa": "ساختن", "en": "Make it"},
        "account_made": {"fa": "حساب ساخته شد", "en": "The account is made"},
        "tokens": {"fa": "توکن‌ها", "en": "Tokens"},
        "prefix": {"fa": "آغاز توکن", "en": "Begins with"},
        "label": {"fa": "برچسب", "en": "Label"},
        "expires": {"fa": "انقضا", "en": "Expires"},
        "never": {"fa": "ندارد", "en": "never"},
        "new_token": {"fa": "ساختن توکن برای یک حساب", "en": "Make a token for an account"},
        "token_account": {"fa": "حساب", "en": "Account"},
        "token_days": {
            "fa": "اعتبار (روز؛ خالی: بدون انقضا)",
            "en": "Valid for (days; empty: no expiry)",
        },
        "token_made": {
            "fa": "توکن ساخته شد؛ آن را اکنون رونوشت کنید، دوباره نمایش داده نمی‌شود:",
            "en": "The token is made; copy it now, it is not shown again:",
        },
        "token_revoked": {"fa": "توکن باطل شد", "en": "The token is revoked"},
        "keys": {"fa": "کلیدها", "en": "Keys"},
        "kid": {"fa": "شناسه کلید", "en": "Key id"},
        "purpose": {"fa": "کاربرد", "en": "Purpose"},
        "valid_from": {"fa": "معتبر از", "en": "Valid from"},
        "valid_until": {"fa": "معتبر تا", "en": "Valid until"},
        "root": {"fa": "ریشه (امضای فهرست اعتماد)", "en": "root (signs the trust list)"},
        "issuing": {"fa": "صدور (امضای مدارک)", "en": "issuing (signs documents)"},
        "log": {"fa": "لاگ (امضای نقاط وارسی)", "en": "log (signs checkpoints)"},
        "retired": {"fa": "بازنشسته", "en": "retired"},
        "read_only": {
            "fa": "بازرس این صفحه را فقط می‌بیند و چیزی را تغییر نمی‌دهد.",
            "en": "The inspector reads this page and changes nothing.",
        },
        "operator": {"fa": "اپراتور ملی", "en": "operator"},
        "domain_admin": {"fa": "مدیر حوزه", "en": "domain admin"},
        "registrar": {"fa": "کارشناس دانش‌آموختگی", "en": "registrar"},
        "holder": {"fa": "دارنده مدرک", "en": "holder"},
        "verifier": {"fa": "سازمان استعلام‌کننده", "en": "verifier"},
        "auditor": {"fa": "بازرس", "en": "auditor"},
        # the holder's demo sign-in
        "nid_signin_title": {
            "fa": "ورود با کد ملی و رمز یک‌بارمصرف (نسخه آزمایشی)",
            "en": "Sign in with your national ID and a one-time code (demo)",
        },
        "nid_signin_hint": {
            "fa": "رمزی شش‌رقمی در لاگ سرور چاپ می‌شود (به جای پیامک)؛ "
            "ده دقیقه و یک بار اعتبار دارد.",
            "en": "A six-digit code is printed in the server's log (standing in for a text "
            "message); it works once, for ten minutes.",
        },
        "your_nid": {"fa": "کد ملی شما", "en": "Your national ID"},
        "send_code": {"fa": "دریافت رمز", "en": "Send me a code"},
        "code_sent": {
            "fa": "رمز یک‌بارمصرف در لاگ سرور چاپ شد، با این شناسه:",
            "en": "A one-time code was printed in the server's log, with this reference:",
        },
        "otp_label": {"fa": "رمز یک‌بارمصرف", "en": "One-time code"},
        "otp_hint": {"fa": "شش رقم؛ فارسی یا لاتین", "en": "Six digits; Persian or Latin"},
        "nid_closed": {
            "fa": "در بهره‌برداری (SEHAT_MODE=production) ورود با کد ملی و رمزِ چاپ‌شده در لاگ "
            "بسته است؛ دارندگان مدرک از راه ورود یکپارچه ملی وارد می‌شوند.",
            "en": "In production (SEHAT_MODE=production) signing in with a national ID and a "
            "code printed in the log is closed; holders sign in through the national sign-on.",
        },
        "with_token": {"fa": "ورود با توکن دارنده مدرک", "en": "Sign in with a holder token"},
    }
)


def words(lang: Lang) -> dict[str, str]:
    """Every word of the pages in ``lang``."""
    return {key: value[lang] for key, value in WORDS.items()}
