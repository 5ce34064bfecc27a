"""Immutable snapshots of what the core computed, handed from the data thread to the UI.

Built off the UI thread (in the live session's callback or the fallback poller) from the
store's RunData; polars frames are immutable, so the UI reads a consistent view while the
tail keeps appending. Numbers come from the core (``analyzer.summary``, ``analyzer.health``)
when those modules are present; until then a minimal summary is derived here from the frames.
No Textual import: this module is headless.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from analyzer.discover import RankFile, Run
from analyzer.store import RunData

#: A run whose newest file changed within this many seconds counts as live.
LIVE_WINDOW_S = 60.0


@dataclass(frozen=True)
class RankFileView:
    path: Path
    rank: int | None
    mtime: float | None
    size: int


@dataclass(frozen=True)
class RunView:
    """One run as the UI sees it: frames, config and file facts at one moment."""

    name: str
    path: Path
    run: Run
    files: tuple[RankFileView, ...]
    steps: pl.DataFrame
    memory: pl.DataFrame
    timers: pl.DataFrame
    events: pl.DataFrame
    config: dict[str, str]
    config_frame: pl.DataFrame
    lines: int
    unrecognised: int
    notes: tuple[str, ...]
    #: The store's RunData.uid (0: unknown): views with the same uid have frames that grow only.
    uid: int = 0


@dataclass(frozen=True)
class RunRow:
    """One row of the Runs screen."""

    run: str
    strategy: str
    status: str
    live: bool
    step: int | None
    total: int | None
    loss: float | None
    step_time_ms: float | None
    tflops: float | None
    tokens_per_s: float | None
    peak_memory_mb: float | None
    alerts: int


@dataclass(frozen=True)
class Snapshot:
    """Everything the screens show, at one moment."""

    runs: dict[str, RunView] = field(default_factory=dict)
    rows: tuple[RunRow, ...] = ()
    findings: tuple[Any, ...] = ()
    watched: tuple[str, ...] = ()
    records: int = 0
    records_per_s: float = 0.0
    lines: int = 0
    unrecognised: int = 0
    cache: str = "off"
    mode: str = "one-shot"
    waiting: bool = True
    notes: tuple[str, ...] = ()
    #: False for the quick first snapshot taken before the comparison and health checks.
    complete: bool = True
    #: The core's comparison row per run (reused between checks).
    core_rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: When the snapshot was taken (time.time()): what "now" means for live runs.
    taken_at: float = 0.0
    #: The findings cover every line the files held when watching began (none is "new" before).
    caught_up: bool = True


def core_module(name: str) -> Any | None:
    """``analyzer.<name>`` if it exists yet (other parts of the core land independently)."""
    try:
        return importlib.import_module(f"analyzer.{name}")
    except ImportError:
        return None


def _file_view(f: RankFile) -> RankFileView:
    try:
        st = os.stat(f.path)
        return RankFileView(f.path, f.rank, st.st_mtime, st.st_size)
    except OSError:
        return RankFileView(f.path, f.rank, None, 0)


def run_view(data: RunData) -> RunView:
    return RunView(
        name=data.name,
        path=data.run.path,
        run=data.run,
        files=tuple(_file_view(f) for f in data.run.files),
        steps=data.steps,
        memory=data.memory,
        timers=data.timers,
        events=data.events,
        config=data.config_dict(),
        config_frame=data.config,
        lines=data.stats.lines,
        unrecognised=data.stats.unrecognised,
        notes=tuple(data.notes),
        uid=data.uid,
    )


def view_data(view: RunView) -> RunData:
    """A private RunData over the view's frames, for core calls made from the UI side."""
    data = RunData(view.run)
    frames = {
        "step": view.steps,
        "memory": view.memory,
        "timer": view.timers,
        "event": view.events,
        "config": view.config_frame,
    }
    for kind, frame in frames.items():
        data.append_frame(kind, frame)
    data.stats.lines, data.stats.unrecognised = view.lines, view.unrecognised
    data.notes.extend(view.notes)
    return data


def _last(frame: pl.DataFrame, column: str) -> Any:
    col = frame.get_column(column).drop_nulls() if frame.height else None
    return col[-1] if col is not None and len(col) else None


def _median(frame: pl.DataFrame, column: str) -> float | None:
    if not frame.height:
        return None
    value = frame.get_column(column).drop_nans().median()
    return float(value) if value is not None else None  # type: ignore[arg-type]


def fallback_strategy(config: dict[str, str]) -> str:
    parts = [f"{k.upper()}{config[k]}" for k in ("tp", "pp", "cp") if config.get(k)]
    return "".join(parts) or "-"


