"""Polars frames per run, built from records and appended to in batches.

The store is the single place records become tables: the one-shot loader, the live tail, the
summary, health, export and the TUI all read frames from here with the canonical schemas.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from analyzer.discover import Run
from parsers import KINDS, SCHEMAS, ParseStats, Record

_JSON_COLUMNS = ("extra",)


def _row(record: Record, columns: dict[str, pl.DataType]) -> dict[str, Any]:
    row = {name: record.get(name) for name in columns}
    for name in _JSON_COLUMNS:
        if name in columns and isinstance(row.get(name), dict):
            row[name] = json.dumps(row[name], sort_keys=True, allow_nan=True)
    return row


def records_to_frame(kind: str, records: Iterable[Record]) -> pl.DataFrame:
    """Records of one kind → a frame with that kind's canonical schema.

    Built column by column (several times faster than row by row); should a value not fit
    its column's type that way, the row-wise constructor decides, as it always did.
    """
    schema = SCHEMAS[kind]
    records = records if isinstance(records, list) else list(records)
    if not records:
        return empty_frame(kind)
    cols = {name: [r.get(name) for r in records] for name in schema}
    for name in _JSON_COLUMNS:
        if name in cols:
            cols[name] = [_json(v) for v in cols[name]]
    try:
        return pl.DataFrame(cols, schema=schema)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        rows = [_row(r, schema) for r in records]
        return pl.DataFrame(rows, schema=schema, orient="row")


def _json(value: Any) -> Any:
    return json.dumps(value, sort_keys=True, allow_nan=True) if isinstance(value, dict) else value


def empty_frame(kind: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[kind])


def frames_from_records(records: Iterable[Record]) -> dict[str, pl.DataFrame]:
    """Split mixed records by kind into canonical frames (every kind present, maybe empty)."""
    by_kind: dict[str, list[Record]] = {k: [] for k in KINDS}
    for rec in records:
        bucket = by_kind.get(rec.get("kind", ""))
        if bucket is not None:
            bucket.append(rec)
    return {k: records_to_frame(k, v) for k, v in by_kind.items()}


_UIDS = itertools.count(1)


@dataclass
class RunData:
    """Everything parsed for one run: frames per kind plus the parse statistics."""

    run: Run
    stats: ParseStats = field(default_factory=ParseStats)
    _parts: dict[str, list[pl.DataFrame]] = field(default_factory=lambda: {k: [] for k in KINDS})
    _cache: dict[str, pl.DataFrame] = field(default_factory=dict)
    #: Free-form notes (skipped binary files, unreadable files) shown to the user.
    notes: list[str] = field(default_factory=list)
    #: Kind → Parquet parts in file order, when the load spilled frames to disk (see ``scan``).
    spilled: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    #: Unique per RunData. Frames only ever grow by rows appended at their end, so of two frames
    #: of one kind taken from the same RunData, the longer begins with all rows of the shorter:
    #: the charts extend their series by the new rows only (``analyzer.tui.stepseries``).
    uid: int = field(default_factory=lambda: next(_UIDS))

    @property
    def name(self) -> str:
        return self.run.name

    def append_records(self, records: Iterable[Record]) -> None:
        """Append a batch of mixed records (live or bulk)."""
        for kind, frame in frames_from_records(records).items():
            self.append_frame(kind, frame)

    def append_frame(self, kind: str, frame: pl.DataFrame) -> None:
        if frame.height:
            self._parts[kind].append(frame)
            self._cache.pop(kind, None)

    def frame(self, kind: str) -> pl.DataFrame:
        """The whole frame of one kind, in file order; spilled parts are read in on first use."""
        cached = self._cache.get(kind)
        if cached is None:
            if self.spilled.get(kind):
                self._parts[kind] = [self.scan(kind).collect()]
                self.spilled[kind] = []
            parts = self._parts[kind]
            if not parts:
                cached = empty_frame(kind)
            else:
                cached = pl.concat(parts, how="vertical_relaxed") if len(parts) > 1 else parts[0]
                self._parts[kind] = [cached]
            self._cache[kind] = cached
        return cached

    def scan(self, kind: str) -> pl.LazyFrame:
        """One kind as a lazy frame: the spilled Parquet parts, then what is in memory (nothing
        read until collected or sunk: a spilled kind never needs to fit in memory)."""
        parts = [pl.scan_parquet(p) for p in self.spilled.get(kind, [])]
        parts += [f.lazy() for f in self._parts[kind] if f.height]
        if not parts:
            return empty_frame(kind).lazy()
        return pl.concat(parts, how="vertical_relaxed") if len(parts) > 1 else parts[0]

    @property
    def steps(self) -> pl.DataFrame:
        return self.frame("step")

    @property
    def memory(self) -> pl.DataFrame:
        return self.frame("memory")

    @property
    def timers(self) -> pl.DataFrame:
        return self.frame("timer")

    @property
    def events(self) -> pl.DataFrame:
        return self.frame("event")

    @property
    def config(self) -> pl.DataFrame:
        return self.frame("config")

    def config_dict(self) -> dict[str, str]:
        """The run's configuration as key → value (the last value printed wins)."""
        cfg = self.config
        return dict(zip(cfg["key"].to_list(), cfg["value"].to_list(), strict=True))
