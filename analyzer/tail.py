"""Following one log file as it grows: identity by inode, a byte offset, the partial line held.

A :class:`Follower` owns one open file descriptor on one inode (so a renamed or deleted file
can still be read to its end) and the :class:`parsers.FileParser` of that file. ``read()``
re-``fstat``s, notices truncation (size below the offset) and in-place rewrites (the first
bytes, or the bytes just before the offset, changed), and parses at most ``budget`` new bytes,
so one huge append cannot hold everything else up. Nothing here trusts file events: the
caller may call ``read()`` for any reason at any time and gets exactly the new records.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.reader import LineCursor, read_new_lines
from parsers import FileParser, ParseStats, Record

if TYPE_CHECKING:
    import polars as pl

#: The first bytes remembered to notice a file rewritten in place.
HEAD_BYTES = 256
#: The bytes just before the offset, checked for the same reason (same-length rewrites).
TAIL_BYTES = 1024
#: At most this many new bytes parsed per ``read()`` call (the caller comes back for more).
READ_BUDGET = 1 << 20
READ_CHUNK = 1 << 20
#: With more unread, ``read(bulk=True)`` takes the bulk path (a catch-up; measured: 4 MB in ~30 ms).
BULK_MIN = 1 << 20
#: At most about this many bytes per bulk read (the caller comes back for more).
BULK_BUDGET = 32 << 20

FileId = tuple[int, int]


@dataclass
class ReadResult:
    """What one ``read()`` produced."""

    records: list[Record]
    lines: int = 0
    unrecognised: int = 0
    more: bool = False
    truncated: bool = False
    #: Frames per kind from a bulk read (records in ``records`` come before them).
    frames: dict[str, pl.DataFrame] | None = None


def truncation_event(source: str, run: str, rank: int | None) -> Record:
    """The record telling that a file was truncated or rewritten and is read again from 0."""
    return {
        "kind": "event",
        "line": 0,
        "severity": "warning",
        "type": "log_truncated",
        "message": f"{source} was truncated or rewritten; reading it again from the start",
        "run": run,
        "source": source,
        "rank": rank,
    }


class Follower:
    """One inode of one rank file, read incrementally from a saved offset."""

    def __init__(self, fd: int, st: os.stat_result, *, source: str, run: str, rank: int | None):
        self.fd = fd
        self.file_id: FileId = (st.st_dev, st.st_ino)
        self.source = source
        self.run = run
        self.rank = rank
        #: The name the inode has now (differs from ``source`` after a rotation).
        self.path = source
        self.cursor = LineCursor()
        self.parser = FileParser(source=source, run=run, rank=rank)
        #: Statistics of earlier generations of the file (before a truncation).
        self.base = ParseStats()
        self.head = b""
        self.tail = b""
        #: Renamed away or deleted: read to its end, then closed when idle.
        self.retired = False
        self.last_growth = time.monotonic()

    @classmethod
    def open(cls, path: str, *, run: str, rank: int | None, source: str | None = None) -> Follower:
        """Open ``path`` for following (records name it ``source``, by default ``path``);
        OSError if it cannot be read, IsADirectoryError if a dir."""
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise IsADirectoryError(21, "not a regular file", path)
        except BaseException:
            os.close(fd)
            raise
        return cls(fd, st, source=source or path, run=run, rank=rank)

    @property
    def stats(self) -> ParseStats:
        """Statistics of every generation of this file so far."""
        total = ParseStats()
        total.add(self.base)
        total.add(self.parser.stats)
        total.decode_errors += self.cursor.decode_errors
        return total

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def is_deleted(self) -> bool:
        return os.fstat(self.fd).st_nlink == 0

    def has_new_data(self) -> bool:
        """Cheap check used by the background rescan: did the size change?"""
        try:
            return os.fstat(self.fd).st_size != self.cursor.offset
        except OSError:
            return False

    def _rewritten(self, size: int) -> bool:
        if size < self.cursor.offset:
            return True
        if self.head and os.pread(self.fd, len(self.head), 0) != self.head:
            return True
        end = self.cursor.consumed
        return (
            bool(self.tail) and os.pread(self.fd, len(self.tail), end - len(self.tail)) != self.tail
        )

    def _remember_edges(self) -> None:
        if len(self.head) < HEAD_BYTES and self.cursor.offset > len(self.head):
            self.head = os.pread(self.fd, min(HEAD_BYTES, self.cursor.offset), 0)
        end = self.cursor.consumed
        n = min(TAIL_BYTES, end)
        self.tail = os.pread(self.fd, n, end - n) if n else b""

    def restart(self) -> Record:
        """Start over from byte 0 with a fresh parser (the file was truncated or rewritten)."""
        self.base.add(self.parser.stats)
        self.base.decode_errors += self.cursor.decode_errors
        self.cursor = LineCursor()
        self.parser = FileParser(source=self.source, run=self.run, rank=self.rank)
        self.head = self.tail = b""
        return truncation_event(self.source, self.run, self.rank)

    def read(self, budget: int = READ_BUDGET, *, bulk: bool = False) -> ReadResult:
        """Parse the complete lines appended since the last call (at most ``budget`` bytes).

        ``bulk``: when more than ``BULK_MIN`` bytes are unread, parse up to ``BULK_BUDGET`` of
        them by the bulk path (:func:`analyzer.fastparse.parse_range`, continuing this file's
        parser and line numbers), giving ``frames`` rather than records: the same records, in
        the same order, about a hundred times faster."""
        size = self.size()
        out = ReadResult([])
        if self.cursor.offset and self._rewritten(size):
            out.records.append(self.restart())
            out.truncated = True
        if size == self.cursor.offset:
            return out
        start_offset, start_lines = self.cursor.offset, self.parser.stats.lines
        start_unrec = self.parser.stats.unrecognised
        c = self.cursor  # bulk for a big backlog, not to re-read one long open line
        big = size - c.offset > BULK_MIN and not c.dropped
        if not (bulk and big and self._read_bulk(out)):
            self._read_lines(out, budget, size)
        out.lines = self.parser.stats.lines - start_lines
        out.unrecognised = self.parser.stats.unrecognised - start_unrec
        if self.cursor.offset != start_offset:
            self.last_growth = time.monotonic()
            self._remember_edges()
        return out

    def _read_lines(self, out: ReadResult, budget: int, size: int) -> None:
        """Up to ``budget`` bytes line by line, through this file's parser."""
        start_offset = self.cursor.offset
        for batch in read_new_lines(self.fd, self.cursor, chunk=min(READ_CHUNK, budget)):
            first = self.cursor.lineno - len(batch) + 1
            feed = self.parser.feed
            for i, text in enumerate(batch, first):
                out.records.extend(feed(text, i))
            if self.cursor.offset - start_offset >= budget:
                out.more = self.cursor.offset < size
                break

    def _read_bulk(self, out: ReadResult) -> bool:
        """Up to ``BULK_BUDGET`` bytes of complete lines by the bulk path (a partial line held
        before is read again: the cursor restarts just after the last complete line). False
        when there was no complete line (one huge partial line): the line path holds it."""
        from analyzer.fastparse import parse_range  # polars only when a big catch-up needs it

        c = self.cursor
        got = parse_range(
            self.fd, self.parser, offset=c.consumed, lineno=c.lineno, limit=BULK_BUDGET
        )
        if not got.lines:
            return False
        self.cursor = LineCursor(
            offset=got.offset,
            lineno=c.lineno + got.lines,
            decode_errors=c.decode_errors + got.decode_errors,
        )
        out.frames = got.frames
        out.more = got.more
        return True

    def skip_to_end(self) -> None:
        """Start at the end of the file (``--from-end``), keeping line numbers right."""
        offset, lineno = count_lines(self.fd)
        self.cursor = LineCursor(offset=offset, lineno=lineno)
        self._remember_edges()

    def finish(self) -> list[Record]:
        """The file ends for good (for now): close open multi-line records."""
        return self.parser.flush()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def count_lines(fd: int, *, chunk: int = 8 << 20) -> tuple[int, int]:
    """(offset just after the last newline, number of complete lines) of an open file."""
    offset = lines = last_nl = 0
    for data in _chunks(fd, chunk):
        lines += data.count(b"\n")
        cut = data.rfind(b"\n")
        if cut >= 0:
            last_nl = offset + cut + 1
        offset += len(data)
    return last_nl, lines


def _chunks(fd: int, chunk: int) -> Iterator[bytes]:
    offset = 0
    while True:
        data = os.pread(fd, chunk, offset)
        if not data:
            return
        yield data
        offset += len(data)
