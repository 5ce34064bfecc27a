"""Failure rules: ``crash`` (with the likely root-cause rank) and ``memory_growth``."""

from __future__ import annotations

import contextlib
import itertools
from functools import lru_cache

import polars as pl

from analyzer.health_common import Finding, evidence, extra_dict, file_mtime, parse_timestamp
from analyzer.health_config import HealthConfig
from analyzer.health_training import merge_ranks, ranks_text
from analyzer.launch.runner import CONSOLE
from analyzer.run_status import read_run_json, run_json_path
from analyzer.store import RunData

#: Failure event types, most specific first (the label a failing rank gets).
CRASH_TYPES: tuple[str, ...] = (
    "oom",
    "segfault",
    "cann_error",
    "comm_timeout",
    "traceback",
    "worker_exit",
    "cancelled",
)
#: Failures that usually follow another rank's failure rather than cause it.
SECONDARY = {"comm_timeout", "worker_exit", "cancelled"}
LABELS = {
    "oom": "out of memory",
    "segfault": "segmentation fault",
    "cann_error": "CANN/device error",
    "comm_timeout": "communication timeout",
    "traceback": "Python traceback",
    "worker_exit": "worker exited with an error",
    "cancelled": "job cancelled by the scheduler",
}


def failure_rows(events: pl.DataFrame) -> list[dict]:
    """Failure events (non-zero exits only), as rows."""
    rows = []
    for row in events.filter(pl.col("type").is_in(CRASH_TYPES)).iter_rows(named=True):
        if row["type"] == "worker_exit":
            code = extra_dict(row["extra"]).get("exit_code")
            if code in (0, "0") or (code is None and row["severity"] not in ("error", "fatal")):
                continue
        rows.append(row)
    return rows


def failure_events(events: pl.DataFrame) -> list[dict]:
    """:func:`failure_rows`, each with ``t``: its time, else its file's mtime."""
    rows = failure_rows(events)
    for row in rows:
        row["t"] = parse_timestamp(row["timestamp"]) or file_mtime(row["source"])
    return rows


def _order(row: dict) -> tuple:
    t = row["t"]
    return (t is None, t or 0.0, row["type"] in SECONDARY, row["line"] or 0)


def _per_rank(rows: list[dict]) -> list[tuple[dict, dict]]:
    """Per failing rank: (its earliest failure, its most specific failure), earliest rank first."""
    ranks: dict[int | None, list[dict]] = {}
    for row in rows:
        ranks.setdefault(row["rank"], []).append(row)
    out = []
    for group in ranks.values():
        first = min(group, key=_order)
        label = min(group, key=lambda r: (CRASH_TYPES.index(r["type"]), _order(r)))
        out.append((first, label))
    return sorted(out, key=lambda pair: _order(pair[0]))


def _what(row: dict) -> str:
    text = LABELS[row["type"]]
    if row["type"] == "traceback" and extra_dict(row["extra"]).get("bare"):
        text = "Python exception"  # the exception line alone, without its frames
    if row["type"] == "worker_exit":
        code = extra_dict(row["extra"]).get("exit_code")
        text += f" (exit code {code})" if code is not None else ""
    return text


