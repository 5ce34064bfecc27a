"""The canonical record schemas: one polars schema per record kind (CONTRACT.md "Records").

Every frame of every run, every CSV/Parquet file and the cache use these column names and
types, so a record parsed live and one parsed in bulk are the same row.
"""

from __future__ import annotations

import polars as pl

KINDS: tuple[str, ...] = ("step", "memory", "timer", "event", "config")

#: File/frame names per kind, as `export` and `parse -o DIR` write them.
FRAME_NAMES: dict[str, str] = {
    "step": "steps",
    "memory": "memory",
    "timer": "timers",
    "event": "events",
    "config": "config",
}

COMMON: dict[str, pl.DataType] = {
    "run": pl.String(),
    "rank": pl.Int64(),
    "source": pl.String(),
    "line": pl.Int64(),
}

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "step": {
        **COMMON,
        "step": pl.Int64(),
        "total_steps": pl.Int64(),
        "loss": pl.Float64(),
        "step_time_ms": pl.Float64(),
        "tflops": pl.Float64(),
        "lr": pl.Float64(),
        "grad_norm": pl.Float64(),
        "loss_scale": pl.Float64(),
        "consumed_samples": pl.Int64(),
        "global_batch_size": pl.Int64(),
        "skipped": pl.Int64(),
        "nan_count": pl.Int64(),
        "epoch": pl.Float64(),
        "timestamp": pl.String(),
        "extra": pl.String(),  # JSON object of other named numbers on the line
    },
    "memory": {
        **COMMON,
        "metric": pl.String(),
        "mb": pl.Float64(),
        "step": pl.Int64(),
        "timestamp": pl.String(),
    },
    "timer": {
        **COMMON,
        "name": pl.String(),
        "ms": pl.Float64(),
        "min_ms": pl.Float64(),
        "max_ms": pl.Float64(),
        "step": pl.Int64(),
    },
    "event": {
        **COMMON,
        "severity": pl.String(),
        "type": pl.String(),
        "message": pl.String(),
        "timestamp": pl.String(),
        "step": pl.Int64(),
        "extra": pl.String(),  # JSON object: exit code, op type, sequence number, timeout, ...
    },
    "config": {
        **COMMON,
        "key": pl.String(),
        "value": pl.String(),
    },
}

SEVERITIES: tuple[str, ...] = ("info", "warning", "error", "fatal")

#: Normalised config keys (CONTRACT.md); parsers map family-specific names onto these.
CONFIG_KEYS: tuple[str, ...] = (
    "tp",
    "pp",
    "vpp",
    "cp",
    "cp_algo",
    "sp",
    "dp",
    "world_size",
    "seq_length",
    "micro_batch_size",
    "global_batch_size",
    "num_layers",
    "recompute_granularity",
    "recompute_method",
    "recompute_num_layers",
    "distributed_optimizer",
    "dryrun",
    "noop_layers",
)
