"""A run's status from its events, exit codes and run.json: finished / running / failed / stopped,
and for launched runs also queued / lost.

Order of evidence: a ``run.json`` beside the logs (written by ``analyzer launch``) wins, reconciled
first (``analyzer.launch.registry.reconcile``: a queued or running run whose processes and
supervisor are gone becomes ``lost``, so a dead run never shows "running" forever); then a
failure seen in the logs (a non-zero worker exit, OOM, segfault, collective timeout, fatal error);
then completion (``training_done``, or the last step reaching the planned total, or every rank
exiting with 0); otherwise a run whose files changed recently is running, else it stopped.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import polars as pl

from analyzer.discover import run_record
from analyzer.errors import InputError
from analyzer.launch.registry import ACTIVE, reconcile
from analyzer.store import RunData

STATUSES = ("queued", "running", "finished", "failed", "stopped", "lost")
#: A run whose newest file changed less than this many seconds ago counts as running.
RUNNING_WINDOW_S = 120.0
_FAILURE_TYPES = ("oom", "segfault", "comm_timeout", "cann_error")


def run_json_path(data: RunData) -> Path:
    path = data.run.path
    return (path if path.is_dir() else path.parent) / "run.json"


def read_run_json(data: RunData) -> dict[str, Any]:
    """The launcher's ``run.json`` for this run, or {} (unreadable or absent)."""
    return run_record(run_json_path(data).parent)


def reconciled_run_json(data: RunData) -> dict[str, Any]:
    """``read_run_json`` with a queued/running status checked against the processes (cheap:
    /proc reads, and only for an active status on this host; see the module docstring)."""
    record = read_run_json(data)
    if record.get("status") not in ACTIVE:
        return record
    with contextlib.suppress(OSError, ValueError, InputError):  # e.g. a read-only copy
        return reconcile(run_json_path(data).parent, record)
    return record


def _exit_codes(events: pl.DataFrame) -> list[int]:
    codes: list[int] = []
    for extra in events.filter(pl.col("type") == "worker_exit")["extra"].to_list():
        with contextlib.suppress(ValueError, TypeError):
            code = json.loads(extra or "{}").get("exit_code")
            if code is not None:
                codes.append(int(code))
    return codes


def _failed(events: pl.DataFrame, codes: list[int]) -> bool:
    if any(c != 0 for c in codes):
        return True
    types = set(events["type"].drop_nulls().to_list())
    if types.intersection(_FAILURE_TYPES):
        return True
    return bool(events.filter(pl.col("severity") == "fatal").height)


def _finished(data: RunData, events: pl.DataFrame, codes: list[int]) -> bool:
    if events.filter(pl.col("type") == "training_done").height:
        return True
    steps = data.steps
    if steps.height:
        last, total = steps["step"].max(), steps["total_steps"].max()
        if last is not None and total is not None and last >= total:
            return True
    ranks = {f.rank for f in data.run.files if f.rank is not None}
    return bool(codes) and len(codes) >= len(ranks) and all(c == 0 for c in codes)


def _newest_mtime(data: RunData) -> float | None:
    times = []
    for f in data.run.files:
        with contextlib.suppress(OSError):
            times.append(f.path.stat().st_mtime)
    return max(times) if times else None


def run_status(data: RunData, *, now: float | None = None) -> str:
    """One of :data:`STATUSES` (see the module docstring for the evidence used)."""
    declared = reconciled_run_json(data).get("status")
    if isinstance(declared, str) and declared:
        return declared
    events = data.events
    codes = _exit_codes(events)
    if _failed(events, codes):
        return "failed"
    if _finished(data, events, codes):
        return "finished"
    if events.filter(pl.col("type") == "traceback").height:
        return "failed"
    if events.filter(pl.col("type") == "cancelled").height:  # e.g. Slurm's time limit
        return "stopped"
    newest = _newest_mtime(data)
    current = time.time() if now is None else now
    if newest is not None and current - newest < RUNNING_WINDOW_S:
        return "running"
    return "stopped"
