"""The parse cache: what was parsed from each file, so reopening a run parses only new bytes.

One entry per file (``$XDG_CACHE_HOME/analyzer/v1/<key>/``, key = parser fingerprint, device,
inode and path) holds Parquet segments of parsed records per kind and ``meta.json``: the offset
and line number reached, the pickled parser state at that point (so a half-read multi-line
record or a remembered step resumes exactly), the statistics, the file size and hashes of the
first and last bytes parsed. ``meta.json`` is replaced atomically *after* the segments it lists
are written, so a process killed at any moment leaves either the old or the new commit, each
consistent with the data it covers; unlisted segments are leftovers and are deleted.
On reopening, an entry is used only if the file still has at least ``offset`` bytes and the
hashed bytes are unchanged; otherwise the file is parsed again from the start. A change to any
parser source changes the fingerprint, so records from old parsers are never served.
Only one process writes an entry at a time (:mod:`analyzer.cache_lock`): the first to open it
owns it until it closes it; another session on the same file meanwhile reads the entry but
neither writes nor deletes anything in it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Collection
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

import polars as pl

from analyzer import cache_lock
from analyzer.reader import LineCursor
from analyzer.store import frames_from_records
from analyzer.tail import Follower
from parsers import KINDS, ParseStats, Record

VERSION = 1
HASH_BYTES = 4096
#: Segments per entry before they are merged into one per kind.
COMPACT_AFTER = 24


_RESTORE_ERRORS = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    EOFError,
    AttributeError,
    ImportError,
    pickle.UnpicklingError,
    pl.exceptions.PolarsError,
)


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/analyzer`` (default ``~/.cache/analyzer``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "analyzer"


@lru_cache(maxsize=1)
def parser_fingerprint() -> str:
    """A hash of every parser source file and of this cache's format version."""
    import parsers

    h = hashlib.sha1(f"v{VERSION}".encode())
    root = Path(parsers.__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _hash_range(fd: int, start: int, end: int) -> str:
    return hashlib.blake2b(os.pread(fd, max(0, end - start), start), digest_size=16).hexdigest()


def _edge_hashes(fd: int, end: int) -> tuple[str, str]:
    return _hash_range(fd, 0, min(end, HASH_BYTES)), _hash_range(fd, max(0, end - HASH_BYTES), end)


def _stats_from(d: dict) -> ParseStats:
    return ParseStats(**{**d, "records": dict(d.get("records", {}))})


def entry_dir(root: Path, file_id: tuple[int, int], source: str) -> Path:
    """The entry directory of one file (inode ``file_id`` under the name ``source``)."""
    dev, ino = file_id
    key = f"{parser_fingerprint()}|{dev}|{ino}|{os.path.abspath(source)}"
    return root / f"v{VERSION}" / hashlib.sha1(key.encode()).hexdigest()[:24]


def cached_offset(path: str, root: Path | None = None) -> int:
    """How many bytes of ``path`` its cache entry claims to cover (0 if none; not validated:
    for planning work only)."""
    try:
        st = os.stat(path)
        d = entry_dir(root or cache_root(), (st.st_dev, st.st_ino), path)
        return int(json.loads((d / "meta.json").read_text())["offset"])
    except _RESTORE_ERRORS:
        return 0


class FileCache:
    """The cache entry of one followed file: restore it, add parsed frames, commit them."""

    def __init__(self, root: Path, follower: Follower) -> None:
        self.follower = follower
        self.dir = entry_dir(root, follower.file_id, follower.source)
        self.segments: list[dict[str, str]] = []
        self._pending: dict[str, list[pl.DataFrame]] = {k: [] for k in KINDS}
        self._records: list[Record] = []
        self._seq = 0
        self._committed_offset = -1
        #: Whether this process writes the entry (decided on restore or on the first write).
        self._owner: bool | None = None

    @property
    def owner(self) -> bool:
        """True when this process writes the entry (asks for it on first use)."""
        if self._owner is None:
            self._owner = cache_lock.try_own(self.dir)
        return self._owner

    # -- restoring -------------------------------------------------------------------------
    def restore(self, kinds: Collection[str] | None = None) -> dict[str, pl.DataFrame] | None:
        """Resume the follower from a valid entry and return its cached frames (of ``kinds``
        only, when given), else None. Decides whether this process owns (writes) the entry."""
        owns = self.owner  # decided before meta is read: an owner's reading is final
        meta: dict = {}
        try:
            meta = json.loads((self.dir / "meta.json").read_text())
            frames = self._restore(meta, kinds)
        except _RESTORE_ERRORS:
            frames = None
        if frames is None:
            self.segments = []
            # New segment names must not reuse those an old (still committed) meta lists.
            with contextlib.suppress(*_RESTORE_ERRORS):
                self._seq = int(meta.get("seq", 0))
            return None
        if owns:
            self._remove_strays()
        with contextlib.suppress(OSError):  # its mtime is when the entry was last used
            os.utime(self.dir / "meta.json")
        return frames

    def _restore(
        self, meta: dict, kinds: Collection[str] | None = None
    ) -> dict[str, pl.DataFrame] | None:
        f = self.follower
        offset = int(meta["offset"])
        if os.fstat(f.fd).st_size < offset or meta["fingerprint"] != parser_fingerprint():
            return None
        if list(_edge_hashes(f.fd, offset)) != meta["hashes"]:
            return None
        parser = pickle.loads(base64.b64decode(meta["parser"]))
        parser.run = f.run
        frames = self._read_segments(meta["segments"], kinds)
        f.parser = parser
        f.base = _stats_from(meta["base"])
        f.cursor = LineCursor(offset=offset, lineno=int(meta["lineno"]))
        f.cursor.decode_errors = int(meta["decode_errors"])
        f._remember_edges()
        self.segments = meta["segments"]
        self._seq = int(meta["seq"])
        self._committed_offset = offset
        return frames

    def _read_segments(
        self, segments: list[dict[str, str]], kinds: Collection[str] | None = None
    ) -> dict[str, pl.DataFrame]:
        parts: dict[str, list[pl.DataFrame]] = {k: [] for k in KINDS}
        for seg in segments:
            for kind, name in seg.items():
                if kinds is None or kind in kinds:
                    parts[kind].append(pl.read_parquet(self.dir / name))
        run = self.follower.run
        out: dict[str, pl.DataFrame] = {}
        for kind, frames in parts.items():
            if frames:
                frame = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
                out[kind] = frame.with_columns(  # the names of now (a path spelled anew)
                    pl.lit(run, dtype=pl.String).alias("run"),
                    pl.lit(self.follower.source, dtype=pl.String).alias("source"),
                )
        return out

    def _remove_strays(self) -> None:
        listed = {name for seg in self.segments for name in seg.values()} | {"meta.json"}
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.dir):
                if entry.name not in listed:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

    # -- adding and committing -----------------------------------------------------------------
    def add(self, frames: dict[str, pl.DataFrame], *, truncated: bool = False) -> None:
        """Frames parsed since the last commit; after a truncation the old content is dropped."""
        if not self.owner:
            return
        if truncated:
            self._pending = {k: [] for k in KINDS}
            self._records = []
            self.segments = []
            self._committed_offset = -1
        elif self._records:  # records added earlier come first
            records, self._records = self._records, []
            self.add(frames_from_records(records))
        for kind, frame in frames.items():
            if frame.height:
                self._pending[kind].append(frame)

    def add_records(self, records: list[Record]) -> None:
        """Records parsed since the last commit (turned into frames when committed)."""
        if self.owner:
            self._records.extend(records)

    def dirty(self) -> bool:
        """True when there is something to commit (never for an entry another process owns)."""
        return self.owner and self.follower.cursor.consumed != self._committed_offset

    def commit(self) -> None:
        """Write the pending frames as a new segment, then atomically the meta that lists it."""
        if not self.dirty():  # nothing new, or another process owns the entry
            return
        f = self.follower
        parser_state = base64.b64encode(pickle.dumps(f.parser)).decode()
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._records:
            records, self._records = self._records, []
            self.add(frames_from_records(records))
        seg = self._write_segment(self._pending)
        if seg:
            self.segments.append(seg)
        self._pending = {k: [] for k in KINDS}
        offset = f.cursor.consumed
        meta = {
            "fingerprint": parser_fingerprint(),
            "source": f.source,
            "device": f.file_id[0],
            "inode": f.file_id[1],
            "size": f.size(),
            "offset": offset,
            "lineno": f.cursor.lineno,
            "decode_errors": f.cursor.decode_errors,
            "hashes": list(_edge_hashes(f.fd, offset)),
            "base": asdict(f.base),
            "parser": parser_state,
            "segments": self.segments,
            "seq": self._seq,
        }
        _write_json_atomic(self.dir / "meta.json", meta)
        self._committed_offset = offset
        if len(self.segments) > COMPACT_AFTER:
            self._compact()
        else:
            self._remove_strays()

    def _write_segment(self, parts: dict[str, list[pl.DataFrame]]) -> dict[str, str]:
        seg: dict[str, str] = {}
        for kind, frames in parts.items():
            if not frames:
                continue
            frame = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
            self._seq += 1
            name = f"{self._seq:06d}-{kind}.parquet"
            frame.write_parquet(self.dir / name, compression="lz4", statistics=False)
            seg[kind] = name
        return seg

    def _compact(self) -> None:
        """Merge every segment into one per kind (same commit protocol: data, then meta)."""
        parts: dict[str, list[pl.DataFrame]] = {k: [] for k in KINDS}
        for seg in self.segments:
            for kind, name in seg.items():
                parts[kind].append(pl.read_parquet(self.dir / name))
        merged = self._write_segment(parts)
        meta_path = self.dir / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta["segments"] = self.segments = [merged] if merged else []
        meta["seq"] = self._seq
        _write_json_atomic(meta_path, meta)
        self._remove_strays()

    def drop(self) -> None:
        """Forget this entry (the file is gone); only its owner deletes it."""
        if self.owner:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.close()

    def close(self) -> None:
        """Give up ownership (pending data not committed is left to the next owner to parse)."""
        if self._owner:
            cache_lock.release(self.dir)
        self._owner = False


def _write_json_atomic(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".meta.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
