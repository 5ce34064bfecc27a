"""The bulk path: parse a whole file fast, giving exactly the records of the line path.

Lines are split and prefiltered by polars (a literal Aho-Corasick match of every parser's
TRIGGERS, plus the CONTEXT windows after block openers); only candidate lines reach the
Python parsers, through the same :class:`parsers.FileParser` the live tail uses. Lines between
candidates are counted as unrecognised, and a gap closes open multi-line records exactly as an
unclaimed line would. Files are read in bounded chunks cut at newlines, so memory stays flat.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import polars as pl

from analyzer.store import frames_from_records
from parsers import FileParser, ParseStats, Record
from parsers.prefilter import MAX_LINE_CHARS, context_rules, has_full_triggers, trigger_literals

CHUNK = 64 << 20


@dataclass
class FileFrames:
    """One file's parse: frames per kind, statistics, and whether a partial line was held back."""

    frames: dict[str, pl.DataFrame]
    stats: ParseStats
    partial_tail: bool = False
    notes: list[str] = field(default_factory=list)


def _lines(data: bytes) -> tuple[pl.Series, int]:
    """Complete lines of a chunk as a string series, and how many needed UTF-8 replacement."""
    try:
        return pl.read_lines(data).to_series(), 0
    except pl.exceptions.ComputeError:
        raw = data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")
        bad = 0
        out: list[str] = []
        for item in raw:
            try:
                out.append(item.decode("utf-8"))
            except UnicodeDecodeError:
                bad += 1
                out.append(item.decode("utf-8", errors="replace"))
        return pl.Series("line", [s.rstrip("\r") for s in out], dtype=pl.String), bad


def candidate_mask(lines: pl.Series, carry: int = 0) -> tuple[pl.Series, int]:
    """Lines a parser might claim: a trigger, an oversized line, or inside a context window.

    ``carry`` lines at the start are still inside a window opened in the previous chunk; the
    second value is how many lines of the next chunk this chunk's windows reach into.
    """
    n = len(lines)
    if not has_full_triggers():
        return pl.Series([True] * n), 0
    mask = lines.str.contains_any(trigger_literals()) | (lines.str.len_bytes() > MAX_LINE_CHARS)
    reach = max(0, carry - n)
    if carry:
        mask = mask | (pl.int_range(n, eager=True) < carry)
    for literal, width in context_rules():
        opens = lines.str.contains(literal, literal=True)
        if not opens.any():
            continue
        window = opens.cast(pl.Int8).shift(1, fill_value=0)
        window = window.rolling_max(window_size=width, min_samples=1)
        mask = mask | window.fill_null(0).cast(pl.Boolean) | opens
        last = opens.arg_true()[-1]
        reach = max(reach, width - (n - 1 - last))
    return mask.fill_null(True), reach


def feed_candidates(
    fp: FileParser, lines: pl.Series, first_lineno: int, carry: int = 0
) -> tuple[list[Record], int]:
    """Feed only candidate lines to the parser; gaps close open blocks; skipped lines counted."""
    mask, reach = candidate_mask(lines, carry)
    idx = mask.arg_true().to_list()
    texts = lines.gather(idx).to_list() if idx else []
    out: list[Record] = []
    prev = -1
    for i, text in zip(idx, texts, strict=True):
        if i != prev + 1:
            fp.skip_lines(i - prev - 1)
            out.extend(fp.close_pending())
        out.extend(fp.feed(text, first_lineno + i))
        prev = i
    tail = len(lines) - prev - 1
    if tail:
        fp.skip_lines(tail)
        out.extend(fp.close_pending())
    return out, reach


def parse_file_fast(path: str, run: str, rank: int | None, *, chunk: int = CHUNK) -> FileFrames:
    """Parse one whole file (a partial last line is held back and reported)."""
    fp = FileParser(source=path, run=run, rank=rank)
    records: list[Record] = []
    offset, lineno, carry, reach = 0, 1, b"", 0
    fd = os.open(path, os.O_RDONLY)
    try:
        while True:
            data = os.pread(fd, chunk, offset)
            if not data:
                break
            offset += len(data)
            data = carry + data
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            lines, bad = _lines(data[: cut + 1])
            fp.stats.decode_errors += bad
            got, reach = feed_candidates(fp, lines, lineno, reach)
            records.extend(got)
            lineno += len(lines)
    finally:
        os.close(fd)
    records.extend(fp.flush())
    return FileFrames(frames_from_records(records), fp.stats, bool(carry))
