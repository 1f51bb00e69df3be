"""The pages in a real browser (Debian's Chromium through Playwright), as people use them:
with the keyboard alone, in Persian and in English, with no console errors."""

from __future__ import annotations

from typing import Any

import httpx

from sehat.core.persian import to_persian_digits

from .conftest import Demo, shot
from .conftest import token as _token


def _grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, 20, 4))


def test_verify_a_code_then_its_holder_with_the_keyboard_alone(demo: Demo, page: Any) -> None:
    page.goto(demo.base + "/")
    shot(page, "verify-empty-fa")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # The code field has the focus: type it as printed on a certificate, in Persian digits.
    page.keyboard.type(to_persian_digits(_grouped(demo.code)))
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer-title")
    answer = page.locator(".answer").inner_text()
    assert "معتبر" in answer
    assert to_persian_digits(_grouped(demo.code)) in answer  # shown left to right, grouped
    assert demo.holder_name not in page.content()  # nothing personal at this step
    shot(page, "verify-valid-fa")
    # The national-ID field now has the focus.
    page.keyboard.type(to_persian_digits(demo.national_id))
    page.keyboard.press("Enter")
    page.wait_for_selector(".details")
    details = page.locator(".answer").inner_text()
    assert demo.holder_name in details
    assert "کد ملی با دارنده مدرک یکی است" in details
    assert demo.national_id not in page.url  # posted, never in the address
    shot(page, "verify-details-fa")


