"""Training-signal rules: ``loss_spike``, ``divergence``, ``nan`` and ``loss_scale_collapse``.

Each works per rank on the logged points (a point = one printed step line), so a NaN that
starts on one rank names that rank; the same problem at the same step on several ranks is
reported once, naming the ranks (``merge_ranks``).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import deque
from collections.abc import Iterator
from dataclasses import replace

import polars as pl

from analyzer.health_common import Finding, evidence, is_finite
from analyzer.health_config import HealthConfig
from analyzer.store import RunData

_SPLIT_CACHE: list[tuple[pl.DataFrame, dict]] = []


def _split_by_rank(steps: pl.DataFrame) -> dict:
    """Per rank, one row per step (the last printed), in step order; cached for the last frame
    (the rules of one check share it; the frame object is kept, so its id cannot be reused)."""
    if _SPLIT_CACHE and _SPLIT_CACHE[0][0] is steps:
        return _SPLIT_CACHE[0][1]
    parts = (
        steps.filter(pl.col("step").is_not_null())
        .unique(subset=["rank", "step"], keep="last", maintain_order=True)
        .sort("rank", "step", nulls_last=True)
        .partition_by("rank", as_dict=True, maintain_order=True)
    )
    _SPLIT_CACHE[:] = [(steps, parts)]
    return parts


def rank_series(steps: pl.DataFrame, *columns: str) -> Iterator[tuple[int | None, pl.DataFrame]]:
    """Per rank: one row per step (the last printed), in step order."""
    if not steps.height:
        return
    for (rank,), part in _split_by_rank(steps).items():
        yield rank, part.select("step", "source", "line", *columns)


def ranks_text(ranks: list[int | None]) -> str:
    """``ranks 0-3, 5-7``: sorted known ranks with consecutive runs collapsed."""
    known = sorted({r for r in ranks if r is not None})
    spans: list[list[int]] = []
    for r in known:
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
    return ("rank " if len(known) == 1 else f"{len(known)} ranks: ") + text


def merge_ranks(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, run, step, severity): the same event on many ranks, said once."""
    groups: dict[tuple, list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.rule, f.run, f.step, f.severity), []).append(f)
    out = []
    for group in groups.values():
        first = min(group, key=lambda f: (f.rank is None, f.rank or 0))
        if len(group) > 1:
            ranks = [f.rank for f in group]
            first = replace(first, message=f"{first.message} (on {ranks_text(ranks)})")
        out.append(first)
    return sorted(out, key=lambda f: (f.step is None, f.step or 0, f.rank or 0))


def _finding(rule: str, sev: str, data: RunData, rank, row: dict, message: str) -> Finding:
    return Finding(
        rule=rule,
        severity=sev,
        run=data.name,
        rank=rank,
        step=row["step"],
        message=message,
        evidence=evidence(row["source"], row["line"]),
    )


def _spike_candidates(part: pl.DataFrame, p: dict) -> bool:
    """Fast pre-check: any point above factor × the rolling median of all points before it.

    Up to the first spike this baseline equals the exact one (which leaves spikes out), so no
    candidate here means no spike there; the exact loop then only runs on suspicious ranks.
    """
    loss = part["loss"].filter(part["loss"].is_finite())
    med = loss.rolling_median(int(p["window"]), min_samples=3).shift(1)
    return bool(((loss > p["factor"] * med) & (loss - med >= p["min_delta"])).any())


