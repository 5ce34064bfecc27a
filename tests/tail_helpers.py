"""Helpers for the live-tailing tests: log lines, expected records, waiting with a deadline."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from analyzer.live import LiveBatch
from analyzer.output import frame_records
from analyzer.store import frames_from_records
from parsers import KINDS, FileParser

DEADLINE = 20.0


def iteration_line(step: int, *, total: int = 1000, tag: int = 0) -> str:
    """A Megatron iteration line (``tag`` varies the numbers so rewrites differ)."""
    loss = 10.0 - step * 0.001 + tag * 0.01
    return (
        f" iteration {step:8d}/{total:8d} | consumed samples: {step * 32 + tag:12d} | "
        f"elapsed time per iteration (ms): {1200.0 + step % 7 + tag:.1f} | learning rate: "
        f"1.000000E-04 | global batch size:    32 | lm loss: {loss:.6E} | loss scale: 1.0 | "
        f"grad norm: 1.234 | number of skipped iterations:   0 | number of nan iterations:   0 |\n"
    )


def lines_text(steps: Iterable[int], *, tag: int = 0) -> str:
    return "".join(iteration_line(s, tag=tag) for s in steps)


def wait_until(pred: Callable[[], bool], timeout: float = DEADLINE, what: str = "") -> None:
    """Poll ``pred`` until true; fail with ``what`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what or pred}")
        time.sleep(0.01)


def canon(records: Iterable[dict[str, Any]]) -> list[str]:
    """Records as sorted canonical JSON strings (order-free multiset comparison)."""
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in records)


def expected_from_bytes(data: bytes, *, source: str, run: str, rank: int | None) -> list[dict]:
    """What ``parse`` yields for a file holding ``data`` (normalised through frames)."""
    fp = FileParser(source=source, run=run, rank=rank)
    text = data.decode("utf-8", errors="replace")
    complete = text[: text.rfind("\n") + 1] if "\n" in text else ""
    records = []
    for i, line in enumerate(complete.split("\n")[:-1], 1):
        records.extend(fp.feed(line, i))
    records.extend(fp.flush())
    frames = frames_from_records(records)
    return [r for kind, fr in frames.items() for r in frame_records(kind, fr)]


def expected_from_paths(paths: list[Path]) -> list[dict]:
    """``analyzer parse`` of the final files, as records."""
    from analyzer.load import load_paths
    from analyzer.output import merged_records

    out: list[dict] = []
    for data in load_paths(paths):
        out.extend(merged_records({k: data.frame(k) for k in KINDS}))
    return out


def without_truncations(records: Iterable[dict]) -> list[dict]:
    return [r for r in records if r.get("type") != "log_truncated"]


class Collector:
    """An ``on_batch`` callback that keeps every record and note (thread-safe)."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.notes: list[str] = []
        self.batches = 0
        self.lines = 0
        self._lock = threading.Lock()

    def __call__(self, batch: LiveBatch) -> None:
        with self._lock:
            self.records.extend(batch.records)
            self.notes.extend(batch.notes)
            self.batches += 1
            self.lines += batch.lines

    def count(self, pred: Callable[[dict], bool] | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.records if pred is None or pred(r))

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.records)


def append(path: Path, text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    with open(path, "ab") as fh:
        fh.write(data)
