"""trace_view.json (Chrome trace events) read as a stream of byte chunks.

Files reach gigabytes, so nothing holds the whole array: each chunk is cut at the last event
boundary (``}`` ``,`` ``{``), its events are turned into NDJSON and parsed by polars (Rust,
~150 MB/s here); a chunk polars cannot parse (an unlucky cut inside a nested object or string)
is decoded exactly with ``json.JSONDecoder.raw_decode`` instead. Both the bare array form and
the ``{"traceEvents": [...]}`` object form are accepted.

:class:`TraceAccumulator` keeps only aggregates: per (pid, tid, name) event counts and total
duration, process/thread names from ``ph: M`` events, the ``Overlap Analysis`` segments
(Computing, Communication, Communication(Not Overlapped), Free) and step markers
(``ProfilerStep#N``), which is what the profile summary needs.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import polars as pl

FIELDS = ("ph", "name", "pid", "tid", "ts", "dur", "cat")
_SCHEMA = {**dict.fromkeys(FIELDS, pl.String), "args": pl.Struct({"name": pl.String})}
_BOUNDARY = re.compile(rb"\}\s*,\s*\{")
_WINDOW = 1 << 20
OVERLAP_NAMES = ("Computing", "Communication", "Communication(Not Overlapped)", "Free")
_STEP = re.compile(r"^ProfilerStep#(\d+)$")


def _frame_from_dicts(events: list) -> pl.DataFrame:
    rows = []
    for e in events:
        if not isinstance(e, dict):
            continue
        args = e.get("args")
        row = {k: None if e.get(k) is None else str(e.get(k)) for k in FIELDS}
        name = args.get("name") if isinstance(args, dict) else None
        row["args_name"] = None if name is None else str(name)
        rows.append(row)
    return pl.DataFrame(rows, schema={**dict.fromkeys(FIELDS, pl.String), "args_name": pl.String})


def _ndjson(nd: bytes) -> pl.DataFrame:
    df = pl.read_ndjson(io.BytesIO(nd), schema=_SCHEMA)
    return df.with_columns(pl.col("args").struct.field("name").alias("args_name")).drop("args")


def fast_ndjson(piece: bytes) -> bytes | None:
    """The fast NDJSON form of a single-line piece (as torch_npu writes: ``}, {`` between
    events), by plain byte replacement; None for a multi-line piece (pretty-printed)."""
    if b"\n" in piece or b"\r" in piece:
        return None
    nd = piece.replace(b"}, {", b"}\n{")
    return nd.replace(b"},{", b"}\n{") if b"},{" in nd else nd


def _parse_piece(piece: bytes, nd: bytes | None) -> pl.DataFrame:
    """Events ``{..}, {..}, ...`` (no brackets) → a frame.

    First the fast form (``nd``, see :func:`fast_ndjson`); then the general regex split
    (newlines are never inside JSON strings, so they can become spaces); then the exact decoder.
    """
    if nd is not None:
        try:
            return _ndjson(nd)
        except (pl.exceptions.PolarsError, ValueError):
            pass
    nd = _BOUNDARY.sub(b"}\n{", piece.replace(b"\n", b" ").replace(b"\r", b" "))
    try:
        return _ndjson(nd)
    except (pl.exceptions.PolarsError, ValueError):
        return _frame_from_dicts(json.loads(b"[" + piece + b"]"))


@dataclass
class _Stream:
    """Byte-level state: skip the prelude up to the event array, cut at event boundaries."""

    buf: bytes = b""
    started: bool = False
    notes: list[str] = field(default_factory=list)

    def _start(self) -> bool:
        head = self.buf.lstrip()
        if not head:
            return False
        if head[:1] == b"[":
            self.buf, self.started = head[1:], True
        elif head[:1] == b"{":
            at = head.find(b'"traceEvents"')
            bracket = head.find(b"[", at) if at >= 0 else -1
            if bracket < 0:
                if len(head) > _WINDOW:
                    raise ValueError("a JSON object without a traceEvents array")
                return False
            self.buf, self.started = head[bracket + 1 :], True
        else:
            raise ValueError("not a JSON array of trace events")
        return True

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        self.buf += chunk
        if not self.started and not self._start():
            return
        start = max(0, len(self.buf) - _WINDOW)
        found = list(_BOUNDARY.finditer(self.buf, start)) or list(_BOUNDARY.finditer(self.buf))
        if not found:
            return
        last = found[-1]
        piece, self.buf = self.buf[: last.start() + 1], self.buf[last.end() - 1 :]
        yield piece.strip().lstrip(b",")

    def finish(self) -> Iterator[bytes]:
        tail = self.buf.strip()
        self.buf = b""
        if not self.started:
            if tail:
                raise ValueError("not a JSON array of trace events")
            return
        end = tail.rfind(b"]")
        if end < 0:
            self.notes.append("trace events array not closed (file truncated?)")
            cut = tail.rfind(b"}")
            tail = tail[: cut + 1] if cut >= 0 else b""
        else:
            tail = tail[:end].rstrip()
        tail = tail.strip().lstrip(b",").rstrip(b",")
        if tail:
            yield tail


def _decode_exact(piece: bytes) -> tuple[pl.DataFrame, bytes]:
    """Decode events one by one; returns the frame and an undecodable remainder."""
    text = piece.decode("utf-8", errors="replace")
    dec, pos, events = json.JSONDecoder(), 0, []
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            break
        try:
            obj, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError:
            return _frame_from_dicts(events), text[pos:].encode()
        events.append(obj)
    return _frame_from_dicts(events), b""


def iter_trace_pieces(chunks: Iterable[bytes], notes: list[str] | None = None) -> Iterator[bytes]:
    """Chunks of a trace_view.json → pieces of whole events ``{..}, {..}`` (no brackets).

    Raises ValueError when the bytes are not a trace event array."""
    stream = _Stream()
    for chunk in chunks:
        yield from stream.feed(chunk)
    yield from stream.finish()
    if notes is not None:
        notes.extend(stream.notes)


def frames_from_pieces(
    pieces: Iterable[tuple[bytes, bytes | None]], notes: list[str] | None = None
) -> Iterator[pl.DataFrame]:
    """(piece, fast NDJSON form) pairs → frames of events (all-text columns of :data:`FIELDS`
    plus ``args_name``). A piece that cannot be decoded whole (an unlucky cut) is decoded
    event by event and its undecodable rest carried into the next piece."""
    carry = b""
    for piece, nd in pieces:
        if carry:
            piece = carry + b", " + piece
            nd = fast_ndjson(piece)
        try:
            carry = b""
            yield _parse_piece(piece, nd)
        except ValueError:
            df, carry = _decode_exact(piece)
            yield df
    if carry.strip() and notes is not None:
        notes.append(f"{len(carry)} trailing bytes of trace_view.json not decodable")


def iter_trace_frames(
    chunks: Iterable[bytes], notes: list[str] | None = None
) -> Iterator[pl.DataFrame]:
    """Chunks of a trace_view.json → frames of events (see :func:`frames_from_pieces`)."""
    pieces = ((p, fast_ndjson(p)) for p in iter_trace_pieces(chunks, notes))
    yield from frames_from_pieces(pieces, notes)


@dataclass
class TraceAccumulator:
    """Aggregates over trace event frames, small whatever the file size."""

    process_names: dict[str, str] = field(default_factory=dict)
    thread_names: dict[tuple[str, str], str] = field(default_factory=dict)
    partials: list[pl.DataFrame] = field(default_factory=list)
    segments: list[pl.DataFrame] = field(default_factory=list)
    events: int = 0

    def add(self, df: pl.DataFrame) -> None:
        self.events += df.height
        meta = df.filter(pl.col("ph") == "M")
        for name, pid, tid, value in meta.select("name", "pid", "tid", "args_name").iter_rows():
            if name == "process_name" and value is not None:
                self.process_names[str(pid)] = value
            elif name == "thread_name" and value is not None:
                self.thread_names[(str(pid), str(tid))] = value
        x = df.filter(pl.col("ph") == "X").with_columns(
            pl.col("dur").str.strip_chars().cast(pl.Float64, strict=False).fill_null(0.0)
        )
        self.partials.append(
            x.group_by("pid", "tid", "name").agg(
                pl.len().cast(pl.Int64).alias("count"), pl.col("dur").sum().alias("total_us")
            )
        )
        keep = pl.col("name").is_in(OVERLAP_NAMES) | pl.col("name").str.starts_with("ProfilerStep#")
        self.segments.append(
            x.filter(keep).select(
                "pid",
                "name",
                pl.col("ts").str.strip_chars().cast(pl.Float64, strict=False).alias("ts"),
                "dur",
            )
        )

    def totals(self) -> pl.DataFrame:
        """``process, thread, name, count, total_us`` per (pid, tid, name), names resolved."""
        if not self.partials:
            return pl.DataFrame(
                schema={
                    "process": pl.String,
                    "thread": pl.String,
                    "name": pl.String,
                    "count": pl.Int64,
                    "total_us": pl.Float64,
                }
            )
        agg = (
            pl.concat(self.partials)
            .group_by("pid", "tid", "name")
            .agg(pl.col("count").sum(), pl.col("total_us").sum())
        )
        self.partials = [agg]
        return agg.with_columns(
            pl.col("pid")
            .replace_strict(self.process_names, default=pl.col("pid"))
            .alias("process"),
            pl.struct("pid", "tid")
            .map_elements(
                lambda s: self.thread_names.get((s["pid"], s["tid"]), s["tid"]),
                return_dtype=pl.String,
            )
            .alias("thread"),
        ).select("process", "thread", "name", "count", "total_us")

    def overlap_by_step(self) -> pl.DataFrame:
        """Overlap Analysis seconds per step (``step`` null when no ProfilerStep markers)."""
        seg = pl.concat(self.segments) if self.segments else None
        if seg is None or seg.is_empty():
            return pl.DataFrame(
                schema={"step": pl.Int64, "name": pl.String, "total_us": pl.Float64}
            )
        overlap_pids = [p for p, n in self.process_names.items() if n == "Overlap Analysis"]
        parts = seg.filter(pl.col("name").is_in(OVERLAP_NAMES))
        if overlap_pids:
            parts = parts.filter(pl.col("pid").is_in(overlap_pids))
        steps = (
            seg.filter(pl.col("name").str.starts_with("ProfilerStep#"))
            .select(
                pl.col("name").str.extract(r"#(\d+)$").cast(pl.Int64).alias("step"),
                pl.col("ts").alias("step_start"),
                (pl.col("ts") + pl.col("dur")).alias("step_end"),
            )
            .sort("step_start")
        )
        parts = parts.sort("ts")
        if steps.is_empty():
            parts = parts.with_columns(pl.lit(None, pl.Int64).alias("step"))
        else:
            parts = parts.join_asof(steps, left_on="ts", right_on="step_start").with_columns(
                pl.when(pl.col("ts") <= pl.col("step_end")).then(pl.col("step")).alias("step")
            )
        return parts.group_by("step", "name").agg(pl.col("dur").sum().alias("total_us"))
