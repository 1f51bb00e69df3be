"""Child processes started with multiprocessing's "spawn" without re-importing this
process's ``__main__`` — the server's workers (uvicorn) and an import's workers alike.

A spawned child imports the parent's main module before it does anything else: for the
``sehat`` command that is the whole command line (``sehat.cli.main``: the API, the pages,
uvicorn …). On a busy machine that import alone took over 5 s, and uvicorn's supervisor
killed workers that had not yet answered its health check; an import's workers carried
~20 MB each of modules they never use. Neither needs anything from it: what they are sent
names its own modules. With no ``__spec__`` or ``__file__`` on ``__main__``,
multiprocessing leaves the child's main module alone, as it does for an interactive parent.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def spawned_without_main() -> Iterator[None]:
    """While child processes are spawned in this block, they do not import ``__main__``."""
    main = sys.modules["__main__"]
    saved: dict[str, Any] = {
        name: main.__dict__[name] for name in ("__spec__", "__file__") if name in main.__dict__
    }
    main.__spec__ = None
    main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        main.__dict__.update(saved)