def test_a_mistyped_code_is_explained_in_english_too(demo: Demo, page: Any) -> None:
    page.goto(demo.base + "/?lang=en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    wrong = demo.code[:-1] + str((int(demo.code[-1]) + 1) % 10)
    page.fill("#code", wrong)
    page.click("button[type=submit]")
    page.wait_for_selector("#answer-title")
    text = page.locator(".answer").inner_text()
    assert "This is not a valid code" in text and "check digit" in text
    shot(page, "verify-malformed-en")
    # The language switch keeps the question.
    page.click("a.switch")
    page.wait_for_selector("#answer-title")
    assert page.locator("html").get_attribute("lang") == "fa"
    assert "کد نادرست است" in page.locator(".answer").inner_text()


def test_a_wrong_national_id_shows_nothing_personal(demo: Demo, page: Any) -> None:
    page.goto(f"{demo.base}/?code={demo.code}")
    other = "0012345679" if demo.national_id != "0012345679" else "0023456782"
    page.fill("#national_id", other)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer-title")
    text = page.locator("main").inner_text()
    assert "یکی نیست" in text and demo.holder_name not in text
    shot(page, "verify-no-match-fa")


def _holder_token(demo: Demo) -> str:
    return _token(demo, "holder", "--national-id", demo.national_id)


def test_a_share_link_opens_as_a_page_until_revoked(demo: Demo, page: Any) -> None:
    headers = {"Authorization": f"Bearer {_holder_token(demo)}"}
    made = httpx.post(
        f"{demo.base}/api/v1/me/shares",
        json={"code": demo.code, "expires_in": 3600, "fields": ["holder_name", "graduation_date"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    share = made.json()
    assert share["url"].endswith(f"/s/{share['token']}")  # the link people are given is a page
    page.goto(share["url"].replace("http://127.0.0.1:8000", demo.base))
    page.wait_for_selector(".details")
    text = page.locator("main").inner_text()
    assert demo.holder_name in text and "معتبر" in text
    shot(page, "share-fa")
    revoked = httpx.delete(f"{demo.base}/api/v1/me/shares/{share['token']}", headers=headers)
    assert revoked.status_code == 200
    response = page.goto(f"{demo.base}/s/{share['token']}")
    assert response is not None and response.status == 410
    assert "منقضی یا لغو" in page.locator("main").inner_text()
    assert demo.holder_name not in page.content()
    shot(page, "share-revoked-fa")


def test_a_holder_signs_in_shares_a_document_and_sees_who_verified_it(
    demo: Demo, page: Any, browser: Any
) -> None:
    page.goto(demo.base + "/me")
    shot(page, "me-sign-in-fa")
    page.keyboard.type("sehat_not_a_real_token_at_all_0000000000000")
    page.keyboard.press("Enter")
    page.wait_for_selector("#token-error")
    assert "شناخته نشد" in page.locator("#token-error").inner_text()
    page.fill("#token", _holder_token(demo))
    page.keyboard.press("Enter")
    page.wait_for_selector("h2#doc-" + demo.code)
    assert to_persian_digits(_grouped(demo.code)) in page.locator("main").inner_text()
    # The QR image and the credential download for the signed-in holder only.
    qr = page.request.get(f"{demo.base}/me/documents/{demo.code}/qr.png")
    assert qr.status == 200 and qr.headers["content-type"] == "image/png"
    vc = page.request.get(f"{demo.base}/me/documents/{demo.code}/credential.json")
    assert vc.status == 200 and "OpenBadgeCredential" in vc.text()
    # Share the name and graduation date for a day.
    page.select_option("#share-code", demo.code)
    for box in page.locator("input[name=fields]").all():
        box.set_checked(box.get_attribute("value") in ("holder_name", "graduation_date"))
    page.select_option("#share-lifetime", "86400")
    page.click("form[action^='/me/shares'] button[type=submit]")
    page.wait_for_selector("#new-share")
    link = page.locator("#new-share").get_attribute("href")
    assert link is not None and "/s/shr_" in link
    shot(page, "me-shared-fa")
    # Someone opens it: it shows up in the holder's access log.
    other = browser.new_context()
    visitor = other.new_page()
    visitor.goto(link)
    assert demo.holder_name in visitor.locator("main").inner_text()
    other.close()
    page.goto(demo.base + "/me")
    log = page.locator("table").last.inner_text()
    assert "پیوند اشتراک" in log
    # Revoke it; the link stops working.
    page.click("form[action*='/revoke'] button")
    page.wait_for_selector("h1")
    assert "لغو شده" in page.locator("table").first.inner_text()
    shot(page, "me-revoked-fa")
    assert httpx.get(link).status_code == 410
    # Signed out, the documents are not reachable.
    page.click("form[action^='/me/sign-out'] button")
    page.wait_for_selector("#token")
    assert (
        page.request.get(f"{demo.base}/me/documents/{demo.code}/qr.png")
        .headers["content-type"]
        .startswith("text/html")
    )


def test_a_photo_of_the_qr_is_checked_and_a_forged_one_is_refused(
    demo: Demo, page: Any, tmp_path: Any
) -> None:
    from datetime import date

    import segno
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from sehat.core.code import AuthCode
    from sehat.core.cose import kid_for
    from sehat.core.qr import QrDocument, encode_qr

    headers = {"Authorization": f"Bearer {_holder_token(demo)}"}
    png = httpx.get(f"{demo.base}/api/v1/documents/{demo.code}/qr.png", headers=headers)
    assert png.status_code == 200
    genuine = tmp_path / "genuine.png"
    genuine.write_bytes(png.content)
    page.goto(demo.base + "/")
    page.set_input_files("#image", str(genuine))
    page.click("form[action^='/qr'] button[type=submit]")
    page.wait_for_selector("#answer-title")
    text = page.locator("main").inner_text()
    assert "امضای کد QR معتبر است" in text and "معتبر" in text
    assert demo.holder_name in text
    shot(page, "verify-qr-fa")
    # The same document signed by someone else's key: forged.
    forger = Ed25519PrivateKey.generate()
    fake = QrDocument(
        code=AuthCode(demo.code),
        version=1,
        holder_name="جاعل",
        birth_date=date(1990, 1, 1),
        kind=int(demo.code[7]),
        institution=demo.code[:5],
        field_of_study="رشته",
        graduation_date=date(2015, 6, 1),
    )
    forged = tmp_path / "forged.png"
    segno.make(
        encode_qr(fake, "sehat", 1_700_000_000, forger, kid_for(forger.public_key())), error="m"
    ).save(str(forged), scale=4)
    page.goto(demo.base + "/")
    page.set_input_files("#image", str(forged))
    page.click("form[action^='/qr'] button[type=submit]")
    page.wait_for_selector("#answer-title")
    assert "جعلی" in page.locator(".answer").inner_text()
    assert "جاعل" not in page.locator("main").inner_text()
    shot(page, "verify-qr-forged-fa")


def _verifier_token(demo: Demo) -> str:
    return _token(demo, "verifier", "--name", "Acme HR")


def test_an_organisation_checks_a_csv_and_downloads_the_answers(
    demo: Demo, page: Any, tmp_path: Any
) -> None:
    page.goto(demo.base + "/org")
    page.keyboard.type(_verifier_token(demo))
    page.keyboard.press("Enter")
    page.wait_for_selector("#file")
    sheet = tmp_path / "applicants.csv"
    wrong = demo.code[:-1] + str((int(demo.code[-1]) + 1) % 10)
    sheet.write_text(
        f"کد صحت,کد ملی\n{_grouped(demo.code)},{demo.national_id}\n{wrong},{demo.national_id}\n",
        encoding="utf-8",
    )
    page.set_input_files("#file", str(sheet))
    page.click("form[action^='/org/check'] button[type=submit]")
    page.wait_for_selector("#results")
    rows = page.locator("#results tbody tr").all_inner_texts()
    assert len(rows) == 2
    assert "معتبر" in rows[0] and demo.holder_name in rows[0] and "درست" in rows[0]
    assert "کد نادرست است" in rows[1]
    shot(page, "org-results-fa")
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "answers.csv"
    download.value.save_as(str(saved))
    answers = saved.read_text(encoding="utf-8-sig").splitlines()
    assert answers[0].startswith("line,code,status,match")
    assert ",VALID,yes," in answers[1] and ",MALFORMED," in answers[2]
    # The same code twice in one file is refused whole, naming both lines.
    sheet.write_text(
        f"code,national_id\n{demo.code},{demo.national_id}\n{demo.code},{demo.national_id}\n",
        encoding="utf-8",
    )
    page.set_input_files("#file", str(sheet))
    page.click("form[action^='/org/check'] button[type=submit]")
    page.wait_for_selector("#file-error")
    error = page.locator("#file-error").inner_text()
    assert "2" in error.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")) and "3" in error