def fallback_status(view: RunView, now: float) -> str:
    ev = view.events
    if ev.height:
        if ev.filter(pl.col("severity") == "fatal").height:
            return "failed"
        if ev.filter(pl.col("type") == "training_done").height:
            return "finished"
    step, total = _last(view.steps, "step"), _last(view.steps, "total_steps")
    if step is not None and total is not None and step >= total:
        return "finished"
    return "live" if is_live(view, now) else "stopped"


def is_live(view: RunView, now: float) -> bool:
    mtimes = [f.mtime for f in view.files if f.mtime is not None]
    return bool(mtimes) and now - max(mtimes) < LIVE_WINDOW_S


def _peak_memory(view: RunView) -> float | None:
    mem = view.memory
    if not mem.height:
        return None
    value = mem.get_column("mb").max()
    return float(value) if value is not None else None  # type: ignore[arg-type]


def _comparison(datas: Sequence[RunData]) -> dict[str, dict[str, Any]]:
    summary = core_module("summary")
    if summary is None or not datas:
        return {}
    try:
        table = summary.compare_table(list(datas)).table
    except Exception:  # the core's own error; the fallback still shows the frames
        return {}
    return {row["run"]: row for row in table.iter_rows(named=True)}


def _findings(datas: Sequence[RunData], now: float, config: Any = None) -> tuple[Any, ...]:
    health = core_module("health")
    if health is None or not datas:
        return ()
    try:
        return tuple(health.check(list(datas), config=config, now=now))
    except Exception:
        return ()


def run_row(view: RunView, core: dict[str, Any], alerts: int, now: float) -> RunRow:
    """The Runs-screen row: the core's comparison numbers where present, else the frames'."""
    steps = view.steps
    tokens = core.get("tokens_per_s_per_device")
    return RunRow(
        run=view.name,
        strategy=str(core.get("strategy") or fallback_strategy(view.config)),
        status=str(core.get("status") or fallback_status(view, now)),
        live=is_live(view, now),
        step=_last(steps, "step"),
        total=_last(steps, "total_steps"),
        loss=_last(steps, "loss"),
        step_time_ms=core.get("step_time_ms_median", _median(steps, "step_time_ms")),
        tflops=core.get("tflops_median", _median(steps, "tflops")),
        tokens_per_s=tokens,
        peak_memory_mb=core.get("peak_memory_mb", _peak_memory(view)),
        alerts=alerts,
    )


def build_snapshot(
    datas: Sequence[RunData] | dict[str, RunView],
    *,
    watched: Sequence[str] = (),
    records: int = 0,
    records_per_s: float = 0.0,
    cache: str = "off",
    mode: str = "one-shot",
    now: float | None = None,
    with_core: bool = True,
    reuse: Snapshot | None = None,
    health_config: Any = None,
    caught_up: bool = True,
) -> Snapshot:
    """A snapshot of ``datas`` (RunData, or views already taken) — call off the UI thread.

    ``with_core=False`` skips the comparison and health checks: either a quick first paint
    (numbers from the frames), or, with ``reuse``, the previous snapshot's core numbers kept
    while the frames move on (the checks then run at most about once a second).
    ``health_config`` (an ``analyzer.health.HealthConfig``) sets rule parameters and silences.
    """
    now = time.time() if now is None else now
    views = datas if isinstance(datas, dict) else {d.name: run_view(d) for d in datas}
    if with_core:
        copies = [view_data(v) for v in views.values()]
        core, findings = _comparison(copies), _findings(copies, now, health_config)
    elif reuse is not None:
        core, findings, caught_up = reuse.core_rows, reuse.findings, reuse.caught_up
    else:
        core, findings = {}, ()
    alerts: dict[str, int] = {}
    for f in findings:
        with contextlib.suppress(AttributeError):
            alerts[f.run] = alerts.get(f.run, 0) + 1
    rows = tuple(run_row(v, core.get(n, {}), alerts.get(n, 0), now) for n, v in views.items())
    return Snapshot(
        runs=views,
        rows=rows,
        findings=findings,
        watched=tuple(watched),
        records=records,
        records_per_s=records_per_s,
        lines=sum(v.lines for v in views.values()),
        unrecognised=sum(v.unrecognised for v in views.values()),
        cache=cache,
        mode=mode,
        waiting=not any(v.files for v in views.values()),
        notes=tuple(n for v in views.values() for n in v.notes),
        complete=with_core or reuse is not None,
        core_rows=core,
        taken_at=now,
        caught_up=caught_up,
    )
