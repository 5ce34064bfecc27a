"""Parser for MindFormers logs (shapes in :mod:`parsers.mindformers_fields`).

Step lines of all three MFLossMonitor generations become ``step`` records whose ``step`` is
global (``(epoch - 1) * steps_per_epoch + step``) and ``total_steps`` = epochs × steps per epoch.

Which number is the step time:
- ``{ Epoch:[..], step:[..], loss: .., per_step_time: 1752ms, ...}`` (2024+): ``per_step_time``.
- ``Epoch:[..], step:[..], loss:[a/b], time:27421.790 ms, ...`` (2023): in sink mode ``time`` is the
  wall time of the whole sink (``sink_size`` steps: 804 → 808 → 812 in real_logs/mindformers, and
  27421.8 ≈ 4 × 6860.9), and the next line ``Per sink_size step time: .., per step time: 6860.928
  ms`` gives the per-step time. So the Epoch line is held (``pending``) until that line comes and
  ``step_time_ms`` = its ``per step time``; ``time`` stays in ``extra.time_ms``. When no such line
  follows (non-sink mode, where ``time`` is one step's time) ``step_time_ms`` = ``time``.
``overflow cond: True`` (a skipped update) gives ``skipped`` = 1; ``global_norm`` → ``grad_norm``;
``train_throughput_per_npu: 2.896T`` → ``tflops``.
WARNING/ERROR lines of the MindFormers logger become ``log_warning``/``log_error`` events (or the
failure they name); other MindFormers INFO lines are claimed without a record.
"""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record
from parsers.failures_lines import failure_event
from parsers.mindformers_fields import (
    config_records,
    epoch_timers,
    is_progress,
    per_sink,
    split_prefix,
    step_record,
)
from parsers.mindformers_samples import MINDFORMERS_SAMPLES
from parsers.mindspore_common import event

_LEVEL_EVENTS = {
    "WARNING": ("log_warning", "warning"),
    "ERROR": ("log_error", "error"),
    "CRITICAL": ("log_error", "fatal"),
}


class MindFormersParser(BaseParser):
    """MindFormers step lines, config dumps and logger lines (see the module docstring)."""

    name: ClassVar[str] = "mindformers"
    TRIGGERS: ClassVar[tuple[str, ...]] = (
        "Epoch:",
        "Epoch time:",
        "per_step_time",
        "Per sink_size",
        "samples/s/p",
        "_config from dict",
        "Training Over",
        "mindformers",
    )
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = MINDFORMERS_SAMPLES

    def __init__(self) -> None:
        self._held: Record | None = None
        self._last_step: int | None = None
        self._sink_mode = False

    @property
    def pending(self) -> bool:
        return self._held is not None

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        if self._held is None and not any(t in text for t in self.TRIGGERS):
            return None
        parts = split_prefix(text)
        if parts is None:
            level, ts, named, msg = None, None, False, text
        else:
            level, ts, named, msg = parts
        if self._held is not None:
            return self._merge_sink(msg)
        got = self._content(msg, lineno, ts)
        if got is not None:
            return got
        if parts is None or not named or "Traceback (most recent call last)" in msg:
            return None
        return self._level_event(level, msg, lineno, ts)

    def flush(self) -> list[Record]:
        held, self._held = self._held, None
        if held is None:
            return []
        time_ms = (held.get("extra") or {}).get("time_ms")
        if time_ms is not None and not self._sink_mode:
            held["step_time_ms"] = time_ms
        return [held]

    def _merge_sink(self, msg: str) -> list[Record] | None:
        got = per_sink(msg)
        if got is None:
            return None
        held, self._held = self._held, None
        assert held is not None
        self._sink_mode = True
        sink_ms, step_ms, _avg = got
        if step_ms is not None:
            held["step_time_ms"] = step_ms
        if sink_ms is not None:
            held.setdefault("extra", {})["sink_time_ms"] = sink_ms
        return [held]

    def _content(self, msg: str, lineno: int, ts: str | None) -> list[Record] | None:
        rec = step_record(msg, lineno)
        if rec is not None:
            if ts is not None:
                rec["timestamp"] = ts
            self._last_step = rec["step"]
            if "step_time_ms" not in rec and "time_ms" in (rec.get("extra") or {}):
                self._held = rec
                return []
            return [rec]
        if is_progress(msg) or per_sink(msg) is not None:
            return []
        timers = epoch_timers(msg, lineno, self._last_step)
        if timers is not None:
            return timers
        configs = config_records(msg, lineno)
        if configs is not None:
            return configs
        if "Training Over" in msg:
            return [event("training_done", "info", msg.strip(" ."), lineno, timestamp=ts)]
        return None

    def _level_event(
        self, level: str | None, msg: str, lineno: int, ts: str | None
    ) -> list[Record]:
        if level not in _LEVEL_EVENTS:
            return []
        failure = failure_event(msg, lineno)
        if failure is not None:
            failure["message"] = msg.strip()
            if ts is not None:
                failure["timestamp"] = ts
            return [failure]
        type_, severity = _LEVEL_EVENTS[level]
        return [event(type_, severity, msg, lineno, timestamp=ts)]