def loss_spike(data: RunData, cfg: HealthConfig, now: float) -> list[Finding]:
    """Loss above factor × its rolling median (after warm-up); a run of spikes counts once."""
    p = cfg.params["loss_spike"]
    found = []
    for rank, part in rank_series(data.steps, "loss"):
        if not _spike_candidates(part, p):
            continue
        recent: deque[float] = deque(maxlen=int(p["window"]))
        in_spike = False
        for i, row in enumerate(part.iter_rows(named=True)):
            loss = row["loss"]
            if not is_finite(loss):
                continue
            if i >= int(p["warmup"]) and len(recent) >= 3:
                med = statistics.median(recent)
                spike = loss > p["factor"] * med and loss - med >= p["min_delta"]
                if spike and not in_spike:
                    msg = f"loss {loss:.4g} is {loss / med:.2f}x its rolling median {med:.4g}"
                    found.append(_finding("loss_spike", "warning", data, rank, row, msg))
                in_spike = spike
                if spike:
                    continue  # keep spikes out of the baseline
            recent.append(loss)
    return merge_ranks(found)


def _rising_start(medians: list[float], blocks: int, rise: float) -> int | None:
    """Index of the block where ``blocks`` consecutive rising block medians begin, if any."""
    for end in range(blocks, len(medians)):
        run = medians[end - blocks : end + 1]
        low = min(medians[: end + 1])
        rising = all(b > a for a, b in itertools.pairwise(run))
        if rising and low > 0 and run[-1] >= (1 + rise) * low:
            return end - blocks
    return None


def divergence(data: RunData, cfg: HealthConfig, now: float) -> list[Finding]:
    """A sustained upward trend of the loss: block medians rising several blocks in a row."""
    p = cfg.params["divergence"]
    size, blocks = int(p["block"]), int(p["blocks"])
    found = []
    for rank, part in rank_series(data.steps, "loss"):
        part = part.slice(int(p["warmup"])).filter(pl.col("loss").is_finite())
        medians = [
            float(part["loss"].slice(i, size).median())
            for i in range(0, part.height - size + 1, size)
        ]
        start = _rising_start(medians, blocks, float(p["rise"]))
        if start is None:
            continue
        row = part.row(start * size, named=True)
        msg = (
            f"loss trending up: block medians {medians[start]:.4g} -> "
            f"{medians[start + blocks]:.4g} over {blocks * size} points from step {row['step']}"
        )
        found.append(_finding("divergence", "warning", data, rank, row, msg))
    return merge_ranks(found[:1] if found else [])


def _first_nonfinite(rank, part: pl.DataFrame, data: RunData) -> Finding | None:
    bad = part.filter(~pl.col("loss").is_finite() | ~pl.col("grad_norm").is_finite())
    if not bad.height:
        return None
    row = bad.row(0, named=True)
    what = [
        f"{name} is {row[name]}"
        for name in ("loss", "grad_norm")
        if row[name] is not None and not math.isfinite(row[name])
    ]
    return _finding("nan", "error", data, rank, row, " and ".join(what))


def _nan_counts(rank, part: pl.DataFrame, data: RunData) -> list[Finding]:
    """The first interval with nan iterations counted."""
    hit = part.filter(pl.col("nan_count") > 0)
    if not hit.height:
        return []
    row = hit.row(0, named=True)
    msg = f"{row['nan_count']} nan iterations in the interval up to step {row['step']}"
    if hit.height > 1:
        msg += f" ({hit.height} intervals with nan iterations in all)"
    return [_finding("nan", "error", data, rank, row, msg)]


def _skips(rank, part: pl.DataFrame, data: RunData, fraction: float, window: int) -> list[Finding]:
    """Skipped iterations above ``fraction`` of the last ``window`` iterations.

    Skips before the first interval without any are the fp16 loss scaler's warm-up (it starts
    at 2^32 and halves on each overflow), not a finding: real Megatron logs show 15 of the first
    100 iterations skipped. An occasional skip later is the scaler probing upwards; many are not.
    """
    if not (part["skipped"].fill_null(0) > 0).any():
        return []
    recent: deque[tuple[int, int]] = deque()
    warm, prev = True, 0
    for row in part.iter_rows(named=True):
        interval, skipped = row["step"] - prev, row["skipped"] or 0
        prev = row["step"]
        if warm:
            warm = skipped > 0 and row["step"] <= window
            continue
        recent.append((max(interval, 1), skipped))
        while len(recent) > 1 and sum(i for i, _ in recent) - recent[0][0] >= window:
            recent.popleft()
        its, skips = sum(i for i, _ in recent), sum(k for _, k in recent)
        if its >= min(window, row["step"]) and skips / its >= fraction:
            msg = (
                f"{skips} of the last {its} iterations skipped (overflow) up to step {row['step']}"
            )
            return [_finding("nan", "warning", data, rank, row, msg)]
    return []


