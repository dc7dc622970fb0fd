"""Crash-safe file primitives: atomic replace, directory fsync, one writer at a time.

The promise the store makes is "a write that returned is durable, and a kill at any
instant leaves either the old or the new file, never a mix". That rests on three
POSIX facts used below: ``os.replace`` within one directory is atomic; ``fsync`` on a
file makes its bytes durable; ``fsync`` on the directory makes the rename durable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import Self

from .errors import StoreBusy

TEMP_SUFFIX = ".tmp"

try:  # POSIX (Linux, Android, macOS, iOS)
    import fcntl
except ImportError:  # pragma: no cover - Windows desktop builds
    fcntl = None  # type: ignore[assignment]


def fsync_dir(directory: Path) -> None:
    """Make renames, creations and deletions inside ``directory`` durable."""
    if os.name != "posix":  # pragma: no cover - Windows cannot open a directory
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(directory: Path) -> None:
    """Create ``directory`` (mode 0700) and make its existence durable."""
    if directory.is_dir():
        return
    ensure_dir(directory.parent)
    directory.mkdir(mode=0o700, exist_ok=True)
    # Why: a new directory entry lives in the parent; without this fsync a power loss
    # could drop the directory together with every file we later fsync inside it.
    fsync_dir(directory.parent)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file.

    Returns only once the new content and the rename are on stable storage.
    """
    # Why a temp file in the same directory: os.replace is only atomic within one
    # file system, and a fresh file means the live file is never partly rewritten
    # (the failure mode of TinyDB's JSONStorage, which rewrites in place).
    temp = path.with_name(f"{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            # Why fsync before the rename: otherwise the rename can reach the disk
            # before the data does, and a power cut leaves an empty or partial file
            # under the real name (ext4 delayed allocation, F2FS on Android).
            os.fsync(fd)
        finally:
            os.close(fd)
        # Why os.replace: readers (and a restart after a kill) see either the
        # complete old file or the complete new one, never a mixture.
        os.replace(temp, path)
    except BaseException:
        try:
            temp.unlink()
        except OSError:
            pass
        raise
    # Why fsync the directory: the rename is a change to the directory; until it is
    # on disk a power cut can bring back the old file after we reported success.
    fsync_dir(path.parent)


def durable_unlink(path: Path) -> None:
    """Delete ``path`` (if present) and make the deletion durable."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    fsync_dir(path.parent)


def remove_stale_temps(directory: Path) -> int:
    """Delete temp files left by a write that was killed before its rename.

    Safe because a write is only acknowledged after the rename: a temp file that is
    still here belongs to a write that never returned. Call with the writer lock held.
    """
    removed = 0
    if not directory.is_dir():
        return 0
    for entry in directory.iterdir():
        if entry.name.endswith(TEMP_SUFFIX) and entry.is_file():
            entry.unlink()
            removed += 1
    if removed:
        fsync_dir(directory)
    return removed


class WriterLock:
    """An exclusive, non-blocking lock file: one writer process at a time.

    ``flock`` is released by the kernel when the process dies, so a killed app never
    leaves a stale lock behind (a PID file would).
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        ensure_dir(self._path.parent)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            os.close(fd)
            raise StoreBusy() from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
