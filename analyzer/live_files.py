"""The files a live session follows: one follower and parse-cache entry per inode, its names,
and the budget of open files.

Kept apart from :mod:`analyzer.live` (which decides *when* to open, read and close) so that
the bookkeeping of inodes, names, failures and cache entries has one home.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analyzer.cache import FileCache
from analyzer.limits import raise_open_files
from analyzer.tail import FileId, Follower

#: Open files kept free for everything but followed logs (polars' runtime, caches, sockets).
FD_RESERVE = 128


@dataclass
class Tracked:
    """One followed inode: its follower, its cache entry (None: not cached) and when that
    entry was last committed."""

    follower: Follower
    cache: FileCache | None
    committed_at: float = 0.0


class OpenFiles:
    """Inode → :class:`Tracked`, name → inode, and which names could not be opened."""

    def __init__(self, cache_dir: Path | None, note: Callable[[str], None]) -> None:
        #: None: no parse cache.
        self.cache_dir = cache_dir
        self.note = note
        self.tracked: dict[FileId, Tracked] = {}
        self.by_path: dict[str, FileId] = {}
        self.failed: set[str] = set()
        self.over_limit: set[str] = set()
        #: Files followed at most: the open-file limit less what polars and the rest need.
        self.max_files = max(16, raise_open_files() - FD_RESERVE)

    def open(
        self, path: str, run: str, rank: int | None, *, at_end: bool = False, source: str = ""
    ) -> tuple[Tracked, dict[str, pl.DataFrame] | None] | None:
        """Open ``path`` (records name it ``source``, by default ``path``) and restore its cache
        entry (not when starting ``at_end``); None when it cannot be opened (said once) or its
        inode is already followed under another name."""
        if not self._within_budget(path):
            return None
        try:
            follower = Follower.open(path, run=run, rank=rank, source=source or path)
        except OSError as exc:
            if path not in self.failed:
                self.failed.add(path)
                self.note(f"{path}: {exc.strerror or exc}, skipped")
            return None
        self.failed.discard(path)
        self.by_path[path] = follower.file_id
        if follower.file_id in self.tracked:  # a second name for a followed inode
            follower.close()
            return None
        cache, frames = None, None
        if at_end:
            follower.skip_to_end()
        elif self.cache_dir is not None:
            cache = FileCache(self.cache_dir, follower)
            frames = cache.restore()
        tracked = Tracked(follower, cache)
        self.tracked[follower.file_id] = tracked
        return tracked, frames

    def _within_budget(self, path: str) -> bool:
        if len(self.tracked) < self.max_files:
            self.over_limit.discard(path)
            return True
        if not self.over_limit:
            self.note(
                f"{path} and any file after it not followed: {self.max_files} files are "
                "open, the most the open-file limit allows (raise `ulimit -n`)"
            )
        self.over_limit.add(path)
        return False

    def forget(self, tracked: Tracked, *, drop_cache: bool = False) -> None:
        """Close a follower and its cache entry (deleted with ``drop_cache``), and its names."""
        f = tracked.follower
        f.close()
        if tracked.cache is not None:
            tracked.cache.drop() if drop_cache else tracked.cache.close()
        self.tracked.pop(f.file_id, None)
        for path in [p for p, fid in self.by_path.items() if fid == f.file_id]:
            del self.by_path[path]

    def commit(self, budget: float | None = None) -> None:
        """Write the dirty cache entries, least recently committed first, until ``budget``
        seconds are spent (at least one entry; None: every one, as when stopping). A write
        error turns caching off for the session, with a note."""
        start = time.monotonic()
        dirty = [t for t in self.tracked.values() if t.cache is not None and t.cache.dirty()]
        dirty.sort(key=lambda t: t.committed_at)
        for tracked in dirty:
            try:
                tracked.cache.commit()  # type: ignore[union-attr]
            except OSError as exc:
                self.note(f"parse cache: {exc.strerror or exc}; caching off")
                self.cache_dir = None
                for t in self.tracked.values():
                    if t.cache is not None:
                        t.cache.close()
                    t.cache = None
                return
            tracked.committed_at = time.monotonic()
            if budget is not None and tracked.committed_at - start >= budget:
                return
