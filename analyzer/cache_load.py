"""One file of a one-shot load, through the parse cache and the bulk path.

A valid cache entry covering the whole file gives its frames with no parsing; one covering a
prefix gives its frames plus the bulk parse of the bytes after it (continuing the cached parser
state); no valid entry means a bulk parse from byte 0. The entry is then committed with the
bulk path's end state (offset after the last complete line, line number, the FileParser before
its final flush, statistics, edge hashes), by :class:`analyzer.cache.FileCache`'s protocol
(segments first, then ``meta.json`` replaced atomically), so the next open is instant and a
live tail can continue from it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from analyzer.cache import FileCache, cache_root
from analyzer.fastparse import FileFrames, merge_frames, parse_range
from analyzer.reader import LineCursor
from analyzer.store import frames_from_records
from analyzer.tail import Follower
from parsers import KINDS

#: Smaller files parse faster than their cache entry reads back (measured on sample_logs/).
CACHE_MIN_BYTES = 1 << 20


def load_file(
    path: str,
    run: str,
    rank: int | None,
    *,
    use_cache: bool = True,
    kinds: Collection[str] | None = None,
    root: Path | None = None,
) -> FileFrames:
    """Frames of one file (of ``kinds`` only, when given), reusing and updating the cache.

    ``FileFrames.parsed_lines`` tells how many lines were actually parsed (0 on a full hit).
    """
    follower = Follower.open(path, run=run, rank=rank)
    worth_it = use_cache and follower.size() >= CACHE_MIN_BYTES
    entry = FileCache(root or cache_root(), follower) if worth_it else None
    try:
        cached = entry.restore(kinds) if entry is not None else None
        cursor = follower.cursor
        got = parse_range(follower.fd, follower.parser, offset=cursor.offset, lineno=cursor.lineno)
        follower.cursor = LineCursor(
            offset=got.offset,
            lineno=cursor.lineno + got.lines,
            decode_errors=cursor.decode_errors + got.decode_errors,
        )
        notes: list[str] = []
        if entry is not None and entry.dirty():
            entry.add(got.frames)
            try:
                entry.commit()
            except OSError as exc:
                notes.append(f"parse cache: {exc.strerror or exc}; {path} not cached")
        tail = frames_from_records(follower.finish())
        frames = merge_frames([cached or {}, got.frames, tail])
        wanted = KINDS if kinds is None else [k for k in KINDS if k in kinds]
        out = {k: frames[k] for k in wanted}
        return FileFrames(out, follower.stats, got.partial, notes, parsed_lines=got.lines)
    finally:
        follower.close()
        if entry is not None:
            entry.close()
