"""Every page this server shows works on a machine with no internet: /docs and the pages
name only this server's own files, and each file they name is served (issue 13 item 5).
The browser test (tests/e2e/test_docs_offline.py) loads /docs with the network cut."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from fastapi.testclient import TestClient

from sehat.web import pages

# Anything a browser would fetch from elsewhere: a scheme (http:, https:, ftp:…) or a
# scheme-relative //host.
_EXTERNAL = re.compile(r"^\s*([a-z][a-z0-9+.-]*:|//|\\\\)", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\s+['\"]([^'\"]+)", re.IGNORECASE)


class _References(HTMLParser):
    """The URLs a page makes the browser fetch: src, href of links, srcset, inline CSS."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            fetched = name in ("src", "poster", "data", "action", "formaction")
            if fetched or (name == "href" and tag in ("link", "base")):
                self.urls.append(value)
            elif name == "srcset":
                self.urls += [part.split()[0] for part in value.split(",") if part.strip()]
            elif name == "style":
                self.urls += _CSS_URL.findall(value)
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += _CSS_URL.findall(data) + _CSS_IMPORT.findall(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def _references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


def _external(urls: list[str]) -> list[str]:
    return [u for u in urls if _EXTERNAL.match(u) and not u.startswith("data:")]


def test_docs_names_only_files_of_this_server_and_each_is_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    urls = _references(page.text)
    assert _external(urls) == []
    assert "https://" not in page.text and "http://" not in page.text
    scripts = [u for u in urls if u.endswith(".js")]
    styles = [u for u in urls if u.endswith(".css")]
    assert scripts and styles  # Swagger UI's own files, not a page that names nothing
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.content, url
    assert client.get(scripts[0]).headers["content-type"].startswith("text/javascript")
    # What the page fetches next is this server's description.
    assert client.get("/openapi.json").json()["info"]["title"]


def test_docs_may_load_nothing_from_another_host(client: TestClient) -> None:
    policy = client.get("/docs").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "style-src", "img-src", "connect-src", "font-src"):
        sources = directives[name].split()
        assert "'self'" in sources
        assert not [s for s in sources if _EXTERNAL.match(s) and s != "data:"], (name, sources)
        assert "*" not in sources


def test_redoc_is_not_served(client: TestClient) -> None:
    # ReDoc always fetches a logo from its maker's CDN: it is not offered at all.
    assert client.get("/redoc").status_code == 404


def test_the_pages_and_their_styles_name_no_other_host(client: TestClient) -> None:
    for url in ("/", "/?lang=en", "/me", "/org", "/s/no-such-link"):
        page = client.get(url)
        assert "text/html" in page.headers["content-type"], url
        urls = _references(page.text)
        assert urls, url
        assert _external(urls) == [], url
        for own in urls:
            if own.startswith("/static/"):
                assert client.get(own).status_code == 200, own
    static = Path(pages.__file__).parent / "static"
    for css in static.glob("*.css"):
        text = css.read_text()
        assert _external(_CSS_URL.findall(text) + _CSS_IMPORT.findall(text)) == [], css.name
