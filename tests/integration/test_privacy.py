"""No national ID, name, share token or bearer token in any log line (DESIGN §5): a whole
scenario against a real `sehat serve` at debug level, then every line it printed is scanned."""

from __future__ import annotations

from pathlib import Path

import httpx
import sqlalchemy as sa

from sehat.reference.loader import load_reference

from .api_helpers import P, make_tokens
from .registry_helpers import new_national_id, record, sync_institutions
from .server_helpers import running_server

FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def test_a_full_scenario_leaves_nothing_personal_in_the_logs(
    engine: sa.Engine, tmp_path: Path
) -> None:
    sync_institutions(engine, load_reference())
    tok = make_tokens(engine)
    holder = tok.holder_national_id
    others = [new_national_id() for _ in range(2)]
    names = [
        ("پرستو", "کاظمی‌نژاد", "Parastoo", "Kazeminejad"),
        ("بهرام", "امیرخانلو", "Bahram", "Amirkhanloo"),
        ("ژیلا", "قره‌باغی", "Jila", "Gharebaghi"),
    ]
    secrets: set[str] = {holder, holder.translate(FA), *others}
    for first, last, first_latin, last_latin in names:
        secrets |= {first, last, first_latin, last_latin}
    for headers in (tok.registrar_a, tok.holder, tok.verifier, tok.auditor):
        secrets.add(headers["Authorization"].removeprefix("Bearer "))
    log_file = tmp_path / "server.log"

    with running_server(
        engine, tmp_path / "data", env={"SEHAT_LOG_LEVEL": "debug"}, log=log_file
    ) as base:
        api = httpx.Client(base_url=f"{base}/api/v1", timeout=30)
        codes = []
        for nid, (first, last, first_latin, last_latin) in zip(
            [holder, *others], names, strict=True
        ):
            body = record(
                P.uni_a,
                2,
                P.field_science,
                nid,
                first_name=first,
                last_name=last,
                first_name_latin=first_latin,
                last_name_latin=last_latin,
            )
            answer = api.post("/graduations", json=body, headers=tok.registrar_a)
            assert answer.status_code == 201, answer.text
            codes.append(answer.json()["code"])
        bad = record(P.uni_a, 2, P.field_science, "1234567890", first_name=names[0][0])
        assert api.post("/graduations", json=bad, headers=tok.registrar_a).json()["status"] == (
            "REJECTED"
        )
        assert (
            api.post(
                "/graduations",
                content=f'{{"national_id": "{holder}", '.encode(),
                headers={**tok.registrar_a, "Content-Type": "application/json"},
            ).status_code
            == 400
        )
        code = codes[0]
        assert api.get(f"/verify/{code}").json()["status"] == "VALID"
        assert api.get(f"/verify/{holder}").json()["status"] == "MALFORMED"
        assert api.post("/verify", json={"code": code, "national_id": holder}).json()["match"]
        api.post("/verify", json={"code": code, "national_id": others[0].translate(FA)})
        assert api.post("/verify", json={"code": code, "national_id": "12"}).status_code == 422
        items = [
            {"code": c, "national_id": n} for c, n in zip(codes, [holder, *others], strict=True)
        ]
        assert api.post("/verify/batch", json={"items": items}, headers=tok.verifier).is_success
        csv = "code,national_id\n" + "\n".join(f"{i['code']},{i['national_id']}" for i in items)
        assert api.post(
            "/verify/batch/csv",
            content=csv.encode(),
            headers={**tok.verifier, "Content-Type": "text/csv"},
        ).is_success
        share = api.post(
            "/me/shares",
            json={"code": code, "expires_in": 600, "fields": ["holder_name", "birth_date"]},
            headers=tok.holder,
        ).json()
        secrets.add(share["token"])
        assert api.get(f"/shares/{share['token']}").json()["details"]["holder_name_fa"]
        assert api.delete(f"/me/shares/{share['token']}", headers=tok.holder).is_success
        assert api.get(f"/shares/{share['token']}").status_code == 410
        assert api.get(f"/shares/{share['token']}x").status_code == 404
        assert api.get("/me/documents", headers=tok.holder).is_success
        assert api.get("/me/access-log", headers=tok.holder).json()["entries"]
        assert api.get("/access-log", params={"code": code}, headers=tok.auditor).is_success
        assert (
            api.get("/access-log", params={"code": holder}, headers=tok.auditor).status_code == 422
        )
        assert api.get(f"/documents/{code}", headers=tok.holder).is_success
        assert api.get(f"/documents/{code}/qr", headers=tok.holder).is_success
        assert api.get(f"/documents/{code}", headers=tok.verifier).status_code == 403
        assert (
            api.get("/me/documents", headers={"Authorization": f"Bearer {holder}"}).status_code
            == 401
        )

    printed = log_file.read_text(encoding="utf-8", errors="replace")
    # The server did log: one line per request, by route template.
    assert "POST /api/v1/verify 200" in printed
    assert "GET /api/v1/shares/{token} 410" in printed
    leaked = sorted(s for s in secrets if s in printed)
    assert not leaked, f"personal data or tokens in the server's log: {leaked}"