def _skip_totals(steps: pl.DataFrame) -> pl.DataFrame:
    """Rows carrying DeepSpeed's running total of skipped steps (``extra.skipped_total``), with
    ``total``; step 0 (printed before the first training step) left out."""
    if not steps.height or steps["extra"].dtype != pl.String:
        return steps.clear()
    found = pl.col("extra").str.contains("skipped_total", literal=True) & (pl.col("step") > 0)
    total = pl.col("extra").str.json_path_match("$.skipped_total").cast(pl.Float64, strict=False)
    return steps.filter(found).with_columns(total=total).filter(pl.col("total").is_not_null())


def _running_skips(data: RunData, fraction: float, window: int) -> list[Finding]:
    """DeepSpeed's running totals as per-interval counts, judged like Megatron's ``skipped``
    (a total that falls, e.g. after a restart, counts as no new skips); the message adds the
    total."""
    found = []
    totals = _skip_totals(data.steps)
    for (rank,), part in totals.group_by(["rank"], maintain_order=True):
        part = part.unique(subset=["step"], keep="last", maintain_order=True).sort("step")
        per_interval = pl.col("total").diff().fill_null(pl.col("total")).clip(lower_bound=0)
        part = part.with_columns(skipped=per_interval.cast(pl.Int64))
        last = part.row(part.height - 1, named=True)
        note = f" ({last['total']:.0f} skipped in all by step {last['step']})"
        for f in _skips(rank, part, data, fraction, window):
            found.append(replace(f, message=f.message + note))
    return found


def nan(data: RunData, cfg: HealthConfig, now: float) -> list[Finding]:
    """Non-finite loss or grad norm; nan iterations counted; many skipped iterations."""
    fraction = float(cfg.params["nan"]["skipped_fraction"])
    window = int(cfg.params["nan"]["skipped_window"])
    found: list[Finding] = []
    cols = ("loss", "grad_norm", "nan_count", "skipped")
    for rank, part in rank_series(data.steps, *cols):
        first = _first_nonfinite(rank, part, data)
        if first:
            found.append(first)
        found.extend(_nan_counts(rank, part, data))
        found.extend(_skips(rank, part, data, fraction, window))
    found.extend(_running_skips(data, fraction, window))
    events = data.events.filter(pl.col("type") == "nan")
    for (rank,), part in events.group_by(["rank"], maintain_order=True):
        row = part.row(0, named=True)
        found.append(_finding("nan", "error", data, rank, row, f"log reports: {row['message']}"))
    return merge_ranks(found)


def loss_scale_collapse(data: RunData, cfg: HealthConfig, now: float) -> list[Finding]:
    """The dynamic loss scale fell below a floor or far below its peak (overflow after overflow)."""
    p = cfg.params["loss_scale_collapse"]
    found = []
    for rank, part in rank_series(data.steps, "loss_scale"):
        part = part.filter(pl.col("loss_scale").is_finite())
        peak = pl.col("loss_scale").cum_max().shift(1)
        bad = part.with_columns(peak=peak).filter(
            pl.col("peak").is_not_null()
            & (
                (pl.col("loss_scale") < p["min_scale"])
                | (pl.col("loss_scale") * p["factor"] <= pl.col("peak"))
            )
        )
        if bad.height:
            row = bad.row(0, named=True)
            msg = f"loss scale fell to {row['loss_scale']:g} (peak {row['peak']:g})"
            found.append(_finding("loss_scale_collapse", "error", data, rank, row, msg))
    return merge_ranks(found)
