"""Atomic writes that never overwrite an existing file unless asked to."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from analyzer.errors import InputError


def check_writable(path: Path, *, force: bool) -> None:
    """Refuse to clobber ``path`` without ``force``; the message names the flag."""
    if path.exists() and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it")
    if path.exists() and path.is_dir() and not force:
        raise InputError(f"{path} is a directory")


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w", *, force: bool = False) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    path = Path(path)
    check_writable(path, force=force)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{parent}: no such directory")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str, *, force: bool = False) -> None:
    with atomic_open(path, "w", force=force) as fh:
        fh.write(text)


def atomic_write_bytes(path: Path, data: bytes, *, force: bool = False) -> None:
    with atomic_open(path, "wb", force=force) as fh:
        fh.write(data)
