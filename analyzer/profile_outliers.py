"""Slow ranks and slow stages from the per-rank breakdown.

Two tests, each per step over the ranks (or stages) of that step:
- robust outlier: modified z-score 0.6745·(x − median)/MAD > 3.5 (Iglewicz–Hoaglin), with
  the mean absolute deviation (×1.2533) standing in when MAD is 0; only deviations of at least
  1% of the step count, so microsecond noise never flags anything;
- msprof-analyze advisor's rule: a dimension whose max − min exceeds 5% of the mean step time
  has an issue; its extreme rank is named.
The dimensions are Free (an idle device: waiting on the host — dispatch, data loading — or on
a synchronisation), Communication(Not Overlapped) (waiting in collectives: a slow link or a
slower peer) and Computing (slower compute). In synchronous training the rank the others wait
for shows the *least* communication wait, so a rank that is high in Free or Computing and lowest
in Communication(Not Overlapped) is reported as the straggler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

import polars as pl

Z_LIMIT = 3.5
GAP_RATIO = 0.05
MIN_SHARE = 0.01
GAP_SHARE = 1 / 3
DIMENSIONS = (
    ("free_us", "Free", "waiting: the device idles (host dispatch, data loading or a sync)"),
    (
        "communication_not_overlapped_us",
        "Communication(Not Overlapped)",
        "a slow link, or waiting in collectives for a slower peer",
    ),
    ("computing_us", "Computing", "slower compute (more work here, or a slow device)"),
)
CAUSE = {
    "free_us": "free",
    "communication_not_overlapped_us": "communication",
    "computing_us": "computing",
}


def robust_z(values: list[float]) -> list[float]:
    """Modified z-scores; zeros when the values do not vary."""
    med = median(values)
    dev = [abs(v - med) for v in values]
    mad = median(dev)
    scale = mad / 0.6745 if mad > 0 else (sum(dev) / len(dev)) * 1.2533
    if scale <= 0:
        return [0.0] * len(values)
    return [(v - med) / scale for v in values]


@dataclass
class Flag:
    """One dimension of one unit (rank or stage) in one step that stands out."""

    unit: int
    step: int | None
    dim: str
    value: float
    median: float
    excess: float
    test: str


@dataclass
class Verdict:
    flags: list[Flag] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    stragglers: dict[tuple[int, int | None], float] = field(default_factory=dict)


def _ms(us: float) -> str:
    return f"{us / 1000:,.1f} ms"


def _check_dimension(
    units: list[int],
    values: list[float],
    step: int | None,
    dim: str,
    step_mean: float,
    out: Verdict,
    what: str,
) -> None:
    med = median(values)
    z = robust_z(values)
    strong = {
        i for i, s in enumerate(z) if s > Z_LIMIT and values[i] - med >= MIN_SHARE * step_mean
    }
    gap = max(values) - min(values)
    label = dict((d, lbl) for d, lbl, _ in DIMENSIONS)[dim]
    if step_mean > 0 and gap > GAP_RATIO * step_mean:
        hi, lo = values.index(max(values)), values.index(min(values))
        out.findings.append(
            ("" if step is None else f"step {step}: ")
            + f"{label} differs by {_ms(gap)} across {what}s "
            f"({gap / step_mean:.0%} of the step): most on {what} {units[hi]} ({_ms(values[hi])}), "
            f"least on {what} {units[lo]} ({_ms(values[lo])})"
        )
        # the maximum is named only when it, not a low outlier, makes the spread
        if hi not in strong and values[hi] - med >= GAP_SHARE * gap:
            out.flags.append(
                Flag(units[hi], step, dim, values[hi], med, values[hi] - med, "max_gap")
            )
        if dim == "communication_not_overlapped_us":
            out.stragglers[(units[lo], step)] = values[lo]
    for i in sorted(strong):
        out.flags.append(Flag(units[i], step, dim, values[i], med, values[i] - med, "robust_z"))


def judge(table: pl.DataFrame, unit: str, what: str) -> Verdict:
    """Run both tests over ``table`` (one row per unit and step) for every dimension."""
    out = Verdict()
    if table.is_empty() or unit not in table.columns:
        return out
    for (step,), rows in table.group_by(["step"], maintain_order=True):
        if rows.height < 2:
            continue
        step_mean = float(rows["step_us"].mean() or 0.0)
        units = rows[unit].to_list()
        for dim, _label, _why in DIMENSIONS:
            if dim not in rows.columns or rows[dim].null_count() == rows.height:
                continue
            values = [float(v or 0.0) for v in rows[dim].to_list()]
            if rows.height < 3:
                values_ok = max(values) - min(values) > GAP_RATIO * step_mean
                if not values_ok:
                    continue
            _check_dimension(units, values, step, dim, step_mean, out, what)
    return out


def _reason(flags: list[Flag], straggler_us: float | None, what: str) -> tuple[str, str]:
    """One sentence for a unit's flags, led by its largest excess; and the cause word."""
    flags = sorted(flags, key=lambda f: -f.excess)
    top = flags[0]
    labels = {d: (lbl, why) for d, lbl, why in DIMENSIONS}
    label, why = labels[top.dim]
    steps = sorted({f.step for f in flags if f.dim == top.dim and f.step is not None})
    where = (
        f" in step {steps[0]}" if len(steps) == 1 else (f" in {len(steps)} steps" if steps else "")
    )
    test = "robust outlier" if top.test == "robust_z" else "the most, spread > 5% of the step"
    text = f"{label} {_ms(top.value)} vs median {_ms(top.median)}{where} ({test}): {why}"
    if straggler_us is not None and top.dim != "communication_not_overlapped_us":
        text += (
            f"; it has the least Communication(Not Overlapped) ({_ms(straggler_us)}), "
            f"so the other {what}s wait for it: likely the straggler"
        )
    return text, CAUSE[top.dim]


def slow_units(verdict: Verdict, what: str) -> list[dict]:
    """One entry per flagged unit: ``{what: id, reason, cause, steps, excess_us, straggler}``."""
    by_unit: dict[int, list[Flag]] = {}
    for f in verdict.flags:
        by_unit.setdefault(f.unit, []).append(f)
    out = []
    for unit, flags in by_unit.items():
        strag = [v for (u, _s), v in verdict.stragglers.items() if u == unit]
        reason, cause = _reason(flags, strag[0] if strag else None, what)
        out.append(
            {
                what: unit,
                "reason": reason,
                "cause": cause,
                "steps": sorted({f.step for f in flags if f.step is not None}),
                "excess_us": round(max(f.excess for f in flags), 3),
                "straggler": bool(strag) and cause != "communication",
                "test": sorted({f.test for f in flags}),
            }
        )
    out.sort(key=lambda d: (not d["straggler"], -d["excess_us"]))
    return out
