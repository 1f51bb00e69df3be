"""The docs name only what exists: every `sehat …` command and option, and every
`/api/v1/…` path they name, is one the code has — or the paragraph naming it says it is
planned. And what README lists as not built yet must really not exist, so that list is
emptied as things are built. (The pages table has its own test: test_readme_pages.py.)"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from typer.main import get_command

import sehat.api.routes
from sehat.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted(
    [README, ROOT / "SECURITY.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "docs/adr").glob("*.md")]
)
NOT_BUILT = "## Not built yet"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


# --- what exists -------------------------------------------------------------------------


def _routes() -> list[tuple[set[str], re.Pattern[str]]]:
    """Every API route: its methods and a pattern its path's mentions must match."""
    out = []
    for info in pkgutil.iter_modules(sehat.api.routes.__path__):
        module = importlib.import_module(f"sehat.api.routes.{info.name}")
        for route in module.router.routes:
            if isinstance(route, APIRoute):
                pattern = re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(route.path))
                out.append((set(route.methods), re.compile(pattern)))
    return out


ROUTES = _routes()
CLI = get_command(app)


def _route_exists(method: str | None, path: str) -> bool:
    """A path (with `{param}` or any value in place of a parameter) one route serves; a bare
    prefix such as `/api/v1/admin` counts when some route lies under it."""
    for methods, pattern in ROUTES:
        if method is not None and method not in methods:
            continue
        if pattern.fullmatch(path) or pattern.pattern.startswith(re.escape(path + "/")):
            return True
    return False


def _command(words: list[str]) -> tuple[Any, list[str]] | None:
    """The command `sehat <words>` names and the words after it, or None when a word that
    should be a sub-command is not one (`a|b` alternatives must all exist)."""
    node, rest = CLI, list(words)
    while hasattr(node, "commands") and rest and not rest[0].startswith(("-", "[", "…", "<")):
        names = rest[0].split("|")
        if not all(name in node.commands for name in names):
            return None
        rest.pop(0)
        found = [node.commands[name] for name in names]
        if len(found) > 1:  # `sehat keys list|rotate|revoke`: the options apply to none
            return found[0], []
        node = found[0]
    return node, rest


def _options(command: Any) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts)}


# --- what the docs name ------------------------------------------------------------------


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """Paragraphs (blank-line separated; a fenced block is one) with their first line."""
    line = 1
    for block in re.split(r"\n\s*\n", text):
        yield line, block
        line += block.count("\n") + 2


def _sections(path: Path) -> Iterator[tuple[bool, int, str]]:
    """(is under README's "Not built yet", line, paragraph) for every paragraph of a doc."""
    text = path.read_text(encoding="utf-8")
    cut = text.find("\n" + NOT_BUILT) if path == README else -1
    built = text if cut < 0 else text[:cut]
    yield from ((False, n, p) for n, p in _paragraphs(built))
    if cut >= 0:
        offset = built.count("\n") + 1
        yield from ((True, n + offset, p) for n, p in _paragraphs(text[cut:]))


def _commands_named(paragraph: str) -> Iterator[list[str]]:
    """`sehat …` in backquotes, and each `sehat …` line of a shell block (a `|` between
    spaces separates two commands there)."""
    spans = re.findall(r"`(sehat [^`]+)`", paragraph)
    if paragraph.lstrip().startswith("```"):
        spans += [
            part
            for line in paragraph.splitlines()
            if line.startswith("sehat ")
            for part in line.split("#", 1)[0].split(" | ")
        ]
    for span in spans:
        yield span.split()[1:]


def _paths_named(path: Path, paragraph: str) -> Iterator[tuple[str | None, str]]:
    """`/api/v1/…` paths with the method written before them, if any; in docs/api.md also the
    `$API/…` of its examples. `<a placeholder>` stands for a parameter."""
    text = re.sub(r"<[^>\n]*>", "{x}", paragraph)
    found = re.finditer(r"(?:\b([A-Z]{3,6}) )?(/api/v1(?:/[^\s`\"'?#|,;)]+)*)", text)
    named = [(m.group(1), m.group(2)) for m in found]
    if path.name == "api.md":
        found = re.finditer(r"(?:-X ([A-Z]+) )?\$API(/[^\s`\"'?#]+)", text)
        named += [(m.group(1), "/api/v1" + m.group(2)) for m in found]
    for method, named_path in named:
        yield (method if method in METHODS else None), named_path.rstrip(".:…").rstrip("/")


