"""The strategy comparison: one row per run (CONTRACT.md "The comparison row").

``compare_table`` turns parsed runs into a :class:`Comparison`: the table, the warm-up steps left
out of each run's medians, notes for the user, and the dry-run/real pairing of seed 004's table.
The CLI, the TUI and ``export`` all call this one function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from analyzer.comparison_extras import add_baseline, dryrun_pairs, sort_table
from analyzer.errors import InputError
from analyzer.run_status import read_run_json, run_status
from analyzer.store import RunData
from analyzer.strategy import (
    DETAIL_FLAGS,
    bubble_fraction,
    cfg_flag,
    cfg_int,
    has_layout,
    label_details,
    vpp_of,
)
from analyzer.strategy import strategy_label as strategy_label
from analyzer.summary_stats import memory_summary, per_step, step_summary
from parsers.schema import CONFIG_KEYS

#: What a comparison reads (timers are not among them: the largest frame, left unloaded).
COMPARE_KINDS: tuple[str, ...] = ("step", "memory", "event", "config")

#: The comparison row's columns and types, in display order.
ROW_SCHEMA: dict[str, pl.DataType] = {
    "run": pl.String(),
    "strategy": pl.String(),
    "status": pl.String(),
    "dryrun": pl.Boolean(),
    "world_size": pl.Int64(),
    "tp": pl.Int64(),
    "pp": pl.Int64(),
    "vpp": pl.Int64(),
    "cp": pl.Int64(),
    "dp": pl.Int64(),
    "num_layers": pl.Int64(),
    "noop_layers": pl.String(),
    "seq_length": pl.Int64(),
    "micro_batch_size": pl.Int64(),
    "global_batch_size": pl.Int64(),
    "steps": pl.Int64(),
    "last_step": pl.Int64(),
    "total_steps": pl.Int64(),
    "warmup_steps": pl.Int64(),
    "step_time_ms_median": pl.Float64(),
    "step_time_ms_p90": pl.Float64(),
    "tflops_median": pl.Float64(),
    "tokens_per_s_per_device": pl.Float64(),
    "mfu_pct": pl.Float64(),
    "bubble_pct": pl.Float64(),
    "peak_memory_mb": pl.Float64(),
    "peak_memory_metric": pl.String(),
    "device_total_mb": pl.Float64(),
    "framework_used_mb": pl.Float64(),
    "peak_used_mb": pl.Float64(),
    "peak_actual_mb": pl.Float64(),
    "loss_final": pl.Float64(),
    "loss_min": pl.Float64(),
    "nan_count": pl.Int64(),
    "skipped_count": pl.Int64(),
}

#: Which memory metric stands for "peak memory", in order of preference (host RSS last: a CPU run).
PEAK_METRICS = (
    "max_reserved",
    "peak_actual",
    "reserved",
    "peak_used",
    "max_allocated",
    "max_host_rss",
)
SUMMARY_MEMORY = {
    "device_total": "device_total_mb",
    "framework_used": "framework_used_mb",
    "peak_used": "peak_used_mb",
    "peak_actual": "peak_actual_mb",
}


@dataclass
class Comparison:
    """The comparison of a set of runs."""

    table: pl.DataFrame
    warmup_steps: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Dry run against real, one row per (pair, memory column); empty when nothing pairs.
    pairs: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: Per run: name, path, rank files, lines parsed (for the HTML page and the export manifest).
    runs: list[dict[str, Any]] = field(default_factory=list)
    baseline: str | None = None
    device_peak_tflops: float | None = None


def _spec_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float | str) else None


def run_config(data: RunData) -> dict[str, str]:
    """The run's config: the launch spec's (run.json ``params``/``config``) overlaid by the logs'."""
    record = read_run_json(data)
    config: dict[str, str] = {}
    for section in ("params", "config"):
        spec = record.get(section)
        if isinstance(spec, dict):
            for key, value in spec.items():
                text = _spec_value(value)
                if text is not None and str(key).lower() in CONFIG_KEYS:
                    config[str(key).lower()] = text
    config.update(data.config_dict())
    return config


