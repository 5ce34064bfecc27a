"""Writing frames of records: JSON lines, CSV, Parquet and terminal tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from analyzer.atomic import atomic_open
from analyzer.formats import text_table
from analyzer.jsonl import dumps
from analyzer.sanitize import clean_text
from parsers import FRAME_NAMES

_HEAD = ("kind", "run", "rank", "source", "line")


def frame_records(kind: str, frame: pl.DataFrame) -> Iterator[dict[str, Any]]:
    """Rows of a canonical frame back as CONTRACT records (nulls omitted, extra decoded)."""
    for row in frame.iter_rows(named=True):
        rec: dict[str, Any] = {"kind": kind}
        for key, value in row.items():
            if value is None:
                continue
            if key == "extra" and isinstance(value, str):
                value = json.loads(value)
            rec[key] = value
        yield rec


def merged_records(frames: dict[str, pl.DataFrame]) -> list[dict[str, Any]]:
    """All kinds interleaved in file order: by (run, source, line)."""
    out = [rec for kind, frame in frames.items() for rec in frame_records(kind, frame)]
    out.sort(key=lambda r: (r.get("run", ""), r.get("source", ""), r.get("line", 0)))
    return out


def jsonl_text(frames: dict[str, pl.DataFrame]) -> str:
    """One file's records (or any frames') as JSON lines, in :func:`merged_records` order."""
    return "".join(dumps(rec) + "\n" for rec in merged_records(frames))


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:.6g}"
    return clean_text(str(value))


def frame_table(frame: pl.DataFrame, *, max_rows: int = 50) -> str:
    """A compact aligned table for a terminal: all-null columns dropped, sources shortened to
    file names, control characters from logs made harmless, one line per row."""
    keep = [c for c in frame.columns if frame[c].null_count() < frame.height]
    frame = frame.select(keep) if frame.height else frame
    if "source" in frame.columns:
        frame = frame.with_columns(pl.col("source").str.split("/").list.last())
    numeric = [frame.schema[c].is_numeric() for c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame.head(max_rows).iter_rows()]
    lines = text_table(list(frame.columns), rows, numeric)
    more = f" (first {max_rows} shown)" if frame.height > max_rows else ""
    return "\n".join([*lines, f"{frame.height} rows{more}"])


def sink_frame(frame: pl.LazyFrame, path: Path, fmt: str, *, force: bool) -> None:
    """A lazy frame streamed to one file, atomically, as csv or parquet (bounded memory)."""
    mode = "wb" if fmt == "parquet" else "w"
    with atomic_open(path, mode, force=force) as fh:
        if fmt == "parquet":
            frame.sink_parquet(fh)
        else:
            frame.sink_csv(fh)


def frame_file_name(kind: str, fmt: str) -> str:
    return f"{FRAME_NAMES[kind]}.{fmt}"


def stdout() -> IO[str]:
    return sys.stdout
