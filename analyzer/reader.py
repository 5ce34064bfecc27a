"""Reading complete lines from a file by byte offset (the primitive under parse and tail).

Reads with ``os.pread`` (not mmap: a file truncated under an mmap crashes the reader), splits
on ``\\n``, holds a partial last line back until its newline arrives, and decodes UTF-8 with
replacement, counting the lines that needed it. Bounded: at most ``chunk`` bytes per read, and
a line still open past ``MAX_LINE`` bytes (a progress bar redrawn with ``\r`` for hours) is held
by its first ``LONG_PREFIX`` bytes only; when its newline comes, that prefix stands for it (the
line is counted, and unrecognised unless the prefix says what it is).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK = 8 << 20
#: An open line longer than this keeps only its first LONG_PREFIX bytes.
MAX_LINE = 16 << 20
LONG_PREFIX = 64 << 10


@dataclass
class LineCursor:
    """Where reading one file stands: the next byte to read and the line number reached."""

    offset: int = 0
    lineno: int = 0
    partial: bytes = b""
    decode_errors: int = 0
    #: Bytes of an overlong partial line read past what ``partial`` keeps of it.
    dropped: int = 0

    @property
    def consumed(self) -> int:
        """Bytes covered by complete lines (the offset a restart may resume from)."""
        return self.offset - len(self.partial) - self.dropped

    def hold(self, data: bytes) -> None:
        """Add ``data`` (no newline in it) to the partial line, keeping at most MAX_LINE bytes."""
        if self.dropped:
            self.dropped += len(data)
            return
        joined = self.partial + data
        if len(joined) <= MAX_LINE:
            self.partial = joined
            return
        self.partial = _utf8_prefix(joined, LONG_PREFIX)
        self.dropped = len(joined) - len(self.partial)


def _utf8_prefix(data: bytes, n: int) -> bytes:
    """``data[:n]`` cut back to a character boundary (``data`` is longer than ``n``)."""
    end = n
    while end > max(0, n - 3) and data[end] & 0xC0 == 0x80:
        end -= 1
    return data[:end]


def decode_lines(raw: list[bytes], cursor: LineCursor) -> list[str]:
    """Decode complete raw lines, counting those that were not valid UTF-8."""
    try:
        return b"\n".join(raw).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        out: list[str] = []
        for item in raw:
            try:
                out.append(item.decode("utf-8"))
            except UnicodeDecodeError:
                cursor.decode_errors += 1
                out.append(item.decode("utf-8", errors="replace"))
        return out


def read_new_lines(fd: int, cursor: LineCursor, *, chunk: int = CHUNK) -> Iterator[list[str]]:
    """Yield batches of complete lines from ``cursor.offset`` on, advancing the cursor.

    The partial tail stays in ``cursor.partial`` and is completed by a later call.
    """
    while True:
        data = os.pread(fd, chunk, cursor.offset)
        if not data:
            return
        cursor.offset += len(data)
        cut = data.rfind(b"\n")
        if cut < 0:
            cursor.hold(data)
            continue
        start = data.find(b"\n") if cursor.dropped else 0  # the rest of an overlong line goes
        head = cursor.partial + data[start:cut]
        cursor.partial, cursor.dropped = data[cut + 1 :], 0
        raw = head.split(b"\n")
        del head
        cursor.lineno += len(raw)
        yield decode_lines(raw, cursor)


def iter_file_lines(path: str, *, chunk: int = CHUNK) -> Iterator[tuple[int, str]]:
    """All complete lines of a file with their 1-based numbers (a one-shot read)."""
    cursor = LineCursor()
    fd = os.open(path, os.O_RDONLY)
    try:
        for batch in read_new_lines(fd, cursor, chunk=chunk):
            start = cursor.lineno - len(batch) + 1
            yield from enumerate(batch, start)
    finally:
        os.close(fd)


_BUFFERS = threading.local()  #: one read buffer per thread, kept between files


class ChunkReader:
    """Reads of a file into one buffer, reused across chunks and files: a fresh 16 MB object
    per read (zero-filled, then faulted in) cost a fifth of a parse's CPU time in the kernel."""

    def __init__(self, fd: int, keep: int) -> None:
        self.fd = fd
        self.keep = keep  #: a buffer grown past this (for a huge line) is not kept
        self.buf: bytearray = getattr(_BUFFERS, "buf", bytearray())
        self.got = 0

    def read(self, size: int, offset: int) -> memoryview:
        """Up to ``size`` bytes at ``offset`` (a view into the buffer, valid until the next)."""
        if len(self.buf) < size:
            self.buf = bytearray(size)
            if size <= self.keep:
                _BUFFERS.buf = self.buf
        self.got = os.preadv(self.fd, [memoryview(self.buf)[:size]], offset)
        return memoryview(self.buf)[: self.got]

    def last_newline(self) -> int:
        """Index of the last newline of the last read, or -1."""
        return self.buf.rfind(b"\n", 0, self.got)
