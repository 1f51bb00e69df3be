"""Pages of both languages served at the same time each keep their own digits and words
(the formatting filters follow the page being rendered, never another request's)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from sehat.core.persian import to_persian_digits

from .api_helpers import P, make_client, make_tokens
from .registry_helpers import record


def test_persian_and_english_share_pages_at_once(engine: sa.Engine, tmp_path: Path) -> None:
    client, tok = make_client(engine, tmp_path), make_tokens(engine)
    issued = client.post(
        "/api/v1/graduations",
        json=record(P.uni_a, 2, P.field_science, tok.holder_national_id),
        headers=tok.registrar_a,
    ).json()
    code = issued["code"]
    share = client.post(
        "/api/v1/me/shares",
        json={"code": code, "expires_in": 3600, "fields": ["holder_name"]},
        headers=tok.holder,
    ).json()
    grouped = "-".join(code[i : i + 4] for i in range(0, 20, 4))

    def page(lang: str) -> tuple[str, str]:
        suffix = "?lang=en" if lang == "en" else ""
        return lang, client.get(f"/s/{share['token']}{suffix}").text

    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(page, ["fa", "en"] * 60))
    for lang, html in pages:
        if lang == "en":
            assert grouped in html and to_persian_digits(grouped) not in html
        else:
            assert to_persian_digits(grouped) in html and grouped not in html