def _planned(paragraph: str) -> bool:
    return "planned" in paragraph.lower()


# --- the tests ---------------------------------------------------------------------------


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_every_command_and_option_the_docs_name_exists_or_is_marked_planned() -> None:
    wrong = []
    for doc in DOCS:
        for not_built, line, paragraph in _sections(doc):
            if not_built or _planned(paragraph):
                continue
            for words in _commands_named(paragraph):
                found = _command(words)
                if found is None:
                    wrong.append(f"{_where(doc, line)}: no command `sehat {' '.join(words)}`")
                    continue
                command, rest = found
                for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", " ".join(rest)):
                    if option not in _options(command):
                        wrong.append(f"{_where(doc, line)}: `sehat {command.name}` has no {option}")
    assert not wrong, "\n".join(wrong)


def test_every_api_path_the_docs_name_exists_or_is_marked_planned() -> None:
    wrong = [
        f"{_where(doc, line)}: {method or ''} {path} is not served"
        for doc in DOCS
        for not_built, line, paragraph in _sections(doc)
        if not (not_built or _planned(paragraph))
        for method, path in _paths_named(doc, paragraph)
        if not _route_exists(method, path)
    ]
    assert not wrong, "\n".join(wrong)


def test_what_readme_lists_as_not_built_yet_does_not_exist() -> None:
    section = [(line, p) for not_built, line, p in _sections(README) if not_built]
    assert section, f"README has no {NOT_BUILT!r} section"
    built = []
    for line, paragraph in section:
        # Each item says what is planned, then what to use "Today": only the first part counts.
        paragraph = "\n".join(item.split("Today", 1)[0] for item in paragraph.split("\n- "))
        for words in _commands_named(paragraph):
            if _command(words[:1]) is not None:
                built.append(f"README.md:{line}: `sehat {words[0]}` exists")
        for method, path in _paths_named(README, paragraph):
            if _route_exists(method, path):
                built.append(f"README.md:{line}: {path} is served")
    assert not built, "describe these where they belong:\n" + "\n".join(built)


@pytest.mark.parametrize(
    ("words", "exists"),
    [
        (["db", "backup", "DIR"], True),
        (["keys", "list|rotate|revoke"], True),
        (["verify", "CODE"], False),
        (["db", "frobnicate"], False),
    ],
)
def test_the_command_lookup_itself(words: list[str], exists: bool) -> None:
    assert (_command(words) is not None) is exists


def test_the_route_lookup_itself() -> None:
    assert _route_exists("GET", "/api/v1/verify/{code}")
    assert _route_exists(None, "/api/v1/documents/10001052527580048054/qr.png")
    assert _route_exists(None, "/api/v1/admin")
    assert not _route_exists("DELETE", "/api/v1/verify/{code}")
    assert not _route_exists(None, "/api/v1/bundle")


def _leaves(node: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if not hasattr(node, "commands"):
        yield prefix
        return
    for name, sub in node.commands.items():
        yield from _leaves(sub, (*prefix, name))


def test_readme_cli_section_names_every_command() -> None:
    section = README.read_text(encoding="utf-8").split("## CLI", 1)[1].split("\n## ", 1)[0]
    named = set()
    for _, paragraph in _paragraphs(section):
        for words in _commands_named(paragraph):
            found = _command(words)
            if found is not None and len(words) > len(found[1]):
                consumed = words[: len(words) - len(found[1])]
                named |= {(*consumed[:-1], alt) for alt in consumed[-1].split("|")}
    missing = [" ".join(c) for c in _leaves(CLI) if c not in named]
    assert not missing, f"README's CLI section does not name: {missing}"