def _quote(row: dict, limit: int = 200) -> str:
    message = " ".join((row["message"] or "").split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _who(rank: int | None) -> str:
    return f"rank {rank}" if rank is not None else "a process without a rank"


def _step_before(steps: pl.DataFrame, row: dict) -> int | None:
    """The event's step, else the last step its file logged before the event's line."""
    if row["step"] is not None or not row["source"]:
        return row["step"]
    before = steps.filter(
        (pl.col("source") == row["source"]) & (pl.col("line") < (row["line"] or 0))
    )["step"]
    return int(before.max()) if before.len() and before.max() is not None else None


def _ranks_text(rows: list[dict]) -> str:
    """``63 ranks: 0-4, 6-63`` (and processes without a rank, e.g. the launcher's exits)."""
    ranks = [r["rank"] for r in rows]
    known = [r for r in ranks if r is not None]
    text = ranks_text(known) if known else ""
    rankless = len(ranks) - len(known)
    if rankless:
        more = "a process without a rank" if rankless == 1 else f"{rankless} without a rank"
        text = f"{text} and {more}" if text else more
    return text


def _consequence(rows: list[dict], root: dict) -> tuple[str, str | None]:
    """The message of the failures of one kind that followed the root cause (on one or more
    ranks), and the topic that keys the merged finding while more ranks join it."""
    label = rows[0]
    after = f"after {_who(root['rank'])}'s {LABELS[root['type']]}: likely a consequence"
    if len(rows) == 1:
        msg = f"{_who(label['rank'])}: {_what(label)} {after}"
        return (msg + f": {_quote(label)}" if _quote(label) else msg), None
    msg = f"{_what(label)} on {_ranks_text(rows)}, {after}"
    if _quote(label):
        msg += f" (first, {_who(label['rank'])}: {_quote(label)})"
    return msg, f"consequence {_what(label)}"


def crash(data: RunData, cfg: HealthConfig, now: float) -> list[Finding]:
    """Tracebacks, OOM, comm timeouts, non-zero worker exits, segfaults; names the first failure
    as the likely root cause and merges the failures of one kind that followed it (a 64-rank
    OOM gives one finding for the 63 ranks that then timed out, not 63)."""
    failing = _per_rank(failure_events(data.events))
    if not failing:
        launched = _launch_failure(data)
        return [launched] if launched else []
    steps = data.steps.select("source", "line", "step")
    root = failing[0][1]
    msg = f"{_who(root['rank'])}: {_what(root)}"
    if len(failing) > 1:
        msg += f", the first of {len(failing)} failing ranks: likely root cause"
    if _quote(root):
        msg += f": {_quote(root)}"
    found = [_crash_finding(data, steps, root, msg, None)]
    groups: dict[str, list[dict]] = {}
    for _, label in failing[1:]:  # earliest first: each group's first row is its earliest
        groups.setdefault(_what(label), []).append(label)
    for rows in groups.values():
        msg, topic = _consequence(rows, root)
        found.append(_crash_finding(data, steps, rows[0], msg, topic))
    return found


def _crash_finding(
    data: RunData, steps: pl.DataFrame, row: dict, msg: str, topic: str | None
) -> Finding:
    return Finding(
        rule="crash",
        severity="error",
        run=data.name,
        rank=row["rank"],
        step=_step_before(steps, row),
        message=msg,
        evidence=evidence(row["source"], row["line"]),
        topic=topic,
    )


@lru_cache(maxsize=256)
def _last_line(path: str, size: int, mtime_ns: int) -> tuple[int, str] | None:
    """(number, text) of a file's last non-blank line (keyed by size and mtime)."""
    found = None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, 1):
                if text.strip():
                    found = (number, text)
    except OSError:
        return None
    return found


def _launch_failure(data: RunData) -> Finding | None:
    """A launched run that ``run.json`` says failed with a non-zero exit code while its logs
    show no failure: one finding, evidence the last line of the launcher's console.log."""
    record = read_run_json(data)
    code = record.get("exit_code")
    if record.get("status") != "failed" or code in (0, "0"):
        return None
    msg = "the launched run failed" + (f" with exit code {code}" if code is not None else "")
    msg += " (run.json); its logs show no failure"
    console = run_json_path(data).parent / CONSOLE
    where: str | None = str(run_json_path(data))
    with contextlib.suppress(OSError):
        st = console.stat()
        last = _last_line(str(console), st.st_size, st.st_mtime_ns)
        if last is not None:
            where = evidence(str(console), last[0])
            msg += f"; console.log ends: {_quote({'message': last[1]})}"
    top = data.steps["step"].max() if data.steps.height else None
    return Finding(
        rule="crash",
        severity="error",
        run=data.name,
        rank=None,
        step=int(top) if top is not None else None,  # type: ignore[arg-type]
        message=msg,
        evidence=where,
    )


