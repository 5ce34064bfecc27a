"""File-event sources: watchdog's inotify observer, or its polling observer where inotify fails.

Polling is chosen when asked for (``--poll SECONDS``), when a watched path lives on a network or
FUSE filesystem (NFS, CIFS/SMB, Lustre, GPFS, FUSE, ...: read from ``/proc/mounts``; inotify
does not see writes made by other machines there), and when inotify cannot be set up (no
inotify, or its instance/watch limits are exhausted). Events only say *where* to look: the
callback gets a path and the tailer re-``stat``s and reads from its saved offset. watchdog 7's
opened/closed events are ignored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

#: Filesystem types whose changes inotify may miss (shared filesystems of multi-node runs).
NETWORK_FS = frozenset(
    [
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "lustre",
        "gpfs",
        "fuse",
        "fuseblk",
        "ceph",
        "glusterfs",
        "beegfs",
        "9p",
        "afs",
        "panfs",
    ]
)
DEFAULT_POLL = 1.0
# watchdog logs a harmless error when events race with stop(); keep it off the user's stderr.
logging.getLogger("watchdog").addHandler(logging.NullHandler())
# ... and its warning when a directory is watched again (a restart, a directory made anew).
warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
_EVENTS = frozenset({"modified", "created", "moved", "deleted"})

#: ``(path, is_dir)``, and for the destination of a move ``moved_from=`` its source.
PathCallback = Callable[..., None]


def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")


def fs_type(path: str | Path, mounts_file: str = "/proc/mounts") -> str | None:
    """The filesystem type holding ``path`` (longest matching mount point), None if unknown."""
    try:
        lines = Path(mounts_file).read_text().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path)
    best, best_len = None, -1
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mnt = _unescape(parts[1])
        inside = target == mnt or target.startswith(mnt.rstrip("/") + "/")
        if inside and len(mnt) > best_len:
            best, best_len = parts[2], len(mnt)
    return best


def is_network_fs(fstype: str | None) -> bool:
    return bool(fstype) and (fstype in NETWORK_FS or fstype.startswith("fuse."))


def inotify_inodes(proc: str = "/proc/self") -> set[int] | None:
    """Inode numbers of the directories watched by this process's inotify instances (from
    ``fdinfo``, Linux); None when that cannot be read."""
    try:
        fds = os.listdir(f"{proc}/fd")
    except OSError:
        return None
    out: set[int] = set()
    for fd in fds:
        try:
            if os.readlink(f"{proc}/fd/{fd}") != "anon_inode:inotify":
                continue
            text = Path(f"{proc}/fdinfo/{fd}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("inotify wd:"):
                field = next((f for f in line.split() if f.startswith("ino:")), None)
                if field:
                    out.add(int(field[4:], 16))
    return out


class _Handler(FileSystemEventHandler):
    def __init__(self, callback: PathCallback) -> None:
        self.callback = callback

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            # watchdog adds one for the parent of every created, deleted, moved *or closed
            # after writing* file: each entry change has its own event, and a writer that
            # closes its log after each line would otherwise rediscover the tree each time.
            return
        src = os.fsdecode(event.src_path)
        self.callback(src, event.is_directory)
        if event.event_type == "moved" and event.dest_path:
            self.callback(os.fsdecode(event.dest_path), event.is_directory, moved_from=src)


class Watcher:
    """Watches directories and reports changed paths; picks inotify or polling."""

    def __init__(self, callback: PathCallback, *, poll: float | None = None) -> None:
        self.callback = callback
        self.poll = poll
        self.mode = "polling" if poll else "inotify"
        self.reason = f"--poll {poll:g}" if poll else "inotify"
        self.notes: list[str] = []
        self._handler = _Handler(callback)
        self._watched: set[tuple[str, bool]] = set()
        self._observer: BaseObserver | None = None

    def choose(self, dirs: list[Path]) -> None:
        """Switch to polling if any directory is on a network filesystem."""
        if self.mode == "polling":
            return
        for d in dirs:
            kind = fs_type(d)
            if is_network_fs(kind):
                self._use_polling(f"{d} is on {kind}: inotify misses remote writes")
                return

    def _use_polling(self, reason: str) -> None:
        self.mode, self.reason = "polling", f"polling every {DEFAULT_POLL:g} s ({reason})"
        self.poll = DEFAULT_POLL

    def _new_observer(self) -> BaseObserver:
        if self.mode == "polling":
            return PollingObserver(timeout=self.poll or DEFAULT_POLL)
        from watchdog.observers.inotify import InotifyObserver

        return InotifyObserver(timeout=0.05)

    def start(self, dirs: list[tuple[Path, bool]]) -> None:
        """Start observing ``(directory, recursive)`` pairs; falls back to polling on failure."""
        try:
            self._start(dirs)
        except OSError as exc:
            if self.mode == "polling":
                raise
            self.stop()
            self._use_polling(f"inotify unavailable: {exc.strerror or exc}")
            self._start(dirs)

    def _start(self, dirs: list[tuple[Path, bool]]) -> None:
        self._observer = self._new_observer()
        self._watched.clear()
        for d, recursive in dirs:
            self._schedule(d, recursive)
        self._observer.start()

    def _schedule(self, d: Path, recursive: bool) -> None:
        key = (str(d), recursive)
        if key in self._watched or self._covered(str(d)):
            return
        assert self._observer is not None
        self._observer.schedule(self._handler, str(d), recursive=recursive)
        self._watched.add(key)

    def _covered(self, d: str) -> bool:
        return any(
            rec and (d == w or d.startswith(w.rstrip("/") + "/")) for w, rec in self._watched
        )

    def add(self, d: Path, recursive: bool) -> None:
        """Watch one more directory while running; a failure is noted (the rescan covers it)."""
        try:
            self._schedule(d, recursive)
        except OSError as exc:
            self.notes.append(f"{d}: cannot watch ({exc.strerror or exc}); rescanning instead")

    def unwatched(self, dirs: set[Path]) -> list[Path]:
        """Those of ``dirs`` (directories of followed files) no inotify watch of this process
        covers; empty when polling or when /proc cannot tell. watchdog drops the error when the
        watch limit is reached for a directory created after start, and a watched directory
        deleted and made again is watched no more: events would then stop without a word."""
        if self.mode == "polling" or not dirs:
            return []
        inodes = inotify_inodes()
        if inodes is None:
            return []
        out = []
        for d in dirs:
            with contextlib.suppress(OSError):
                if os.stat(d).st_ino not in inodes:
                    out.append(d)
        return out

    def restart(self, dirs: list[tuple[Path, bool]], missing: list[Path]) -> None:
        """Watch everything anew after :meth:`unwatched` found ``missing``; if that still
        leaves some unwatched (the watch limit), poll instead, and say so."""
        self.stop()
        self.start(dirs)  # falls back to polling itself if inotify refuses the roots
        if self.mode == "inotify" and self.unwatched(set(missing)):
            self.stop()
            self._use_polling(
                f"inotify cannot watch {missing[0]}: the watch limit is reached "
                "(sysctl fs.inotify.max_user_watches)"
            )
            self._start(dirs)
        if self.mode == "polling":
            self.notes.append(self.reason)

    def stop(self) -> None:
        if self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.stop()
                self._observer.join(timeout=5)
            self._observer = None
