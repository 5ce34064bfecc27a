"""Atomic writes that never overwrite an existing file unless asked to.

The temporary file is created private (``mkstemp``: 0600); before it is renamed into place it gets
the mode an ordinary ``open()`` would have given it (``0o666 & ~umask``), or, when ``--force``
replaces a file, that file's own mode.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from analyzer.errors import InputError


def current_umask() -> int:
    """The process umask, read without changing it where Linux says it (/proc), else by a swap."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def target_mode(path: Path, *, directory: bool = False) -> int:
    """The mode ``path`` should end with: the existing one's, else what open()/mkdir() would give."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(path.stat().st_mode)
    return (0o777 if directory else 0o666) & ~current_umask()


def check_writable(path: Path, *, force: bool) -> None:
    """Refuse to clobber ``path`` without ``force``, and a directory at all."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory; name a file to write")
    if path.exists() and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it")


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w", *, force: bool = False) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    path = Path(path)
    check_writable(path, force=force)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{parent}: no such directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise InputError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
        os.fchmod(fd, target_mode(path))
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _replace(tmp: str, path: Path) -> None:
    """Rename into place; a target that became a directory meanwhile is an input error."""
    try:
        os.replace(tmp, path)
    except (IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        raise InputError(f"{path}: cannot write there ({exc.strerror})") from None


def atomic_write_text(path: Path, text: str, *, force: bool = False) -> None:
    with atomic_open(path, "w", force=force) as fh:
        fh.write(text)


def atomic_write_bytes(path: Path, data: bytes, *, force: bool = False) -> None:
    with atomic_open(path, "wb", force=force) as fh:
        fh.write(data)
