"""Bring an SQLite registry file into memory at start-up, and keep it mapped.

A public verification reads a few random pages of a file that holds every document (2.3 GB
for a million). Read from disk, each page costs milliseconds and the event loop waits for
it; in memory, microseconds. PostgreSQL keeps its hot pages in shared buffers (and
``pg_prewarm`` loads them after a restart); SQLite leaves that to the operating system's
page cache, which may drop pages nobody has touched for a while (some hosts reclaim idle page
cache proactively, within a minute). This does what ``pg_prewarm`` does, for the SQLite
file: a background thread reads the whole file once, then maps it read-only into the
process and faults every page into that mapping. Mapped pages count as in use (proactive
reclaim of idle cache passes them over); under real memory pressure the kernel may still
take them back, as for any file page.

It never writes, never pins memory (no ``mlock``) and is skipped, with a log line, for a
file larger than half the machine's memory. The server answers from the start; ``/readyz``
says when the file is warm, for load balancers that should wait for it.

The descriptor it reads through, and the mapping, are the process's until it exits: they are
never closed. On POSIX, closing *any* descriptor of a file drops every ``fcntl`` lock the
process holds on that file, SQLite's included; a server that had dropped its locks looks
gone to the next process that closes the registry (``sehat token create`` beside it), which
then deletes the write-ahead log under the running server (SQLite's "How To Corrupt An
SQLite Database File", §2.2). So each file is opened here once per process
(:func:`held_file`), and Python's ``mmap`` (which keeps a duplicate of the descriptor and
closes it with the mapping) is never closed either.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sehat.background import Background

log = logging.getLogger(__name__)

_CHUNK = 8 << 20  # bytes per read or map step: each step holds the interpreter lock briefly
_MADV_POPULATE_READ = getattr(mmap, "MADV_POPULATE_READ", 22)  # Linux 5.14; not in 3.11's mmap


@dataclass
class HeldFile:
    """A read-only descriptor of one file, and its mappings, kept for the life of the process."""

    fd: int
    maps: list[mmap.mmap] = field(default_factory=list)

    def mapping(self, size: int) -> mmap.mmap:
        """A read-only mapping of the first ``size`` bytes or more (a file only grows while
        served; an earlier, shorter mapping is kept too: closing it would drop the locks)."""
        for mapped in self.maps:
            if len(mapped) >= size:
                return mapped
        mapped = mmap.mmap(self.fd, size, prot=mmap.PROT_READ)
        self.maps.append(mapped)
        return mapped


_held: dict[tuple[int, int], HeldFile] = {}
_held_lock = threading.Lock()
_spare_descriptors: list[int] = []  # a second descriptor of a held file (a rare race): kept


def held_file(path: Path) -> HeldFile:
    """The process's one descriptor of ``path``, opened on first use and never closed.

    Files are told apart by device and inode: while the descriptor is held, no other file can
    take that inode number, so a registry replaced at the same path gets a descriptor of its
    own.
    """
    with _held_lock:
        status = os.stat(path)
        key = (status.st_dev, status.st_ino)
        held = _held.get(key)
        if held is None:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            opened = os.fstat(fd)
            # Replaced between the stat and the open: the descriptor is of the new file.
            key = (opened.st_dev, opened.st_ino)
            held = _held.setdefault(key, HeldFile(fd))
            if held.fd != fd:  # already held: this second descriptor is kept, never closed
                _spare_descriptors.append(fd)
        return held


class Prewarm:
    """Reads ``path`` into memory in a thread; :attr:`done` once it is warm (or skipped)."""

    def __init__(self, path: Path, max_fraction: float = 0.5) -> None:
        self.path = path
        self.max_fraction = max_fraction
        self.done = threading.Event()
        self.bytes_read = 0
        self.size = 0
        self.mapped: mmap.mmap | None = None
        self.worker = Background("prewarm", self._run)  # one step: the whole file
        self._stop = self.worker.stopping

    def start(self) -> None:
        """Start warming in the background (idempotent)."""
        self.worker.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop warming. The descriptor and the mapping stay the process's (module doc)."""
        self.worker.stop(timeout)

    def progress(self) -> float:
        """The share of the file read so far (1.0 when done or skipped)."""
        if self.done.is_set():
            return 1.0
        return min(1.0, self.bytes_read / self.size) if self.size else 0.0

    def _run(self) -> None:
        try:
            self._warm()
        except OSError as exc:  # a file it cannot read or map: serving goes on from disk
            log.warning("could not bring %s into memory (%s)", self.path.name, exc)
        finally:
            self.done.set()

    def _warm(self) -> None:
        started = time.monotonic()
        held = held_file(self.path)
        self.size = os.fstat(held.fd).st_size
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        if self.size == 0 or self.size > memory * self.max_fraction:
            log.info(
                "registry file %s (%.1f GB) not brought into memory: over %.0f%% of it",
                self.path.name,
                self.size / 1e9,
                self.max_fraction * 100,
            )
            return
        # Read first: the system call releases the interpreter lock while the disk works.
        buffer = bytearray(_CHUNK)
        offset = 0
        while not self._stop.is_set() and offset < self.size:
            got = os.preadv(held.fd, [buffer], offset)
            if not got:
                break
            offset += got
            self.bytes_read = min(self.size, offset)
        if self._stop.is_set():
            return
        mapped = held.mapping(self.size)
        for offset in range(0, self.size, _CHUNK):  # the pages are cached: no disk now
            if self._stop.is_set():
                break
            # An older kernel raises OSError: the pages stay cached, only not mapped.
            mapped.madvise(_MADV_POPULATE_READ, offset, min(_CHUNK, self.size - offset))
        self.mapped = mapped
        log.info(
            "registry file %s (%.1f GB) in memory in %.1fs",
            self.path.name,
            self.size / 1e9,
            time.monotonic() - started,
        )
