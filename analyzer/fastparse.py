"""The bulk path: parse a whole file fast, giving exactly the records of the line path.

Lines are split and prefiltered by polars (a literal match of every parser's TRIGGERS, plus the
CONTEXT windows after block openers). Candidate lines of the high-volume Megatron shapes
(iteration, timer and memory-report lines) that pass a strict shape check are parsed by polars
(:mod:`analyzer.fastparse_vec`); every other candidate goes through the same
:class:`parsers.FileParser` the live tail uses. Lines between candidates are counted as
unrecognised, and a gap closes open multi-line records exactly as an unclaimed line would.
Files are read in bounded chunks cut at newlines, so memory stays flat.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import polars as pl

from analyzer.fastparse_rows import RunInfo, canonical, final_kinds, in_runs, timer_steps
from analyzer.fastparse_skip import Skipped, WindowBlocks
from analyzer.fastparse_vec import ITERATION, LOG, MEMORY, PYTHON, TIMER, classify, shape_rows
from analyzer.fastscan import Candidates, from_bytes, from_lines, merged
from analyzer.reader import ChunkReader, LineCursor, read_new_lines
from analyzer.store import empty_frame, frames_from_records, records_to_frame
from parsers import KINDS, FileParser, ParseStats, Record

CHUNK = 16 << 20  # measured: as fast as 32 MB, a third less peak RSS per worker
_KIND_OF = {ITERATION: "step", TIMER: "timer", MEMORY: "memory", LOG: "event"}


@dataclass
class FileFrames:
    """One file's parse: frames per kind, statistics, and whether a partial line was held back."""

    frames: dict[str, pl.DataFrame]
    stats: ParseStats
    partial_tail: bool = False
    notes: list[str] = field(default_factory=list)
    #: Lines actually parsed (fewer than ``stats.lines`` when the parse cache held the rest).
    parsed_lines: int = 0
    #: Kind → Parquet file holding that kind's frame, when the worker spilled it to disk.
    spilled: dict[str, str] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, object]:
        """Pickled (worker → parent) without the constant ``run``/``source`` columns: a string
        repeated on every row costs its full size per row once unpickled, a literal does not."""
        state = dict(self.__dict__)
        state["frames"] = {k: _pack(f) for k, f in self.frames.items()}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        frames = state.pop("frames")
        self.__dict__.update(state)
        self.frames = {k: _unpack(v) for k, v in frames.items()}  # type: ignore[attr-defined]


_CONSTANT = ("run", "source")


def _pack(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str], dict[str, str]]:
    consts: dict[str, str] = {}
    if frame.height:
        for name in _CONSTANT:
            col = frame[name]
            if col.null_count() == 0 and (col == col[0]).all():
                consts[name] = col[0]
    return frame.drop(list(consts)), frame.columns, consts


def _unpack(packed: tuple[pl.DataFrame, list[str], dict[str, str]]) -> pl.DataFrame:
    frame, columns, consts = packed
    if not consts:
        return frame
    return frame.with_columns(pl.lit(v, pl.String).alias(k) for k, v in consts.items()).select(
        columns
    )


def _lines(data: bytes, end: int) -> tuple[pl.Series, int]:
    """The complete lines in ``data[:end]`` (``end`` just after a newline) as a string series,
    and how many needed UTF-8 replacement. The whole buffer is handed to polars and the partial
    last line dropped from the result: no copy of the chunk."""
    try:
        lines = pl.read_lines(data).to_series()
        return (lines.head(len(lines) - 1) if end < len(data) else lines), 0
    except pl.exceptions.ComputeError:
        raw = data[:end].split(b"\n")[:-1]
        bad = 0
        out: list[str] = []
        for item in raw:
            try:
                out.append(item.decode("utf-8"))
            except UnicodeDecodeError:
                bad += 1
                out.append(item.decode("utf-8", errors="replace"))
        return pl.Series("line", [s.rstrip("\r") for s in out], dtype=pl.String), bad


