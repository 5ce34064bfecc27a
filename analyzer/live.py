"""Live sessions: every rank file under some paths followed as it is written, into the store.

A :class:`LiveSession` discovers runs (``analyzer.discover``), opens one
:class:`analyzer.tail.Follower` per inode, restores what the parse cache already holds, and then
reacts to file events (``analyzer.observer``) and to a slow background rescan that catches what
events miss (new files, rotations, network filesystems). Everything happens on one background
thread: events only mark paths dirty; the thread re-``stat``s each, reads from the saved offset,
appends the records to the run's :class:`analyzer.store.RunData` and hands listeners coalesced
:class:`LiveBatch` es (at most one per ``batch_interval``), so a fast writer floods nothing.

Paths that do not exist yet but whose parent directory does are waited for (a run directory
about to be created by a launcher); a path whose parent is missing too is an ``InputError``.
Multi-line records still open when a file goes quiet (a traceback being written) are emitted
when their next line arrives or when the session stops with ``finish=True``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from analyzer.cache import cache_root
from analyzer.discover import Run, discover, may_hold_logs
from analyzer.errors import InputError
from analyzer.live_batch import LiveBatch, Pending
from analyzer.live_files import OpenFiles, Tracked
from analyzer.live_paths import GivenPaths, watch_dirs
from analyzer.observer import Watcher
from analyzer.store import RunData, frames_from_records
from analyzer.tail import FileId, Follower
from parsers import ParseStats, Record

__all__ = ["LiveBatch", "LiveSession"]

RESCAN_INTERVAL = 5.0
COMMIT_INTERVAL = 2.0
#: Seconds of parse-cache writing per COMMIT_INTERVAL at most, least recently committed files
#: first; the rest wait for the next interval. Committing each of 1,000 growing files every
#: interval took more than a core (benchmarks/bench_tui_ranks.py); an entry that lags only
#: costs the re-parse of its uncommitted tail on the next open.
COMMIT_BUDGET = 0.1
#: A rotated-away or deleted file idle this long is finished and closed.
RETIRE_IDLE = 2.0
#: The store merges a run's appended parts once there are this many.
MERGE_PARTS = 64


class LiveSession:
    """Follow every rank file under ``paths``; ``runs`` is the store, updated before callbacks."""

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        poll: float | None = None,
        use_cache: bool = True,
        from_end: bool = False,
        batch_interval: float = 0.1,
        rescan_interval: float = RESCAN_INTERVAL,
        cache_dir: Path | None = None,
        keep_frames: bool = True,
    ) -> None:
        self._given = GivenPaths(paths)
        self.paths = self._given.absolute
        self._dirs = watch_dirs(self.paths)
        self.use_cache, self.from_end = use_cache, from_end
        self.batch_interval, self.rescan_interval = batch_interval, rescan_interval
        #: False: ``runs`` holds no records, only runs and statistics (``watch`` prints each
        #: batch and needs nothing back; the store would grow with everything ever printed).
        self.keep_frames = keep_frames
        self.runs: dict[str, RunData] = {}
        #: Hold this while reading ``runs`` outside ``on_batch`` (the tail thread appends).
        self.lock = threading.Lock()
        self.watcher = Watcher(self._on_path, poll=poll)
        self.last_activity = time.monotonic()
        self._files = OpenFiles((cache_dir or cache_root()) if use_cache else None, self._note)
        self._known: dict[str, tuple[str, int | None]] = {}
        self._run_names: dict[str, str] = {}
        self._run_followers: dict[str, list[Follower]] = {}
        self._dirty: set[str] = set()
        #: Files a discovery saw and did not claim (writes to them need no rediscovery).
        self._unclaimed: set[str] = set()
        #: Directories of followed files the last rescan found unwatched by inotify.
        self._unwatched: set[Path] = set()
        #: Where each file moved (renamed) in the tree came from, until it is handled.
        self._moved: dict[str, str] = {}
        self._more: set[FileId] = set()
        self._rediscover = True
        self._event_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._finish = True
        self._thread: threading.Thread | None = None
        self._on_batch: Callable[[LiveBatch], None] | None = None
        self._pending = Pending()
        self._last_emit = 0.0
        self._initial = True
        #: Set once the first scan is done: runs discovered, caches restored, reading begun.
        self.ready = threading.Event()
        #: Problems met so far (unreadable files, unwatchable directories), newest last.
        self.notes: list[str] = []
        self._said: set[str] = set()
        self.error: BaseException | None = None
        #: How many times the paths were scanned for runs (events on logs not yet followed,
        #: directory changes and the rescan ask for it; writes to other files must not).
        self.discoveries = 0

    # -- public API ------------------------------------------------------------------------------
    def start(self, on_batch: Callable[[LiveBatch], None]) -> None:
        """Start observing and the tail thread; ``on_batch`` is called from that thread."""
        self._on_batch = on_batch
        self.watcher.choose([d for d, _ in self._dirs])
        self.watcher.start(self._dirs)
        if self.watcher.mode == "polling" and self.watcher.reason.startswith("polling"):
            self._note(self.watcher.reason)  # chosen, not asked for: say why
        self._thread = threading.Thread(target=self._run, name="analyzer-tail", daemon=True)
        self._thread.start()

    def stop(self, *, finish: bool = True) -> None:
        """Stop; with ``finish`` open multi-line records are closed and delivered first."""
        self._finish = finish
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        self.watcher.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def watched_paths(self) -> list[str]:
        """The files being followed now (current names)."""
        return sorted(t.follower.path for t in list(self._files.tracked.values()))

    def backlog(self) -> int:
        """Files with bytes known to be unread (a big file is read in bounded slices)."""
        return len(self._more)

    def is_following(self, path: str | Path) -> bool:
        """True when the inode now at ``path`` is open and being followed."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) in self._files.tracked

    # -- events (watchdog thread) ----------------------------------------------------------------
    def _on_path(self, path: str, is_dir: bool, moved_from: str | None = None) -> None:
        with self._event_lock:
            self._dirty.add(path)
            if moved_from is not None and not is_dir:
                self._moved[path] = moved_from
            if is_dir or (
                path not in self._files.by_path
                and path not in self._unclaimed
                and may_hold_logs(path)
            ):
                self._rediscover = True
        self._wake.set()

    # -- the tail thread -------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # reported by the caller through .error
            self.error = exc
        finally:
            self._shutdown()
            self.ready.set()

    def _loop(self) -> None:
        now = time.monotonic()
        next_rescan, next_commit = now + self.rescan_interval, now + COMMIT_INTERVAL
        next_poll = now
        self._step()
        self._initial = False
        if not self.runs:
            where = ", ".join(str(p) for p in self.paths)
            self._note(f"no training logs under {where} yet: waiting for them to appear")
        self._maybe_emit(force=True)
        self.ready.set()
        while not self._stop.is_set():
            self._wake.clear()
            self._step()
            poll = self.watcher.poll if self.watcher.mode == "polling" else None
            now = time.monotonic()
            if poll and now >= next_poll:
                self._poll_sizes()
                next_poll = now + poll
            if now >= next_rescan:
                self._rescan()
                next_rescan = now + self.rescan_interval
            if now >= next_commit:
                self._files.commit(COMMIT_BUDGET)
                next_commit = now + COMMIT_INTERVAL
            self._maybe_emit()
            due = min(next_rescan, next_commit, next_poll if poll else next_commit)
            timeout = due - time.monotonic()
            if self._pending.any():
                timeout = min(timeout, self._last_emit + self.batch_interval - time.monotonic())
            if timeout > 0 and not self._more:
                self._wake.wait(timeout)

    def _poll_sizes(self) -> None:
        """Polling mode: an fstat per open file catches appends without waiting for events."""
        for tracked in list(self._files.tracked.values()):
            if tracked.follower.has_new_data():
                self._read(tracked)

    def _step(self) -> None:
        with self._event_lock:
            dirty, self._dirty = self._dirty, set()
            rediscover, self._rediscover = self._rediscover, False
        if rediscover:
            self._discover()
            unclaimed = {p for p in dirty if p not in self._known and os.path.isfile(p)}
            with self._event_lock:  # a log discovery did not claim: no rediscovery per write
                self._unclaimed |= unclaimed
        for path in sorted(dirty):
            if self._stop.is_set():  # stopping: do not first drain every backlog
                return
            self._handle_path(path)
        for fid in list(self._more):
            if self._stop.is_set():
                return
            tracked = self._files.tracked.get(fid)
            if tracked is None:
                self._more.discard(fid)
            else:
                self._read(tracked)

    def _shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self._files.commit()
        for tracked in list(self._files.tracked.values()):
            self._close(tracked, finish=self._finish)
        self._maybe_emit(force=True)

    # -- discovery and paths -----------------------------------------------------------------
    def _discover(self) -> None:
        self.discoveries += 1
        for root in self.paths:
            if not root.exists():
                continue
            self.watcher.add(root if root.is_dir() else root.parent, root.is_dir())
            try:
                runs = discover([root])
            except InputError as exc:
                if str(exc) not in self._said:  # once, not at every rescan
                    self._said.add(str(exc))
                    self._note(str(exc))
                continue
            for run in runs:
                self._add_run(run)

    def _add_run(self, run: Run) -> None:
        key = str(run.path)
        name = self._run_names.get(key)
        if name is None:
            name = run.name
            if name in self.runs:
                name = f"{run.path.parent.name}/{run.name}"
            self._run_names[key] = name
            run.name = name
            with self.lock:
                self.runs[name] = RunData(run)
            self._run_followers[name] = []
            self._pending.new_runs.append(name)
        self.runs[name].run.files = run.files
        for rf in run.files:
            if self._stop.is_set():
                return
            path = str(rf.path)
            self._known[path] = (name, rf.rank)
            if path not in self._files.by_path:
                self._add_follower(path, name, rf.rank)

    def _handle_path(self, path: str) -> None:
        """Re-stat one path: read its inode, notice rotation, deletion or a new file."""
        with self._event_lock:
            origin = self._moved.pop(path, None)
        try:
            st = os.stat(path)
        except OSError:
            st = None
        regular = st is not None and stat.S_ISREG(st.st_mode)
        fid = self._files.by_path.get(path)
        now_id = (st.st_dev, st.st_ino) if regular and st is not None else None
        if fid is not None and fid != now_id:
            del self._files.by_path[path]
            tracked = self._files.tracked.get(fid)
            if tracked is not None:
                tracked.follower.retired = True
                self._read(tracked)
        if now_id is None:
            return
        tracked = self._files.tracked.get(now_id)
        if tracked is not None:
            self._files.by_path[path] = now_id
            tracked.follower.path = path
            self._read(tracked)
        elif path in self._known:
            run, rank = self._known[path]
            self._add_follower(path, run, rank)
        elif origin in self._known:  # a generation rotated away before it was ever opened
            run, rank = self._known[origin]
            self._add_follower(path, run, rank, named=origin)

    def _add_follower(
        self, path: str, run: str, rank: int | None, *, named: str | None = None
    ) -> None:
        """Follow ``path``; ``named``: a rotated generation, named (and retired) as the rank
        file it was written as."""
        at_end = self.from_end and self._initial
        source = self._given.as_given(named or path)
        got = self._files.open(path, run, rank, at_end=at_end, source=source)
        if got is None:
            return
        tracked, frames = got
        tracked.follower.retired = named is not None
        if frames:
            self._deliver(run, frames)
        self._run_followers[run].append(tracked.follower)
        self._read(tracked)

    # -- reading and delivering --------------------------------------------------------------
    def _read(self, tracked: Tracked) -> None:
        f = tracked.follower
        try:
            res = f.read(bulk=True)
        except OSError as exc:
            self._note(f"{f.path}: read failed ({exc.strerror or exc}); closed")
            self._close(tracked, finish=True)
            return
        if res.more:
            self._more.add(f.file_id)
        else:
            self._more.discard(f.file_id)
        self._pending.lines += res.lines
        self._pending.unrecognised += res.unrecognised
        if res.lines or res.more:
            self.last_activity = time.monotonic()
        if res.truncated and tracked.cache is not None:
            tracked.cache.add({}, truncated=True)
        if res.records:
            if tracked.cache is not None:
                tracked.cache.add_records(res.records)
            self._queue(f, res.records, new_generation=res.truncated)
        if res.frames:
            if tracked.cache is not None:
                tracked.cache.add(res.frames)
            self._queue_frames(f, res.frames)

    def _queue(self, f: Follower, records: list[Record], *, new_generation: bool = False) -> None:
        """Hold records for the next batch (frames are built once per run per batch).

        A file's new generation (truncated, or a new inode under a rotated name) starts a new
        batch, so within a batch (source, line) orders records unambiguously.
        """
        if new_generation or self._pending.other_generation(f.source, f.file_id):
            self._maybe_emit(force=True)
        self._pending.sources[f.source] = f.file_id
        self._pending.records.setdefault(f.run, []).extend(records)

    def _queue_frames(self, f: Follower, frames: dict[str, pl.DataFrame]) -> None:
        """A bulk read's frames, delivered at once, after the run's records still held (the
        store and the batch keep each file's line order)."""
        if self._pending.other_generation(f.source, f.file_id):
            self._maybe_emit(force=True)
        self._pending.sources[f.source] = f.file_id
        held = self._pending.records.pop(f.run, None)
        if held:
            self._deliver(f.run, frames_from_records(held))
        self._deliver(f.run, {k: fr for k, fr in frames.items() if fr.height})

    def _deliver(self, run: str, frames: dict[str, pl.DataFrame]) -> None:
        data = self.runs[run]
        with self.lock:
            for kind, frame in frames.items() if self.keep_frames else ():
                data.append_frame(kind, frame)
                if len(data._parts[kind]) > MERGE_PARTS:
                    data.frame(kind)  # merges the parts: bounded per-part overhead
        self._pending.frames.append(frames)
        self._pending.runs.add(run)

    def _close(self, tracked: Tracked, *, finish: bool, drop_cache: bool = False) -> None:
        f = tracked.follower
        if finish and f.fd >= 0:
            records = f.finish()
            if records:
                self._queue(f, records)
        self._files.forget(tracked, drop_cache=drop_cache)
        self._more.discard(f.file_id)

    def _rescan(self) -> None:
        """The safety net: rediscover, re-stat every name, read what grew, close idle leftovers,
        and make sure every followed file's directory is still watched."""
        self._discover()
        missing = self.watcher.unwatched({Path(p).parent for p in self._files.by_path})
        # Missing at two rescans in a row: a directory made a moment ago may not be watched yet.
        lasting = [d for d in missing if d in self._unwatched]
        self._unwatched = set(missing)
        if lasting:
            self.watcher.restart(self._dirs, lasting)
            self._unwatched = set()
        for path in list(self._files.by_path):
            self._handle_path(path)
        now = time.monotonic()
        for tracked in list(self._files.tracked.values()):
            f = tracked.follower
            if f.has_new_data():
                self._read(tracked)
            if f.retired and now - f.last_growth >= RETIRE_IDLE:
                self._close(tracked, finish=True, drop_cache=f.is_deleted())

    # -- batches -------------------------------------------------------------------------------
    def _note(self, text: str) -> None:
        self._pending.notes.append(text)

    def _maybe_emit(self, *, force: bool = False) -> None:
        pending = self._pending
        if not pending.any() and not (force and pending.lines):
            return
        now = time.monotonic()
        if not force and now - self._last_emit < self.batch_interval:
            return
        for run, records in pending.records.items():
            self._deliver(run, frames_from_records(records))
        batch = pending.batch()
        for name in batch.runs_changed:
            self._refresh_stats(name)
        self.notes.extend(batch.notes)
        batch.notes.extend(self.watcher.notes)
        self.watcher.notes.clear()
        self._pending = Pending()
        self._last_emit = now
        if self._on_batch is not None:
            self._on_batch(batch)

    def _refresh_stats(self, run: str) -> None:
        total = ParseStats()
        for f in self._run_followers.get(run, []):
            total.add(f.stats)
        with self.lock:
            self.runs[run].stats = total
