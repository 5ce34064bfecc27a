"""Reading complete lines from a file by byte offset (the primitive under parse and tail).

Reads with ``os.pread`` (not mmap: a file truncated under an mmap crashes the reader), splits
on ``\\n``, holds a partial last line back until its newline arrives, and decodes UTF-8 with
replacement, counting the lines that needed it. Bounded: at most ``chunk`` bytes per read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK = 8 << 20


@dataclass
class LineCursor:
    """Where reading one file stands: the next byte to read and the line number reached."""

    offset: int = 0
    lineno: int = 0
    partial: bytes = b""
    decode_errors: int = 0

    @property
    def consumed(self) -> int:
        """Bytes covered by complete lines (the offset a restart may resume from)."""
        return self.offset - len(self.partial)


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
        data = cursor.partial + data
        cut = data.rfind(b"\n")
        if cut < 0:
            cursor.partial = data
            continue
        cursor.partial = data[cut + 1 :]
        raw = data[:cut].split(b"\n")
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
