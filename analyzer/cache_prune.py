"""Keeping the parse cache bounded: it must not grow with every run ever opened.

Entries of files that are gone or replaced (another inode under the path), entries written by
other parser versions, and other cache format versions are removed; then, while the cache is
over its size cap (``ANALYZER_CACHE_MAX_MB``, default 2048), the least recently used entries go.
A restore touches ``meta.json``, so its mtime is the last use. Entries used within the last
hour are never evicted and half-written ones (no ``meta.json`` yet) are left while young: a
concurrent process may be working on them. :func:`maybe_prune` runs this at most once a day.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from analyzer import cache_lock
from analyzer.cache import VERSION, parser_fingerprint

DEFAULT_MAX_MB = 2048
PRUNE_EVERY_S = 24 * 3600
RECENT_S = 3600
STAMP = "last-pruned"


@dataclass
class Pruned:
    """What a prune removed."""

    entries: int = 0
    bytes: int = 0


@dataclass
class _Entry:
    path: Path
    size: int
    used: float
    meta: dict | None


def max_bytes() -> int:
    """The size cap from ``ANALYZER_CACHE_MAX_MB`` (an unreadable value means the default)."""
    try:
        mb = float(os.environ.get("ANALYZER_CACHE_MAX_MB", DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(max(mb, 0.0) * (1 << 20))


def _dir_size(path: Path) -> int:
    total = 0
    with contextlib.suppress(OSError):
        for item in os.scandir(path):
            with contextlib.suppress(OSError):
                total += item.stat(follow_symlinks=False).st_size
    return total


def _read_entry(path: Path) -> _Entry:
    meta_path = path / "meta.json"
    try:
        meta = json.loads(meta_path.read_text())
        used = meta_path.stat().st_mtime
    except (OSError, ValueError):
        meta, used = None, _mtime(path)
    return _Entry(path, _dir_size(path), used, meta if isinstance(meta, dict) else None)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _is_stale(entry: _Entry, now: float) -> bool:
    """Of no use again: its file is gone or replaced, or its parsers are not today's."""
    meta = entry.meta
    if meta is None:
        return now - entry.used > RECENT_S  # a commit in progress writes meta.json last
    if meta.get("fingerprint") != parser_fingerprint():
        return True
    try:
        st = os.stat(str(meta["source"]))
    except (OSError, KeyError):
        return True
    return (st.st_dev, st.st_ino) != (meta.get("device"), meta.get("inode"))


def _remove(path: Path, report: Pruned, size: int) -> None:
    shutil.rmtree(path, ignore_errors=True)
    if not path.exists():
        report.entries += 1
        report.bytes += size


def _old_versions(root: Path, report: Pruned) -> None:
    with contextlib.suppress(OSError):
        for item in os.scandir(root):
            if item.is_dir() and item.name.startswith("v") and item.name != f"v{VERSION}":
                _remove(Path(item.path), report, _dir_size(Path(item.path)))


def prune(root: Path, *, cap: int | None = None, now: float | None = None) -> Pruned:
    """Remove stale entries, then the least recently used ones while over ``cap`` bytes."""
    now = time.time() if now is None else now
    cap = max_bytes() if cap is None else cap
    report = Pruned()
    _old_versions(root, report)
    live: list[_Entry] = []
    with contextlib.suppress(OSError):
        for item in os.scandir(root / f"v{VERSION}"):
            if item.is_dir() and not cache_lock.in_use(Path(item.path)):
                entry = _read_entry(Path(item.path))
                if _is_stale(entry, now):
                    _remove(entry.path, report, entry.size)
                else:
                    live.append(entry)
    total = sum(e.size for e in live)
    for entry in sorted(live, key=lambda e: e.used):
        if total <= cap:
            break
        if now - entry.used > RECENT_S:
            _remove(entry.path, report, entry.size)
            total -= entry.size
    return report


def maybe_prune(root: Path, *, now: float | None = None) -> Pruned | None:
    """Prune if the last prune is more than a day old (never raises: the cache is optional)."""
    now = time.time() if now is None else now
    stamp = root / STAMP
    if not root.is_dir() or now - _mtime(stamp) < PRUNE_EVERY_S:
        return None
    try:
        stamp.touch()
        os.utime(stamp, (now, now))
        return prune(root, now=now)
    except OSError:
        return None
