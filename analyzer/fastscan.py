"""A chunk's candidate lines, found by the compiled scanner when it is built, else by polars.

:mod:`analyzer._scan` (C, built by ``pip install`` when a compiler is at hand, optional) splits
lines, matches the parsers' trigger literals and block openers and checks UTF-8 in one pass,
about twice as fast as the polars path (:mod:`analyzer.fastparse_mask`), which stays the
fallback: without a compiler, with ``ANALYZER_NATIVE=0``, and for a chunk that is not valid
UTF-8 (its replacement counting lives there). Both give the same :class:`Candidates` (tested).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from analyzer.fastparse_mask import candidate_mask
from parsers.prefilter import MAX_LINE_CHARS, context_rules, has_full_triggers, trigger_literals


@dataclass
class Candidates:
    """The lines of a chunk some parser might claim, and what the walk needs besides."""

    idx: pl.Series  #: their line numbers in the chunk (UInt32), ascending
    texts: pl.Series  #: their text
    window_only: set[int]  #: positions (in ``idx``) of lines only inside a context window
    lines: int  #: lines in the chunk
    reach: int  #: lines of the next chunk the windows cover
    text_bytes: int = 0  #: size of the candidates' text (the compiled path only)
    raw: bytes | None = None  #: that text, each line ending in a newline (compiled path only)


def from_lines(lines: pl.Series, carry: int) -> Candidates:
    """The polars path, over a chunk already split into lines."""
    mask, triggered, reach = candidate_mask(lines, carry)
    idx = mask.arg_true()
    window_only = set((~triggered.gather(idx)).arg_true().to_list())
    return Candidates(idx, lines.gather(idx), window_only, len(lines), reach)


_SAMPLE = 1 << 20
_built: list[Any] = []  #: the scanner, once built (on the first chunk, filed for its text)


@cache
def _scanner_class() -> Any:
    """The compiled scanner's class, or None (not built, or ``ANALYZER_NATIVE=0``)."""
    if os.environ.get("ANALYZER_NATIVE", "1") == "0" or not has_full_triggers():
        return None
    try:
        from analyzer._scan import Scanner  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Scanner


def _scanner(sample: bytes | memoryview = b"") -> Any:
    """The compiled scanner over the parsers' literals, or None. Built once per process;
    ``sample`` (the first chunk's start) tells it which byte pairs are common in these logs,
    so it files literals under rare ones (speed only: the answers are the same)."""
    if not _built:
        cls = _scanner_class()
        triggers = tuple(t.encode() for t in trigger_literals())
        openers = tuple((lit.encode(), width) for lit, width in context_rules())
        _built.append(None if cls is None else cls(triggers, openers, MAX_LINE_CHARS, sample))
    return _built[0]


def native() -> bool:
    """True when the compiled scanner is in use."""
    return _scanner_class() is not None


def from_bytes(data: bytes, end: int, carry: int) -> Candidates | None:
    """The compiled path over ``data[:end]`` (complete lines); None when it is unavailable or
    the chunk is not valid UTF-8 (the caller then splits lines and takes the polars path)."""
    scanner = _scanner(memoryview(data)[:_SAMPLE])
    got = scanner.scan(data, end, carry) if scanner is not None else None
    if got is None:
        return None
    lines, idx, triggered, texts, reach = got
    positions = pl.Series("idx", idx)  # columns polars takes over without a copy
    flags = pl.Series("t", triggered)
    window_only = set((flags == 0).arg_true().to_list())
    texts_series = pl.read_lines(texts).to_series()
    return Candidates(positions, texts_series, window_only, lines, reach, len(texts), texts)


def merged(parts: list[Candidates]) -> Candidates:
    """Consecutive chunks' candidates as one chunk's (the windows already carried across)."""
    if len(parts) == 1:
        return parts[0]
    idx, window_only, lines, count = [], set(), 0, 0
    for part in parts:
        idx.append(part.idx.cast(pl.UInt32) + lines)
        window_only.update(p + count for p in part.window_only)
        lines += part.lines
        count += len(part.idx)
    texts = pl.concat([p.texts for p in parts], rechunk=True)
    raws = [p.raw for p in parts]
    raw = None if any(r is None for r in raws) else b"".join(raws)  # type: ignore[arg-type]
    return Candidates(
        pl.concat(idx, rechunk=True), texts, window_only, lines, parts[-1].reach, 0, raw
    )