class _Walk:
    """Feeds one file's candidate lines, in order, to the Python parser or the vectorised shapes.

    A run of consecutive safe candidates is taken whole when no parser holds an open block at
    its start: such lines are claimed by the Megatron parser first (it comes first in the
    registry), open nothing and close nothing, so only the statistics, the rank prefix and the
    Megatron parser's last step need keeping in step. Records keep the line path's order
    through ``key``: Python record j has key 2j+1; rows of a run taken when j records were out
    have key 2j (ties in line order).
    """

    def __init__(self, fp: FileParser) -> None:
        self.fp = fp
        self.meg = fp.parser("megatron")
        self.records: list[Record] = []
        self.parts: dict[str, list[pl.DataFrame]] = {k: [] for k in _KIND_OF.values()}
        self._window_only: set[int] = set()
        #: Some parser holds an open block or the arguments dump is open (kept in step with
        #: every feed and close: asking the parsers costs more than the walk's other work).
        self._open = False
        self._sync()

    def _sync(self) -> None:
        self._open = self.fp.pending or self.meg.in_arguments

    def chunk(self, lines: pl.Series, first_lineno: int, carry: int) -> int:
        """Feed one chunk's lines; returns how far its context windows reach into the next."""
        return self.candidates(from_lines(lines, carry), first_lineno)

    def candidates(self, c: Candidates, first_lineno: int) -> int:
        """Feed one chunk's candidate lines; returns how far its windows reach into the next."""
        idx, texts = c.idx, c.texts
        self._window_only = c.window_only
        kinds = classify(texts)
        if not (kinds != PYTHON).any():
            self._python_only(idx.to_list(), texts.to_list(), c.lines, first_lineno)
            return c.reach
        shapes = shape_rows(texts, kinds, c.raw)
        kinds = final_kinds(len(idx), shapes)
        runs = self._mixed(idx.to_list(), texts, kinds, shapes, c.lines, first_lineno)
        self._collect(shapes, runs, idx, first_lineno)
        return c.reach

    def known_carry(self, reach: int | None) -> int | None:
        """The window carry into the next chunk, when known: after a chunk, or at a start
        where no parser holds an open block (a line without a trigger is then never claimed)."""
        if reach is None:
            self._sync()
            return None if self._open else 0
        return reach

    def resume(self, lines: pl.Series, first_lineno: int) -> int | None:
        """The first chunk after a parser state of unknown window carry: lines go one by one
        while a block or an arguments dump is open (a window could cover them), the rest as a
        chunk with no carry (with nothing open, a line without a trigger is never claimed).
        None when every line went one by one (the next chunk must resume the same way)."""
        k, n, fp = 0, len(lines), self.fp
        self._sync()
        while k < n and self._open:
            self.records.extend(fp.feed(lines[k], first_lineno + k))
            self._sync()
            k += 1
        if k == n:
            return None
        return self.chunk(lines.slice(k), first_lineno + k, 0)

    def _skippable(self, pos: int) -> bool:
        """A window line holding no trigger, while no parser could claim such a line: no open
        block and no open arguments dump (every parser looks at a line only when it holds one of
        its TRIGGERS otherwise), so it is unclaimed, as the prefilter's gaps are."""
        return not self._open and pos in self._window_only

    def _python_only(self, idx: list[int], texts: list[str], n: int, first_lineno: int) -> None:
        prev = -1
        for pos, (i, text) in enumerate(zip(idx, texts, strict=True)):
            if not (self._window_only and self._skippable(pos)):
                prev = self._feed(i, text, prev, first_lineno)
        self._tail(n, prev)

    def _tail(self, n: int, prev: int) -> None:
        if n - prev - 1:
            self.fp.skip_lines(n - prev - 1)
            self.records.extend(self.fp.close_pending())
            self._sync()

    def _mixed(
        self,
        idx: list[int],
        texts: pl.Series,
        kinds: pl.Series,
        shapes: dict[int, pl.DataFrame],
        n: int,
        first_lineno: int,
    ) -> list[tuple[int, int, int, int | None]]:
        """The walk: Python candidates one by one, safe runs whole; returns the runs taken."""
        py_pos = (kinds == PYTHON).arg_true().to_list()
        py_texts = texts.gather(py_pos).to_list() if py_pos else []
        info = RunInfo(len(idx), kinds, shapes)
        runs: list[tuple[int, int, int, int | None]] = []
        prev, a, skipped = -1, 0, Skipped()
        blocks = WindowBlocks(py_pos, self._window_only)
        k, m = 0, len(py_pos)
        while k <= m:
            if k < m and blocks.only[k] and not self._open:
                # Nothing open now, and a run never opens a block: every window-only line up
                # to the next other Python candidate is skipped, inside the run being gathered.
                k = blocks.skip(k, skipped)
                continue
            q, text = (py_pos[k], py_texts[k]) if k < m else (len(idx), None)
            end = skipped.run_end(q)
            if a < end:  # a run of safe candidates [a, end), skipped window lines inside
                prev = self._run(idx, texts, a, end, prev, first_lineno, info, runs)
            if text is not None:
                prev = self._feed(idx[q], text, prev, first_lineno)
            a, k = q + 1, k + 1
        self._tail(n, prev)
        return runs

    def _feed(self, i: int, text: str, prev: int, first_lineno: int) -> int:
        """Line ``i`` to the Python parser (lines skipped since ``prev`` counted, blocks closed)."""
        if i != prev + 1:
            self.fp.skip_lines(i - prev - 1)
            self.records.extend(self.fp.close_pending())
        self.records.extend(self.fp.feed(text, first_lineno + i))
        self._sync()
        return i

    def _run(
        self,
        idx: list[int],
        texts: pl.Series,
        a: int,
        q: int,
        prev: int,
        first_lineno: int,
        info: RunInfo,
        runs: list[tuple[int, int, int, int | None]],
    ) -> int:
        """Take safe candidates [a, q) whole, once no parser holds an open block (lines an open
        block sees first go the Python way); returns the last line index consumed."""
        fp = self.fp
        while a < q:
            i = idx[a]
            if i != prev + 1:
                fp.skip_lines(i - prev - 1)
                self.records.extend(fp.close_pending())
                self._sync()
                prev = i - 1
            if not fp.pending:
                break
            prev, a = self._feed(i, texts[a], prev, first_lineno), a + 1
        if a < q:
            last = idx[q - 1]
            fp.count_claimed(last - idx[a] + 1, info.claimed(a, q), info.ranks[q - 1])
            runs.append((a, q, 2 * len(self.records), self.meg.last_step))
            step = info.last_step(a, q)
            if step is not None:
                self.meg.note_iteration(step)
            prev = last
        return prev

    def _collect(
        self,
        shapes: dict[int, pl.DataFrame],
        runs: list[tuple[int, int, int, int | None]],
        idx: pl.Series,
        first_lineno: int,
    ) -> None:
        """Rows of the runs taken → frames with the canonical columns plus ``key``."""
        if not runs:
            return
        table = pl.DataFrame(
            dict(zip(("a", "b", "key", "init"), zip(*runs, strict=True), strict=True)),
            schema={"a": pl.UInt32, "b": pl.UInt32, "key": pl.Int64, "init": pl.Int64},
        )
        its = in_runs(shapes[ITERATION].select("row", "step"), table)
        for kind, frame in shapes.items():
            got = in_runs(frame, table)
            if not got.height:
                continue
            if kind == TIMER:
                got = got.with_columns(step=timer_steps(got, its))
            if kind == LOG:  # INFO/DEBUG lines: claimed without a record
                got = got.filter(~pl.col("quiet"))
                if not got.height:
                    continue
            got = got.with_columns(line=idx.gather(got["row"]).cast(pl.Int64) + first_lineno)
            name = _KIND_OF[kind]
            self.fp.stats.records[name] = self.fp.stats.records.get(name, 0) + got.height
            self.parts[name].append(canonical(name, got, self.fp))

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every kind's frame in the line path's record order."""
        by_kind: dict[str, list[Record]] = {k: [] for k in KINDS}
        keys: dict[str, list[int]] = {k: [] for k in KINDS}
        for j, rec in enumerate(self.records):
            kind = rec.get("kind", "")
            if kind in by_kind:
                by_kind[kind].append(rec)
                keys[kind].append(2 * j + 1)
        out: dict[str, pl.DataFrame] = {}
        for kind in KINDS:
            py = records_to_frame(kind, by_kind[kind])
            parts = self.parts.get(kind, [])
            if not parts:
                out[kind] = py
                continue
            py = py.with_columns(key=pl.Series(keys[kind], dtype=pl.Int64))
            both = pl.concat([py, *parts], how="vertical")
            if py.height:
                both = both.sort(["key", "line"], maintain_order=True)
            out[kind] = both.drop("key")
        return out


@dataclass
class RangeParse:
    """What :func:`parse_range` read: frames (open multi-line records not flushed), where it
    stopped (just after the last complete line), the lines it parsed and replacement counts."""

    frames: dict[str, pl.DataFrame]
    offset: int
    lines: int
    partial: bool
    decode_errors: int
    more: bool = False


#: Ranges smaller than this go line by line: the bulk path's fixed cost (~20 ms a file) would
#: dominate, and both paths give the same records (tests/test_fastparse.py).
SMALL_RANGE = 256 << 10


def _parse_small(fd: int, fp: FileParser, offset: int, lineno: int) -> RangeParse:
    """The line path over a small range: the same FileParser, fed every line."""
    cursor = LineCursor(offset=offset, lineno=lineno)
    records: list[Record] = []
    for batch in read_new_lines(fd, cursor):
        first = cursor.lineno - len(batch) + 1
        for i, text in enumerate(batch, first):
            records.extend(fp.feed(text, i))
    return RangeParse(
        frames_from_records(records),
        cursor.consumed,
        cursor.lineno - lineno,
        bool(cursor.partial),
        cursor.decode_errors,
    )


#: The compiled scanner's candidates are walked in batches of about this much text: noise
#: chunks (few candidates) are walked together, so the walk's fixed cost is paid once.
BATCH_BYTES = 16 << 20


class _Batch:
    """Candidates of consecutive chunks, walked together once they hold enough text."""

    def __init__(self, walk: _Walk) -> None:
        self.walk = walk
        self.parts: list[Candidates] = []
        self.first = 0
        self.size = 0

    def add(self, found: Candidates, first_lineno: int) -> None:
        if not self.parts:
            self.first = first_lineno
        self.parts.append(found)
        self.size += found.text_bytes
        if self.size >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.walk.candidates(merged(self.parts), self.first)
            self.parts, self.size = [], 0


def parse_range(
    fd: int,
    fp: FileParser,
    *,
    offset: int = 0,
    lineno: int = 0,
    limit: int | None = None,
    chunk: int = CHUNK,
) -> RangeParse:
    """Bulk-parse the complete lines of ``fd`` from ``offset`` on, continuing ``fp`` (which has
    parsed ``lineno`` lines so far, by this path or line by line). At most about ``limit`` bytes
    are read (``more`` tells whether complete lines were left). Lines are fed one by one while
    ``fp`` holds an open block, so no context window of an earlier read needs carrying."""
    remaining = os.fstat(fd).st_size - offset
    if remaining <= SMALL_RANGE and (limit is None or limit >= remaining):
        return _parse_small(fd, fp, offset, lineno)
    walk = _Walk(fp)
    chunk = chunk if limit is None else max(1, min(chunk, limit))
    start, first, reach, size = offset, lineno + 1, None, chunk
    partial = more = False
    bad_total = 0
    batch = _Batch(walk)
    reader = ChunkReader(fd, keep=2 * CHUNK)
    while limit is None or offset - start < limit:
        data = reader.read(size, offset)
        if not data:
            break
        cut = reader.last_newline()
        if cut < 0:  # no complete line: the last one of the file, or a longer read needed
            if len(data) < size:
                partial = True
                break
            size *= 2
            continue
        size = chunk
        carry = walk.known_carry(reach)
        found = None if carry is None else from_bytes(data, cut + 1, carry)
        offset += cut + 1
        if found is not None:
            batch.add(found, first)
            reach = found.reach
            first += found.lines
            continue
        batch.flush()
        lines, bad = _lines(bytes(data), cut + 1)
        del data
        bad_total += bad
        reach = walk.resume(lines, first) if carry is None else walk.chunk(lines, first, carry)
        first += len(lines)
    batch.flush()
    if limit is not None and offset - start >= limit:
        more = bool(os.pread(fd, 1, offset))
    frames = walk.frames()
    return RangeParse(frames, offset, first - 1 - lineno, partial, bad_total, more)


def parse_file_fast(path: str, run: str, rank: int | None, *, chunk: int = CHUNK) -> FileFrames:
    """Parse one whole file (a partial last line is held back and reported)."""
    fp = FileParser(source=path, run=run, rank=rank)
    fd = os.open(path, os.O_RDONLY)
    try:
        got = parse_range(fd, fp, chunk=chunk)
    finally:
        os.close(fd)
    fp.stats.decode_errors += got.decode_errors
    frames = got.frames
    tail = fp.flush()
    if tail:
        frames = merge_frames([frames, frames_from_records(tail)])
    return FileFrames(frames, fp.stats, got.partial, parsed_lines=got.lines)


def merge_frames(parts: list[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """Frames per kind, concatenated in order (empty ones left out, every kind present)."""
    out: dict[str, pl.DataFrame] = {}
    for kind in KINDS:
        frames = [p[kind] for p in parts if kind in p and p[kind].height]
        if len(frames) > 1:
            out[kind] = pl.concat(frames, how="vertical_relaxed")
        elif frames:
            out[kind] = frames[0]
        else:
            out[kind] = next((p[kind] for p in parts if kind in p), empty_frame(kind))
    return out
