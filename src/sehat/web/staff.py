"""What the staff pages share (``/registrar``, ``/audit``, ``/admin``): signing in with a
token of the page's roles, the language suffix, and errors said in the page's language,
each next to its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from sehat.errors import InputError, SehatError
from sehat.services.principal import Role
from sehat.web.pages import lang_of, render
from sehat.web.session import keep_session, refusal
from sehat.web.words import words


def suffix(request: Request) -> str:
    """``?lang=en`` on an English page, so links and forms keep the language."""
    return "?lang=en" if lang_of(request) == "en" else ""


def said(request: Request, exc: SehatError) -> str:
    """An error's message in the page's language."""
    return exc.message_fa if lang_of(request) == "fa" else exc.message


def by_field(
    request: Request, problems: Iterable[Any], labels: dict[str, str] | None = None
) -> dict[str, str]:
    """Problems (``Problem`` or their dicts) as one message per field, in the page's language:
    what is wrong, then how to fix it. ``labels`` names fields as the page's labels do: a
    message written for the API (``last_name را وارد کنید``) reads ``نام خانوادگی را وارد کنید``."""
    fa = lang_of(request) == "fa"
    out: dict[str, str] = {}
    named = (
        re.compile(
            r"(?<![A-Za-z_])("
            + "|".join(sorted(map(re.escape, labels), key=len, reverse=True))
            + r")(?![A-Za-z_])"
        )
        if labels
        else None
    )
    for p in problems:
        d = p if isinstance(p, dict) else p.as_dict()
        text = str(d["problem_fa"] if fa else d["problem"])
        fix = str(d.get("fix_fa" if fa else "fix") or "")
        if fix:
            text += " — " + fix
        if named is not None and labels is not None:
            text = named.sub(lambda m: f"«{labels[m.group(1)]}»", text)
        name = str(d.get("field") or "")
        out[name] = out[name] + ("؛ " if fa else "; ") + text if name in out else text
    return out


def problems_of(exc: SehatError) -> list[Any]:
    """The problems of an InputError; any other error as one problem with no field."""
    if isinstance(exc, InputError):
        return list(exc.problems)
    return [{"field": "", "problem": exc.message, "problem_fa": exc.message_fa}]


def signin_page(
    request: Request,
    path: str,
    heading: str,
    hint: str,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    """The sign-in form of a staff page (a token; kept in the session cookie)."""
    w = words(lang_of(request))
    return render(
        request,
        "signin.html",
        status,
        error=error,
        action=f"{path}/sign-in",
        heading=w[heading],
        hint=w[hint],
        label=w["any_token_label"],
    )


def sign_in(
    request: Request,
    token: str,
    roles: tuple[Role, ...],
    path: str,
    heading: str,
    hint: str,
    wrong_role: str,
) -> Response:
    """Check ``token`` for one of ``roles`` (and that the form came from this site); keep it."""
    refused = refusal(request, token.strip(), roles)
    if refused is not None:
        status, word = refused
        text = words(lang_of(request))[wrong_role if word == "wrong_role" else word]
        return signin_page(request, path, heading, hint, status, text)
    return keep_session(request, token.strip(), path + suffix(request))