def _world_size(data: RunData, config: dict[str, str]) -> int | None:
    """world_size as printed; else tp·pp·cp·dp when dp is known; else the rank files of a directory run."""
    world = cfg_int(config, "world_size")
    if world:
        return world
    if cfg_int(config, "dp") is not None and has_layout(config):
        return math.prod(cfg_int(config, k) or 1 for k in ("tp", "pp", "cp", "dp"))
    ranks = {f.rank for f in data.run.files if f.rank is not None}
    return len(ranks) if len(ranks) > 1 else None


def is_dryrun(config: dict[str, str], name: str, *, has_steps: bool = False) -> bool:
    """Config ``dryrun`` (MS_SIMULATION_LEVEL / --sim_level seen), else the name as a last resort:
    only its last component (a run's name may include its parent folder), and never for a run
    that logged training steps (a dry run logs none)."""
    flag = cfg_flag(config, "dryrun")
    if flag is not None:
        return flag
    if has_steps:
        return False
    return re.search(r"dry_?run", name.lower().rsplit("/", 1)[-1]) is not None


def _peak(memory: dict[str, float]) -> tuple[float | None, str | None]:
    for metric in PEAK_METRICS:
        if metric in memory:
            return memory[metric], metric
    return None, None


def _perf(
    stats: dict, config: dict[str, str], world: int | None, peak_tflops: float | None
) -> dict[str, Any]:
    gbs = cfg_int(config, "global_batch_size") or (
        int(stats["global_batch_size"]) if stats.get("global_batch_size") else None
    )
    seq, step_ms, tflops = (
        cfg_int(config, "seq_length"),
        stats.get("step_time_ms_median"),
        stats.get("tflops_median"),
    )
    tokens = gbs * seq / (step_ms / 1000) / world if gbs and seq and step_ms and world else None
    bubble = bubble_fraction(config, world, gbs)
    return {
        "global_batch_size": gbs,
        "tokens_per_s_per_device": tokens,
        "mfu_pct": 100 * tflops / peak_tflops if tflops and peak_tflops else None,
        "bubble_pct": None if bubble is None else 100 * bubble,
    }


def _counts(stats: dict) -> dict[str, Any]:
    nan = stats.get("nan_from_lines") if stats.get("nan_lines_known") else None
    nan = max(nan or 0, stats.get("nan_losses") or 0) if stats else None
    skipped = stats.get("skipped_count") if stats.get("skipped_known") else None  # never reported
    return {"nan_count": nan, "skipped_count": skipped}


def _row(
    data: RunData,
    config: dict[str, str],
    stats: dict,
    memory: dict[str, float],
    label: dict[str, Collection[str]],
    peak_tflops: float | None,
) -> dict[str, Any]:
    world = _world_size(data, config)
    peak, peak_metric = _peak(memory)
    row: dict[str, Any] = {
        "run": data.name,
        "strategy": strategy_label(config, data.name, **label),
        "status": run_status(data),
        "dryrun": is_dryrun(config, data.name, has_steps=bool(stats.get("steps"))),
        "world_size": world,
        **{
            k: cfg_int(config, k)
            for k in ("tp", "pp", "cp", "dp", "num_layers", "seq_length", "micro_batch_size")
        },
        "vpp": vpp_of(config),
        "noop_layers": config.get("noop_layers")
        if config.get("noop_layers") not in (None, "None")
        else None,
        "steps": stats.get("steps", 0),
        **{
            k: stats.get(k)
            for k in (
                "last_step",
                "total_steps",
                "warmup_steps",
                "step_time_ms_median",
                "step_time_ms_p90",
                "tflops_median",
                "loss_final",
                "loss_min",
            )
        },
        **_perf(stats, config, world, peak_tflops),
        "peak_memory_mb": peak,
        "peak_memory_metric": peak_metric,
        **{col: memory.get(metric) for metric, col in SUMMARY_MEMORY.items()},
        **_counts(stats),
    }
    if row["dryrun"] and "DryRun" not in row["strategy"]:
        row["strategy"] = f"{row['strategy']}+DryRun" if row["strategy"] else "DryRun"
    return row


