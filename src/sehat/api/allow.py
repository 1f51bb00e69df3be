"""The ``Allow`` header of a 405 answer: every method the requested path accepts.

Starlette answers 405 from the first route whose path matches, and lists only that route's
methods; where one path has several routes (``GET`` and ``POST /api/v1/me/shares``) the
other methods went unsaid. RFC 9110 §15.5.6 asks for all of them, so here every route of
the application (included routers too, through the public ``matches``) is asked, method by
method, whether it would take the path.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# The order RFC 9110 §9 lists them in, for a stable header.
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """The methods some route of ``routes`` fully matches for ``scope``'s path."""
    # The request as it reached the application: a mount it went through has since moved
    # part of its path into root_path.
    root = scope.get("app_root_path", scope.get("root_path", ""))
    allowed: list[str] = []
    for method in _ORDER:
        probe = {"type": "http", "path": scope["path"], "root_path": root, "method": method}
        for route in routes:
            if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
                # A mount matches every method; its files answer GET and HEAD.
                if method in ("GET", "HEAD") and route.matches(probe)[0] == Match.FULL:
                    allowed.append(method)
                    break
            elif not isinstance(route, Mount) and route.matches(probe)[0] == Match.FULL:
                allowed.append(method)
                break
    return allowed
