"""LiveBatch: what a live session hands its listeners, coalesced."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from analyzer.jsonl_frames import frames_jsonl
from analyzer.output import merged_records
from analyzer.tail import FileId
from parsers import Record

#: Batches of more records than this are turned into JSON lines by polars (measured: about
#: 8 ms of fixed cost, against about 4 µs a record one by one).
POLARS_JSONL_FROM = 2000


class LiveBatch:
    """What arrived since the last batch.

    ``records`` are normalised as ``parse`` prints them (file order within each read). The
    session builds a batch from ``frames``, the per-read frames it already appended to the
    store, and turns them into dicts only when ``records`` is first read, so a listener that
    redraws from the store (and uses ``count``) never pays for a million dicts.
    """

    def __init__(
        self,
        records: list[Record] | None,
        runs_changed: set[str],
        new_runs: list[str],
        lines: int,
        unrecognised: int,
        notes: list[str] | None = None,
        *,
        frames: list[dict[str, pl.DataFrame]] | None = None,
    ) -> None:
        self._records = records
        self.frames = frames or []
        self.runs_changed = runs_changed
        self.new_runs = new_runs
        self.lines = lines
        self.unrecognised = unrecognised
        self.notes = notes or []

    @property
    def count(self) -> int:
        """How many records the batch holds (cheap)."""
        if self._records is not None:
            return len(self._records)
        return sum(f.height for frames in self.frames for f in frames.values())

    @property
    def records(self) -> list[Record]:
        if self._records is None:
            out: list[Record] = []
            for frames in self.frames:  # one file's read each: in its record order
                out.extend(merged_records(frames))
            self._records = out
        return self._records

    def jsonl(self, encode: Callable[[Record], str]) -> str:
        """The batch as JSON lines, in ``records`` order: ``encode`` per record for a small
        batch (a live line: polars' fixed cost, about 8 ms, was most of watch's latency),
        built in polars from the frames for a big one (:mod:`analyzer.jsonl_frames`, the same
        bytes, much faster per record)."""
        if self._records is None and self.count > POLARS_JSONL_FROM:
            return "".join(frames_jsonl(frames) for frames in self.frames)
        return "".join(encode(r) + "\n" for r in self.records)

    def __repr__(self) -> str:
        return f"LiveBatch({self.count} records, runs_changed={sorted(self.runs_changed)})"


class Pending:
    """What a live session holds for its next batch: frames already in the store, records not
    yet turned into frames (per run), the file generation each source's rows came from, and the
    counts and notes since the last batch."""

    def __init__(self) -> None:
        self.frames: list[dict[str, pl.DataFrame]] = []
        self.records: dict[str, list[Record]] = {}
        self.sources: dict[str, FileId] = {}
        self.runs: set[str] = set()
        self.new_runs: list[str] = []
        self.notes: list[str] = []
        self.lines = self.unrecognised = 0

    def any(self) -> bool:
        return bool(self.frames or self.records or self.new_runs or self.notes)

    def other_generation(self, source: str, file_id: FileId) -> bool:
        """Rows of ``source`` from another inode are held: the batch must go out first."""
        owner = self.sources.get(source)
        return owner is not None and owner != file_id

    def batch(self) -> LiveBatch:
        """The batch of what is held (records must have been delivered as frames first)."""
        return LiveBatch(
            None,
            set(self.runs),
            list(self.new_runs),
            self.lines,
            self.unrecognised,
            list(self.notes),
            frames=list(self.frames),
        )