def _shared_flags(configs: Sequence[dict[str, str]]) -> set[str]:
    """Detail flags with one value across every run: they distinguish nothing, so labels omit them."""
    if len(configs) < 2:
        return set()
    return {f for f in DETAIL_FLAGS if len({cfg_flag(c, f) for c in configs}) == 1}


def _run_meta(data: RunData) -> dict[str, Any]:
    return {
        "run": data.name,
        "path": str(data.run.path),
        "files": len(data.run.files),
        "lines": data.stats.lines,
        "notes": list(data.notes),
    }


def _notes(rows: list[dict[str, Any]], warmup: int | None) -> list[str]:
    with_steps = [r for r in rows if r["steps"]]
    notes: list[str] = []
    rule = f"--warmup {warmup}" if warmup is not None else "default: first max(1, 10%) of steps"
    pairs = {(r["warmup_steps"], r["steps"]) for r in with_steps}
    if len(pairs) == 1:
        w, n = pairs.pop()
        notes.append(
            f"medians leave out the first {w} of {n} steps of every run as warm-up ({rule})"
        )
    elif pairs:
        per_run = ", ".join(f"{r['run']}: {r['warmup_steps']}/{r['steps']}" for r in with_steps)
        notes.append(f"warm-up steps left out of medians ({rule}): {per_run}")
    for r in rows:
        if not r["steps"]:
            notes.append(f"{r['run']}: no iteration lines (status and memory only)")
        elif warmup is not None and warmup >= r["steps"]:
            notes.append(
                f"{r['run']}: --warmup {warmup} is not below its {r['steps']} steps;"
                " no step left out of its medians"
            )
    return notes


def check_warmup(warmup: int | None) -> None:
    """``--warmup N``: 0 or more (checked before a long parse, and again here)."""
    if warmup is not None and warmup < 0:
        raise InputError(f"--warmup must be 0 or more, not {warmup}")


def check_parseable(datas: Sequence[RunData], paths: Sequence[object]) -> None:
    """CONTRACT.md: "nothing parseable found" is an input error. A run with any record, or with
    a launch record (run.json, a queued run), is something; a run without steps still gets its row."""
    if any(d.stats.recognised or any(d.stats.records.values()) or read_run_json(d) for d in datas):
        return
    lines = sum(d.stats.lines for d in datas)
    where = ", ".join(str(p) for p in paths)
    raise InputError(f"{where}: nothing parseable found ({lines} lines read, none recognised)")


def compare_table(
    datas: list[RunData],
    *,
    warmup: int | None = None,
    baseline: str | None = None,
    device_peak_tflops: float | None = None,
    sort: str | None = None,
) -> Comparison:
    """One row per run with the derived metrics; see CONTRACT.md "The comparison row"."""
    check_warmup(warmup)
    stats = step_summary(per_step(datas), warmup)
    memory = memory_summary(datas)
    configs = [run_config(d) for d in datas]
    omit = _shared_flags(configs)
    shows = label_details(configs, [d.name for d in datas], omit)
    rows = [
        _row(
            d,
            config,
            stats.get(d.name, {}),
            memory.get(d.name, {}),
            {"omit": omit, "show": show},
            device_peak_tflops,
        )
        for d, config, show in zip(datas, configs, shows, strict=True)
    ]
    table = (
        pl.DataFrame(rows, schema=ROW_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=ROW_SCHEMA)
    )
    table, pairs, pair_notes = dryrun_pairs(table)
    if baseline is not None:
        table = add_baseline(table, baseline)
    if sort is not None:
        table = sort_table(table, sort)
    notes = _notes(rows, warmup) + pair_notes + [n for d in datas for n in d.notes]
    warm = {r["run"]: r["warmup_steps"] or 0 for r in rows if r["steps"]}
    return Comparison(
        table, warm, notes, pairs, [_run_meta(d) for d in datas], baseline, device_peak_tflops
    )


__all__ = [
    "Comparison",
    "check_parseable",
    "compare_table",
    "run_config",
    "run_status",
    "strategy_label",
]
