"""Health checks over parsed runs: slow ranks, hangs, loss spikes, NaNs, crashes, leaks.

``check(datas)`` runs every enabled rule on every run and returns findings, each naming the run,
the rank, the step and the source line (``file:line``) that shows the problem. The CLI
(``analyzer check``), ``analyzer watch --alerts`` and the TUI all call this one function.

Rules (parameters and defaults in :mod:`analyzer.health_config`):

- ``slow_rank``: a rank's step time (else a per-rank timer) above the per-step median across
  ranks by a robust margin (median + z·MAD, and a minimum excess) over most of a window of steps;
- ``hang``: no new step from a rank, or from the whole run, for max(k × median step time, floor)
  while the process is alive or other ranks advanced; finished runs never hang;
- ``loss_spike`` / ``divergence``: loss above factor × its rolling median / a sustained rise;
- ``nan``: non-finite loss or grad norm, nan iterations, many skipped iterations;
- ``loss_scale_collapse``: the dynamic loss scale collapsing;
- ``crash``: tracebacks, OOM, comm timeouts, non-zero worker exits, segfaults, CANN errors,
  with the earliest failing rank named as the likely root cause;
- ``memory_growth``: memory rising step after step, or peak memory near the device total.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from analyzer.health_common import SEVERITY_ORDER, Finding
from analyzer.health_config import RULES, HealthConfig, load_config
from analyzer.health_failures import crash, memory_growth
from analyzer.health_timing import hang, slow_rank
from analyzer.health_training import divergence, loss_scale_collapse, loss_spike, nan
from analyzer.store import RunData

__all__ = ["RULES", "RULE_FUNCS", "Finding", "HealthConfig", "check", "load_config"]

Rule = Callable[[RunData, HealthConfig, float], list[Finding]]

RULE_FUNCS: dict[str, Rule] = {
    "slow_rank": slow_rank,
    "hang": hang,
    "loss_spike": loss_spike,
    "divergence": divergence,
    "nan": nan,
    "loss_scale_collapse": loss_scale_collapse,
    "crash": crash,
    "memory_growth": memory_growth,
}
assert tuple(RULE_FUNCS) == RULES, "every configured rule needs a function and vice versa"


def _sort_key(f: Finding) -> tuple:
    # Stable: each rule's own order (e.g. the root-cause crash first) is kept.
    return (f.run, -SEVERITY_ORDER.get(f.severity, 0), RULES.index(f.rule))


def check(
    datas: list[RunData], *, config: HealthConfig | None = None, now: float | None = None
) -> list[Finding]:
    """Every finding of every enabled, unsilenced rule on every run (most severe first per run).

    ``now`` (seconds since the epoch) is what ``hang`` measures silence against; it defaults to
    the current time.
    """
    config = config or HealthConfig()
    now = time.time() if now is None else now
    findings: list[Finding] = []
    for data in datas:
        for rule, func in RULE_FUNCS.items():
            if config.is_silenced(rule, data.name):
                continue
            findings.extend(func(data, config, now))
    return sorted(findings, key=_sort_key)
