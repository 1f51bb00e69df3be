"""The registrar's, the inspector's and the administrator's pages, and the holder's demo
sign-in by national ID, in a real browser (Debian's Chromium): each role's main flow, a
screenshot of every page, no console error, and the graduation form with the keyboard alone."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from sehat.core.national_id import make_national_id
from sehat.core.persian import to_persian_digits

from .conftest import Demo, server_log, shot, token

FA_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۹۸", "0123456798")


def _focus_by_tab(page: Any, element_id: str, limit: int = 80) -> None:
    """Press Tab until ``element_id`` has the focus, as a keyboard user does."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def _choose(page: Any, select_id: str, value: str) -> None:
    """Pick an option of the focused select with the arrow keys."""
    index = page.evaluate(
        "([id, v]) => [...document.getElementById(id).options].findIndex(o => o.value === v)",
        [select_id, value],
    )
    assert index > 0, (select_id, value)
    for _ in range(index):
        page.keyboard.press("ArrowDown")
    assert page.eval_on_selector(f"#{select_id}", "e => e.value") == value


def _error(page: Any, name: str) -> str:
    return str(page.locator(f"#f-{name}-error").inner_text())


def test_an_answer_about_the_form_as_it_was_never_shows_on_a_field_typed_since(
    demo: Demo, page: Any
) -> None:
    page.clock.install()  # the page's timers run only when the test says
    page.goto(demo.base + "/registrar")
    page.keyboard.type(token(demo, "registrar", "--institution", "10001"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#graduation-form")
    page.clock.pause_at(datetime.now() + timedelta(seconds=5))
    held: list[Any] = []
    page.route("**/registrar/check", lambda route: held.append(route))  # each waits for us
    page.focus("#f-last_name")
    page.keyboard.type("رضایی")
    page.keyboard.press("Tab")
    page.clock.run_for(1)  # the check on leaving a field: sent with no birth date yet
    page.wait_for_function("() => true")
    deadline = time.monotonic() + 10
    while not held:
        assert time.monotonic() < deadline, "no check was sent"
        page.wait_for_timeout(20)
    page.focus("#f-birth_date")
    page.keyboard.type("۱۳۷۵/۱۳/۰۱")  # touched now; its own check waits for a pause
    with page.expect_response("**/registrar/check"):
        held.pop().continue_()  # the answer about the old form: "birth date required"
    page.wait_for_timeout(300)  # time for the page to show it, were it to
    assert page.locator("#f-birth_date-error").is_hidden()
    page.unroute("**/registrar/check")
    page.clock.run_for(600)  # the pause after typing: the form as it is now is checked
    page.wait_for_selector("#f-birth_date-error:not([hidden])")
    assert "ماه" in _error(page, "birth_date")


def test_a_registrar_submits_with_the_keyboard_sees_field_errors_then_revokes(
    demo: Demo, page: Any
) -> None:
    page.goto(demo.base + "/registrar")
    shot(page, "registrar-sign-in-fa")
    page.keyboard.type(token(demo, "registrar", "--institution", "10001"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#graduation-form")
    assert "دانشگاه تهران" in page.locator("h1").inner_text()
    shot(page, "registrar-desk-fa")

    # Validated as typed: a national ID too short and a month that does not exist.
    _focus_by_tab(page, "f-national_id")
    page.keyboard.type("۱۲۳")
    page.keyboard.press("Tab")
    page.wait_for_selector("#f-national_id-error:not([hidden])")
    assert "۱۰ رقم" in _error(page, "national_id")
    assert page.get_attribute("#f-national_id", "aria-invalid") == "true"
    assert page.locator("#f-first_name-error").is_hidden()  # untouched fields stay quiet
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    holder = str(make_national_id(f"{int(time.time()) % 10**9:09d}"))
    page.keyboard.type(to_persian_digits(holder))
    page.wait_for_selector("#f-national_id-error", state="hidden")
    _focus_by_tab(page, "f-first_name")
    page.keyboard.type("مریم")
    page.keyboard.press("Tab")
    page.keyboard.type("رضایی")
    _focus_by_tab(page, "f-birth_date")
    page.keyboard.type("۱۳۷۵/۱۳/۰۱")
    page.keyboard.press("Tab")
    page.wait_for_selector("#f-birth_date-error:not([hidden])")
    assert "ماه" in _error(page, "birth_date")
    shot(page, "registrar-typing-errors-fa")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("۱۳۷۵/۰۶/۱۵")
    page.wait_for_selector("#f-birth_date-error", state="hidden")
    _focus_by_tab(page, "f-kind")
    _choose(page, "f-kind", "2")
    _focus_by_tab(page, "f-field_code")
    _choose(page, "f-field_code", "1101")
    _focus_by_tab(page, "f-program_type")
    _choose(page, "f-program_type", "continuous")
    _focus_by_tab(page, "f-graduation_date")
    page.keyboard.type("1398/04/31")
    # The student number is left out: the server's answer says so beside the field.
    page.keyboard.press("Enter")
    page.wait_for_selector("#form-problems")
    assert "شماره دانشجویی" in page.locator("#form-problems").inner_text()
    assert "الزامی" in _error(page, "student_number")
    assert page.input_value("#f-first_name") == "مریم"  # what was typed is kept
    shot(page, "registrar-refused-fa")
    _focus_by_tab(page, "f-student_number")
    page.keyboard.type(f"E2E{holder[-6:]}")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result")
    assert "مدرک صادر شد" in page.locator("#result").inner_text()
    shot(page, "registrar-issued-fa")
    link = page.get_attribute("#new-code", "href")
    assert link is not None
    code = link.split("code=")[1][:20]

    # The document: revoking needs a reason code, said next to the field when missing.
    page.click("#new-code")
    page.wait_for_selector("#revoke-reason")
    assert "معتبر" in page.locator("#doc-title").inner_text()
    shot(page, "registrar-document-fa")
    page.click("form[action^='/registrar/document/revoke'] button")
    page.wait_for_selector("#revoke-reason-error:not([hidden])")
    assert "دلیل" in page.locator("#revoke-reason-error").inner_text()
    page.select_option("#revoke-reason", "fraud")
    page.fill("#revoke-note", "مدرک با پرونده جعلی صادر شده بود")
    page.click("form[action^='/registrar/document/revoke'] button")
    page.wait_for_selector("#notice")
    assert "ابطال شد" in page.locator("#notice").inner_text()
    assert "ابطال شده" in page.locator("#doc-title").inner_text()
    shot(page, "registrar-revoked-fa")
    public = httpx.get(f"{demo.base}/api/v1/verify/{code}").json()
    assert public["status"] == "REVOKED" and public["reason"] == "fraud"


def test_a_registrar_page_refuses_a_holder_token_and_reads_in_english(
    demo: Demo, page: Any
) -> None:
    page.goto(demo.base + "/registrar?lang=en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.fill("#token", token(demo, "holder", "--national-id", demo.national_id))
    page.keyboard.press("Enter")
    page.wait_for_selector("#token-error")
    assert "not an institution registrar's token" in page.locator("#token-error").inner_text()
    page.fill("#token", token(demo, "registrar", "--institution", "10001"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#graduation-form")
    assert "Submit one graduation" in page.locator("main").inner_text()
    shot(page, "registrar-desk-en")


def test_the_inspector_browses_the_log_and_runs_the_audit(demo: Demo, page: Any) -> None:
    page.goto(demo.base + "/audit")
    shot(page, "audit-sign-in-fa")
    page.keyboard.type(token(demo, "auditor"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#tree-size")
    size = int(page.locator("#tree-size").inner_text().translate(FA_DIGITS))
    assert size > 50
    assert page.locator("#entries tbody tr").count() == 50
    assert "صدور" in page.locator("#entries").inner_text()
    shot(page, "audit-fa")
    page.click("a[rel=next]")
    page.wait_for_selector("a[rel=prev]")
    first = page.locator("#entries tbody tr").first.inner_text().split()[0]
    assert first.translate(FA_DIGITS) == "50"
    page.click("form[action^='/audit/run'] button")
    page.wait_for_selector("#report")
    report = page.locator("#report").inner_text()
    assert "همه چیز درست است" in report
    shot(page, "audit-report-fa")


def test_the_operator_sees_institutions_and_keys_and_makes_a_token(demo: Demo, page: Any) -> None:
    page.goto(demo.base + "/admin?lang=en")
    page.keyboard.type(token(demo, "registrar", "--institution", "10001"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#token-error")
    assert "not an operator's" in page.locator("#token-error").inner_text()
    page.fill("#token", token(demo, "operator"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#institution-list")
    assert "University of Tehran" in page.locator("#institution-list").inner_text()
    keys = page.locator("#key-list").inner_text()
    assert "issuing" in keys and "root" in keys and "log" in keys
    shot(page, "admin-en")
    # An account with a scope that does not fit its role is explained beside the field.
    page.select_option("#account-role", "registrar")
    page.fill("#account-name", "Registrar, Sharif")
    page.fill("#account-institution", "99999")
    page.click("#account-form button")
    page.wait_for_selector("#account-institution-error:not([hidden])")
    assert "not a known institution" in page.locator("#account-institution-error").inner_text()
    page.fill("#account-institution", "۱۰۰۰۲")
    page.click("#account-form button")
    page.wait_for_selector("#notice")
    page.select_option("#token-account", label="Registrar, Sharif — registrar")
    page.fill("#token-days", "۳۰")
    page.click("#token-form button")
    page.wait_for_selector("#new-token")
    made = page.locator("#new-token").inner_text()
    assert made.startswith("sehat_")
    shot(page, "admin-token-made-en")
    mine = httpx.get(
        f"{demo.base}/api/v1/registrar/pending", headers={"Authorization": f"Bearer {made}"}
    )
    assert mine.status_code == 200
    page.click(f"button[aria-label='Revoke {made[:10]}']")
    page.wait_for_selector("#notice")
    again = httpx.get(
        f"{demo.base}/api/v1/registrar/pending", headers={"Authorization": f"Bearer {made}"}
    )
    assert again.status_code == 401
    page.goto(demo.base + "/admin")
    assert page.locator("html").get_attribute("dir") == "rtl"
    shot(page, "admin-fa")


def _code_for(demo: Demo, reference: str) -> str:
    for _ in range(50):
        found = re.search(rf"one-time code (\d{{6}}) for reference {reference}", server_log(demo))
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code for {reference} in the server's log")


def test_a_holder_signs_in_with_a_national_id_and_a_code_from_the_log(
    demo: Demo, page: Any
) -> None:
    page.goto(demo.base + "/me")
    page.fill("#nid", to_persian_digits(demo.national_id))
    page.keyboard.press("Enter")
    page.wait_for_selector("#otp")
    reference = page.locator("#otp-reference").inner_text()
    challenge = page.get_attribute("input[name=challenge]", "value")
    shot(page, "me-code-sent-fa")
    code = _code_for(demo, reference)
    assert demo.national_id not in server_log(demo)  # the log names no person
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page.keyboard.type(wrong)  # the code field has the focus
    page.keyboard.press("Enter")
    page.wait_for_selector("#otp-error")
    assert "درست نیست" in page.locator("#otp-error").inner_text()
    shot(page, "me-code-wrong-fa")
    page.fill("#otp", to_persian_digits(code))
    page.keyboard.press("Enter")
    page.wait_for_selector("h2#doc-" + demo.code)
    shot(page, "me-signed-in-by-code-fa")
    # Used once: the same code does not sign in again.
    page.click("form[action^='/me/sign-out'] button")
    page.wait_for_selector("#nid")
    answer = page.request.post(
        f"{demo.base}/me/code/confirm",
        form={"challenge": str(challenge), "code": code},
    )
    assert answer.status == 410


def test_a_registrar_sees_its_queues(demo: Demo, page: Any) -> None:
    import sqlalchemy as sa

    from sehat.config import default_database_url
    from sehat.store import schema as t
    from sehat.store.db import make_engine

    engine = make_engine(default_database_url(demo.data))
    with engine.connect() as conn:
        busiest = conn.execute(
            sa.select(t.backfill_requests.c.target_institution)
            .where(t.backfill_requests.c.target_institution.is_not(None))
            .group_by(t.backfill_requests.c.target_institution)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).scalar_one()
    engine.dispose()
    page.goto(demo.base + "/registrar")
    page.keyboard.type(token(demo, "registrar", "--institution", busiest))
    page.keyboard.press("Enter")
    page.wait_for_selector("#backfill table")
    page.click("#backfill a[href*='backfill=']")
    page.wait_for_selector("input[name=backfill_id]", state="attached")
    assert page.input_value("#f-national_id") or page.input_value("#f-foreign_id")
    assert page.input_value("#f-first_name")
    shot(page, "registrar-queues-fa")
