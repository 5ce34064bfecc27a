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
from dataclasses import dataclass, field
from pathlib import Path

#: Lock bytes are spread over this many offsets (collisions only make an entry read-only).
_SPAN = 1 << 40
_lock = threading.Lock()


@dataclass
class _State:
    """This process's lock files (one per entries directory) and the entries it owns."""

    pid: int = -1
    fds: dict[Path, int] = field(default_factory=dict)
    owned: set[Path] = field(default_factory=set)


_state = _State()


def _mine() -> _State:
    """The state of this process (a forked child starts afresh: record locks are not inherited)."""
    global _state
    if _state.pid != os.getpid():
        _state = _State(pid=os.getpid())
    return _state


def _offset(entry: Path) -> int:
    return int.from_bytes(hashlib.sha1(entry.name.encode()).digest()[:8], "big") % _SPAN


def _lock_fd(state: _State, entries: Path) -> int:
    """The lock file of the entries under ``entries`` (``<cache>/v1``): ``<cache>/.locks-v1``."""
    fd = state.fds.get(entries)
    if fd is None:
        entries.parent.mkdir(parents=True, exist_ok=True)
        path = entries.parent / f".locks-{entries.name}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        state.fds[entries] = fd
    return fd


def _try_lock(state: _State, entry: Path) -> int | None:
    """Lock ``entry``'s byte; its lock file's descriptor, or None if another process holds it."""
    try:
        fd = _lock_fd(state, entry.parent)
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _offset(entry))
    except OSError:
        return None
    return fd


def _unlock(fd: int, entry: Path) -> None:
    with contextlib.suppress(OSError):
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _offset(entry))


def try_own(entry: Path) -> bool:
    """Take ownership of the cache entry directory ``entry``; False if another owner holds it."""
    with _lock:
        state = _mine()
        if entry in state.owned or _try_lock(state, entry) is None:
            return False
        state.owned.add(entry)
        return True


def release(entry: Path) -> None:
    """Give up ownership of ``entry`` (a no-op if this process does not own it)."""
    with _lock:
        state = _mine()
        if entry in state.owned:
            state.owned.discard(entry)
            _unlock(state.fds[entry.parent], entry)


def in_use(entry: Path) -> bool:
    """True when some process (this one included) owns ``entry`` now (for the pruner)."""
    with _lock:
        state = _mine()
        if entry in state.owned:
            return True
        fd = _try_lock(state, entry)
        if fd is None:
            return True
        _unlock(fd, entry)
        return False
