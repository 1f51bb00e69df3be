"""The registry's files are its operator's alone: the data directory and the folders Sehat
makes are created 0700, the SQLite files and the keys 0600 (SQLite gives a database's
``-wal`` and ``-shm`` files the mode of the database file itself). The registry holds every
graduate's name and national ID, the access log who verified whom: another account on the
same machine must not read them. Production refuses to start on files that others may read
(:func:`check_private`), naming the command that fixes them.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from sehat.errors import InfrastructureError

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def make_private_dir(path: Path) -> None:
    """Create ``path`` and each missing parent as 0700; an existing directory is left as is."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue
        os.chmod(directory, PRIVATE_DIR)  # whatever the umask


def make_private_file(path: Path) -> None:
    """Create ``path`` empty and 0600 unless it exists (an empty file is an empty SQLite
    database, so SQLite then opens it with the mode it has)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, PRIVATE_FILE)


def registry_paths(data_dir: Path, databases: list[Path]) -> list[Path]:
    """Every path of the registry that must be its operator's alone (existing or not): the
    data directory, its keys, and the SQLite ``databases`` with their folders and side files."""
    keys = data_dir / "keys"
    paths = [data_dir, keys, *(sorted(keys.iterdir()) if keys.is_dir() else [])]
    for database in databases:
        paths += [database.parent, database]
        paths += [database.with_name(database.name + side) for side in _SQLITE_SIDE_FILES]
    unique: dict[str, Path] = {}
    for path in paths:
        unique.setdefault(os.path.abspath(path), path)
    return list(unique.values())


def exposed(paths: list[Path]) -> list[Path]:
    """Those of ``paths`` that exist and that other users may read, write or enter."""
    out = []
    for path in paths:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & stat.S_IRWXO:
            out.append(path)
    return out


def fix_command(paths: list[Path]) -> str:
    """The shell command that makes ``paths`` their owner's alone."""
    dirs = [shlex.quote(str(p)) for p in paths if p.is_dir()]
    files = [shlex.quote(str(p)) for p in paths if not p.is_dir()]
    parts = []
    if dirs:
        parts.append("chmod 700 " + " ".join(dirs))
    if files:
        parts.append("chmod 600 " + " ".join(files))
    return " && ".join(parts)


def check_private(data_dir: Path, databases: list[Path]) -> None:
    """Raise InfrastructureError, naming the command that fixes it, when other users of the
    machine may read the data directory, the keys or the SQLite ``databases``' files."""
    found = exposed(registry_paths(data_dir, databases))
    if not found:
        return
    names = ", ".join(str(p) for p in found)
    command = fix_command(found)
    raise InfrastructureError(
        f"other users of this machine can read the registry's files ({names}); production "
        f"does not start on them. Make them the owner's alone and start again: {command}",
        f"پرونده‌های سامانه ({names}) برای دیگر کاربران این رایانه خواندنی است و حالت عملیاتی "
        f"با آن‌ها راه‌اندازی نمی‌شود؛ آن‌ها را فقط در اختیار مالک بگذارید و دوباره راه‌اندازی "
        f"کنید: {command}",
    )
