"""Which process may write a parse-cache entry: one owner at a time, across processes.

Two sessions on the same file (the TUI and ``watch``, two ``watch`` es, ``watch`` and
``parse``) would otherwise both write segments under the same names and replace each other's
``meta.json``, and the next open would serve records twice. The first process to open an entry
owns it until it closes it (or dies); the others read it but never write it.

Ownership is a POSIX record lock on one byte of a single lock file per cache root (the byte's
offset is derived from the entry's name), so a process holds one file descriptor however many
entries it owns: a session with 1,024 rank files must not need 1,024 more descriptors. Record
locks do not conflict within a process, so owners inside one process are tracked here too, and
a forked child starts with no ownership of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from pathlib import Path

#: Lock bytes are spread over this many offsets (collisions only make an entry read-only).
_SPAN = 1 << 40
_lock = threading.Lock()
_state: dict[str, object] = {"pid": -1, "fds": {}, "owned": set()}


def _offset(entry: Path) -> int:
    return int.from_bytes(hashlib.sha1(entry.name.encode()).digest()[:8], "big") % _SPAN


def _reset_after_fork() -> None:
    if _state["pid"] != os.getpid():
        _state.update(pid=os.getpid(), fds={}, owned=set())


def _lock_fd(entries: Path) -> int:
    """The lock file of the entries under ``entries`` (``<cache>/v1``): ``<cache>/.locks-v1``."""
    fds: dict[Path, int] = _state["fds"]  # type: ignore[assignment]
    fd = fds.get(entries)
    if fd is None:
        entries.parent.mkdir(parents=True, exist_ok=True)
        path = entries.parent / f".locks-{entries.name}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fds[entries] = fd
    return fd


def try_own(entry: Path) -> bool:
    """Take ownership of the cache entry directory ``entry``; False if another owner holds it."""
    with _lock:
        _reset_after_fork()
        owned: set[Path] = _state["owned"]  # type: ignore[assignment]
        if entry in owned:
            return False
        try:
            fd = _lock_fd(entry.parent)
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _offset(entry))
        except OSError:
            return False
        owned.add(entry)
        return True


def release(entry: Path) -> None:
    """Give up ownership of ``entry`` (a no-op if this process does not own it)."""
    with _lock:
        _reset_after_fork()
        owned: set[Path] = _state["owned"]  # type: ignore[assignment]
        if entry not in owned:
            return
        owned.discard(entry)
        fd = _state["fds"].get(entry.parent)  # type: ignore[union-attr]
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, _offset(entry))


def in_use(entry: Path) -> bool:
    """True when some process (this one included) owns ``entry`` now (for the pruner)."""
    with _lock:
        _reset_after_fork()
        if entry in _state["owned"]:  # type: ignore[operator]
            return True
        try:
            fd = _lock_fd(entry.parent)
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _offset(entry))
        except OSError:
            return True
        with contextlib.suppress(OSError):
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, _offset(entry))
        return False