LEAK_METRICS = (
    "allocated",
    "reserved",
    "peak_used",
    "peak_actual",
    "max_allocated",
    "max_reserved",
)
PEAK_METRICS = ("max_reserved", "peak_actual", "reserved", "peak_used", "max_allocated")


def _growth_start(values: list[float], p: dict) -> int | None:
    """The index where a sustained rise begins (the last point before it), if there is one."""
    n = len(values)
    rises = [b > a for a, b in itertools.pairwise(values)]
    suffix = [0] * (n + 1)
    for i in range(n - 2, -1, -1):
        suffix[i] = suffix[i + 1] + rises[i]
    for i in range(0, n - int(p["min_points"]) + 1):
        if not rises[i]:
            continue
        growth = values[-1] - values[i]
        if (
            suffix[i] >= p["rising_fraction"] * (n - 1 - i)
            and growth >= p["min_growth_mb"]
            and growth >= p["min_growth_pct"] / 100 * max(values[i], 1e-9)
        ):
            return i
    return None


def _onset(values: list[float], start: int) -> int:
    """The first point after ``start`` above everything before it and below everything after."""
    n = len(values)
    suffix_min = values[:]
    for k in range(n - 2, -1, -1):
        suffix_min[k] = min(values[k], suffix_min[k + 1])
    high = max(values[: start + 1])
    for j in range(start + 1, n):
        if suffix_min[j] > high:
            return j
        high = max(high, values[j])
    return start + 1


def _leaks(data: RunData, p: dict) -> list[Finding]:
    mem = data.memory.filter(pl.col("step").is_not_null() & pl.col("mb").is_finite())
    found = []
    for (rank,), part in mem.group_by(["rank"], maintain_order=True):
        for metric in LEAK_METRICS:
            series = (
                part.filter(pl.col("metric") == metric)
                .unique(subset=["step"], keep="last", maintain_order=True)
                .sort("step")
                .slice(1)  # the first report includes the allocator's warm-up
            )
            values = series["mb"].to_list()
            at = _growth_start(values, p) if len(values) >= p["min_points"] else None
            if at is None:
                continue
            row = series.row(_onset(values, at), named=True)
            msg = (
                f"{metric} memory rising step after step: {values[at]:.0f} -> {values[-1]:.0f} MB "
                f"from step {row['step']} to {series['step'][-1]} (a leak?)"
            )
            found.append(_mem_finding(data, rank, row, msg, f"leak rank {rank}"))
            break
    return found


def _mem_finding(data: RunData, rank, row: dict, msg: str, topic: str) -> Finding:
    """A warning whose step (a leak's onset, the peak) moves as the run grows: keyed by topic."""
    return Finding(
        rule="memory_growth",
        severity="warning",
        run=data.name,
        rank=rank,
        step=row["step"],
        message=msg,
        evidence=evidence(row["source"], row["line"]),
        topic=topic,
    )


def _near_total(data: RunData, p: dict) -> list[Finding]:
    mem = data.memory.filter(pl.col("mb").is_finite())
    found = []
    for (rank,), part in mem.group_by(["rank"], maintain_order=True):
        totals = part.filter(pl.col("metric") == "device_total")["mb"]
        total = float(totals.max()) if totals.len() else float(p["device_total_mb"])
        peaks = part.filter(pl.col("metric").is_in(PEAK_METRICS)).sort("mb", descending=True)
        if total <= 0 or not peaks.height:
            continue
        row = peaks.row(0, named=True)
        if row["mb"] >= p["near_total"] * total:
            msg = (
                f"{row['metric']} {row['mb']:.0f} MB is {row['mb'] / total:.0%} of the "
                f"device's {total:.0f} MB"
            )
            found.append(_mem_finding(data, rank, row, msg, f"near total rank {rank}"))
    return found


def memory_growth(data: RunData, cfg: HealthConfig, now: float) -> list[Finding]:
    """Reserved/peak memory rising step after step (a leak); peak memory near the device total."""
    p = cfg.params["memory_growth"]
    return merge_ranks(_leaks(data, p)) + merge_ranks(_near_total(data, p))
