"""The ``Allow`` header of a 405 answer: every method the requested path accepts; and HEAD
wherever GET is served (RFC 9110 §9.1: a general-purpose server supports both).

Starlette answers 405 from the first route whose path matches, and lists only that route's
methods; where one path has several routes (``GET`` and ``POST /api/v1/me/shares``) the
other methods went unsaid. RFC 9110 §15.5.6 asks for all of them, so here every route of
the application (included routers too, through the public ``matches``) is asked, method by
method, whether it would take the path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")  # served by HeadAsGet
    return allowed


class HeadAsGet:
    """Answers HEAD on a path whose route takes only GET: the GET answer's status and headers
    (its ``Content-Length`` too), without the body. FastAPI's routes list GET alone; the
    static files and ``/openapi.json`` answer HEAD themselves and are left to it."""

    def __init__(self, app: ASGIApp, routes: Callable[[], Iterable[BaseRoute]]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or self._answers_head(scope):
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)

    def _answers_head(self, scope: Scope) -> bool:
        """Whether a route takes HEAD itself (a mount, ``/openapi.json``), or no route takes
        GET either (then the usual 405)."""
        routes = list(self.routes())
        path, root = scope["path"], scope.get("root_path", "")

        def taken(method: str) -> bool:
            probe = {"type": "http", "path": path, "root_path": root, "method": method}
            return any(route.matches(probe)[0] == Match.FULL for route in routes)

        return taken("HEAD") or not taken("GET")
