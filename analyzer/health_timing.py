"""Timing rules: ``slow_rank`` (a rank persistently slower than the others) and ``hang``.

Only per-rank logs can answer "which rank?": the rules use step lines printed by every rank
(MindFormers, MindSpore callbacks) and per-rank timers; where a stack prints steps from one rank
only (Megatron), ``slow_rank`` has nothing to compare and says nothing.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

import polars as pl

from analyzer.health_common import (
    Finding,
    evidence,
    file_mtime,
    is_finished,
    last_printed_time,
    parse_timestamp,
    process_alive,
)
from analyzer.health_config import HealthConfig
from analyzer.health_failures import failure_rows
from analyzer.store import RunData

MAD_SCALE = 1.4826  # MAD → standard deviation of a normal distribution


def _per_rank_values(frame: pl.DataFrame, value: str) -> pl.DataFrame:
    """(rank, step, v, source, line) with one finite value per rank and step (the last printed)."""
    return (
        frame.filter(
            pl.col("rank").is_not_null()
            & pl.col("step").is_not_null()
            & pl.col(value).is_not_null()
            & pl.col(value).is_finite()
        )
        .select("rank", "step", pl.col(value).alias("v"), "source", "line")
        .unique(subset=["rank", "step"], keep="last", maintain_order=True)
    )


def _flag_slow(df: pl.DataFrame, cfg: HealthConfig) -> pl.DataFrame:
    """Add the per-step median across ranks and whether each rank is an outlier at that step."""
    p = cfg.params["slow_rank"]
    stats = df.group_by("step").agg(med=pl.col("v").median(), n=pl.len())
    df = df.join(stats, on="step").filter(pl.col("n") >= p["min_ranks"])
    mad = df.group_by("step").agg(mad=(pl.col("v") - pl.col("med")).abs().median())
    df = df.join(mad, on="step")
    limit = pl.max_horizontal(p["z"] * MAD_SCALE * pl.col("mad"), p["min_excess"] * pl.col("med"))
    return df.with_columns(slow=(pl.col("v") - pl.col("med")) > limit).sort("rank", "step")


def _onset(slow: list[bool], window: int, fraction: float) -> int | None:
    """Index of the first slow step of the first window that is slow often enough."""
    need = max(1, round(window * fraction))
    count = 0
    for i, flag in enumerate(slow):
        count += flag
        if i >= window:
            count -= slow[i - window]
        if i >= window - 1 and count >= need:
            start = i - window + 1
            return start + slow[start : i + 1].index(True)
    return None


def _slow_findings(df: pl.DataFrame, data: RunData, cfg: HealthConfig, what: str) -> list[Finding]:
    p = cfg.params["slow_rank"]
    found: list[Finding] = []
    for (rank,), part in _flag_slow(df, cfg).group_by(["rank"], maintain_order=True):
        flags = part["slow"].to_list()
        at = _onset(flags, int(p["window"]), float(p["fraction"]))
        if at is None:
            continue
        later = part.slice(at).filter(pl.col("slow"))
        ratio = statistics.median((later["v"] / later["med"]).to_list())
        row = part.row(at, named=True)
        found.append(
            Finding(
                rule="slow_rank",
                severity="warning",
                run=data.name,
                rank=int(rank),
                step=int(row["step"]),
                message=(
                    f"rank {rank} {what} is {ratio:.2f}x the median of the other ranks "
                    f"from step {row['step']} on ({later.height} of {part.height - at} steps slow)"
                ),
                evidence=evidence(row["source"], row["line"]),
            )
        )
    return found


def slow_rank(data: RunData, cfg: HealthConfig, now: float) -> list[Finding]:
    """A rank whose step time (else a per-rank timer) is persistently above the others'."""
    min_ranks = int(cfg.params["slow_rank"]["min_ranks"])
    steps = _per_rank_values(data.steps, "step_time_ms")
    if steps["rank"].n_unique() >= min_ranks:
        return _slow_findings(steps, data, cfg, "step time")
    timers = data.timers
    found: list[Finding] = []
    seen: set[int | None] = set()
    for (name,), part in timers.group_by(["name"], maintain_order=True):
        values = _per_rank_values(part, "ms")
        if values["rank"].n_unique() < min_ranks:
            continue
        for f in _slow_findings(values, data, cfg, f"'{name}' time"):
            if f.rank not in seen:
                seen.add(f.rank)
                found.append(f)
    return found


@dataclass
class _Last:
    rank: int | None
    step: int
    time: float | None
    source: str | None
    line: int | None


_WHOLE_SECONDS = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?![.,][0-9])")


def _end_of(timestamp: str | None) -> float | None:
    """A timestamp's time; one printed to the second counts as that second's end (no early hang)."""
    t = parse_timestamp(timestamp)
    if t is not None and _WHOLE_SECONDS.search(timestamp or ""):
        t += 1.0
    return t


def _clock_shift(source: str | None) -> float:
    """Seconds to add to a file's printed times to put them on this machine's clock.

    The last time printed near a file's end (on any line, parsed or not) was written at about its
    mtime; the difference absorbs a log clock in another time zone, and a copied or freshly cloned
    log whose mtime is not when it was written (judged by its mtime, not by how old its lines
    read). Without a time printed near the end, printed times are taken as they are.
    """
    mtime = file_mtime(source)
    stamp = _end_of(last_printed_time(source))
    if mtime is None or stamp is None:
        return 0.0
    return mtime - stamp


def _last_steps(data: RunData) -> list[_Last]:
    """Each rank's last step, with its time (the line's timestamp, else the file's mtime)."""
    rows = (
        data.steps.filter(pl.col("step").is_not_null())
        .sort("rank", "step", "line", nulls_last=True)
        .group_by("rank", maintain_order=True)
        .last()
    )
    out = []
    for r in rows.iter_rows(named=True):
        t = _end_of(r["timestamp"])
        t = t + _clock_shift(r["source"]) if t is not None else file_mtime(r["source"])
        out.append(_Last(r["rank"], r["step"], t, r["source"], r["line"]))
    return out


def median_step_seconds(steps: pl.DataFrame) -> float | None:
    """The run's typical seconds per step: printed step times, else timestamp gaps."""
    times = steps["step_time_ms"].drop_nulls().drop_nans()
    times = times.filter(times > 0)
    if times.len():
        return float(times.median()) / 1000.0
    gaps: list[float] = []
    tail = steps.filter(pl.col("timestamp").is_not_null()).sort("rank", "step").tail(2000)
    prev: tuple[int, int, float] | None = None
    for rank, step, ts in tail.select("rank", "step", "timestamp").iter_rows():
        t = parse_timestamp(ts)
        if t is not None and prev and prev[0] == rank and step > prev[1]:
            gaps.append((t - prev[2]) / (step - prev[1]))
        prev = (rank, step, t) if t is not None else None
    return statistics.median(gaps) if gaps else None


def _is_alive(data: RunData, cfg: HealthConfig, now: float, limit: float) -> bool:
    """The process is alive: the launcher says so, it is assumed so, a live session saw the
    run grow, or its files changed within the limit (a finished copy of logs is not alive)."""
    known = process_alive(data)
    if known is not None:
        return known
    if cfg.params["hang"]["assume_alive"] or data.name in cfg.growing:
        return True
    mtimes = [m for m in (file_mtime(str(f.path)) for f in data.run.files) if m is not None]
    return bool(mtimes) and now - max(mtimes) < limit


def _failed_ranks(data: RunData, lasts: list[_Last]) -> set[int | None]:
    """Ranks that logged a failure after their last step (the ``crash`` rule reports them):
    stopped, not hanging."""
    by_rank: dict[int | None, list[dict]] = {}
    for row in failure_rows(data.events):  # no times needed here (crash computes them)
        by_rank.setdefault(row["rank"], []).append(row)
    return {
        x.rank
        for x in lasts
        if any(
            row["source"] != x.source or (row["line"] or 0) > (x.line or 0)
            for row in by_rank.get(x.rank, ())
        )
    }


def _secs(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"


def _who(rank: int | None) -> str:
    return f"rank {rank}" if rank is not None else "the log"


def _describe(last: _Last) -> str:
    where = evidence(last.source, last.line)
    return f"{_who(last.rank)} last at step {last.step}" + (f" ({where})" if where else "")


def hang(data: RunData, cfg: HealthConfig, now: float) -> list[Finding]:
    """Ranks (or the whole run) with no new step for max(k × median step time, floor)."""
    steps = data.steps
    if not steps.height or is_finished(data):
        return []
    p = cfg.params["hang"]
    per_step = median_step_seconds(steps)
    limit = max(float(p["k"]) * (per_step or 0.0), float(p["floor_s"]))
    lasts = _last_steps(data)
    total = steps["total_steps"].max()
    if not lasts or (total is not None and min(x.step for x in lasts) >= total):
        return []  # every rank logged its last step: done (saving, exiting), not hanging
    known = [x.time for x in lasts if x.time is not None]
    failed = _failed_ranks(data, lasts)
    alive = _is_alive(data, cfg, now, limit)
    reference = now if alive else max(known, default=None)
    top = max(x.step for x in lasts)
    silent: list[tuple[_Last, float]] = []
    for x in lasts:
        quiet = 0.0
        if reference is not None and x.time is not None:
            quiet = reference - x.time
        if x.step < top and per_step:
            quiet = max(quiet, (top - x.step) * per_step)
        if quiet >= limit and (alive or x.step < top) and x.rank not in failed:
            silent.append((x, quiet))
    return _hang_findings(data, silent, len(lasts), top, limit)


def _hang_findings(
    data: RunData, silent: list[tuple[_Last, float]], n_ranks: int, top: int, limit: float
) -> list[Finding]:
    if not silent:
        return []
    if len(silent) == n_ranks and n_ranks > 1:
        quiet = min(q for _, q in silent)
        shown = "; ".join(_describe(x) for x, _ in silent[:8])
        more = f"; and {len(silent) - 8} more" if len(silent) > 8 else ""
        first = min(silent, key=lambda s: s[0].step)[0]
        return [
            Finding(
                rule="hang",
                severity="error",
                run=data.name,
                rank=None,
                step=first.step,
                message=(
                    f"no new step from any rank for {_secs(quiet)} (limit {_secs(limit)}): "
                    f"{shown}{more}"
                ),
                evidence=evidence(first.source, first.line),
            )
        ]
    return [
        Finding(
            rule="hang",
            severity="error",
            run=data.name,
            rank=x.rank,
            step=x.step,
            message=(
                f"{_who(x.rank)} silent for {_secs(quiet)} (limit {_secs(limit)}) at step {x.step}"
                + (f" while other ranks reached step {top}" if x.step < top else "")
            ),
            evidence=evidence(x.source, x.line),
        )
        for x, quiet in silent
    ]
