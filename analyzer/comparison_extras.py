"""What a comparison adds on top of the per-run rows: baseline deltas, ranking, dry run vs real."""

from __future__ import annotations

import polars as pl

from analyzer.errors import InputError
from analyzer.strategy import base_label

#: Numeric columns that get a ``*_delta_pct`` beside them with ``--baseline``.
DELTA_COLUMNS = (
    "step_time_ms_median",
    "step_time_ms_p90",
    "tflops_median",
    "tokens_per_s_per_device",
    "mfu_pct",
    "bubble_pct",
    "peak_memory_mb",
    "device_total_mb",
    "framework_used_mb",
    "peak_used_mb",
    "peak_actual_mb",
    "loss_final",
    "loss_min",
)
#: Memory columns compared between a dry run and the real run of the same strategy.
PAIR_COLUMNS = (
    "device_total_mb",
    "framework_used_mb",
    "peak_used_mb",
    "peak_actual_mb",
    "peak_memory_mb",
)
PAIR_SCHEMA: dict[str, pl.DataType] = {
    "strategy": pl.String(),
    "real_run": pl.String(),
    "dryrun_run": pl.String(),
    "metric": pl.String(),
    "real_mb": pl.Float64(),
    "dryrun_mb": pl.Float64(),
    "diff_mb": pl.Float64(),
    "diff_pct": pl.Float64(),
}


def add_baseline(table: pl.DataFrame, baseline: str) -> pl.DataFrame:
    """A ``COL_delta_pct`` right after each numeric column: (run − baseline) / baseline × 100."""
    runs = table["run"].to_list()
    if baseline not in runs:
        raise InputError(f"baseline {baseline!r} is not one of the runs: {', '.join(runs)}")
    base = table.row(runs.index(baseline), named=True)
    order: list[str] = []
    exprs: list[pl.Expr] = []
    for col in table.columns:
        order.append(col)
        if col in DELTA_COLUMNS and table[col].is_not_null().any():
            ref = base[col]
            name = f"{col}_delta_pct"
            value = (pl.col(col) - ref) / abs(ref) * 100 if ref else pl.lit(None, pl.Float64)
            exprs.append(value.cast(pl.Float64).alias(name))
            order.append(name)
    return table.with_columns(exprs).select(order)


def sort_table(table: pl.DataFrame, sort: str) -> pl.DataFrame:
    """Rank by a column; ``-COL`` sorts descending. Nulls go last."""
    descending = sort.startswith("-")
    col = sort.lstrip("-")
    if col not in table.columns:
        raise InputError(f"--sort {sort!r}: no such column; columns: {', '.join(table.columns)}")
    return table.sort(col, descending=descending, nulls_last=True, maintain_order=True)


def _pair_rows(table: pl.DataFrame) -> tuple[list[tuple[dict, dict]], list[str]]:
    """(real, dry) rows of the same strategy, and a note for each dry run that could pair with
    more than one real run (it pairs with the first; the labels do not tell them apart)."""
    rows = table.to_dicts()
    reals = [r for r in rows if not r["dryrun"]]
    pairs, notes = [], []
    for dry in (r for r in rows if r["dryrun"]):
        key = base_label(dry["strategy"] or "")
        matches = [r for r in reals if key and base_label(r["strategy"] or "") == key]
        if matches:
            pairs.append((matches[0], dry))
        if len(matches) > 1:
            names = ", ".join(r["run"] for r in matches)
            notes.append(
                f"dry run {dry['run']}: {len(matches)} real runs share strategy {key} ({names});"
                f" paired with {matches[0]['run']}"
            )
    return pairs, notes


def dryrun_pairs(table: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Pair each dry run with the real run of the same strategy; add ``dryrun_of`` and diff
    columns. Also returns notes on ambiguous pairings."""
    pairs, notes = _pair_rows(table)
    if not pairs:
        return table, pl.DataFrame(schema=PAIR_SCHEMA), notes
    long_rows = []
    of: dict[str, str] = {}
    diffs: dict[str, dict[str, float | None]] = {}
    for real, dry in pairs:
        of[dry["run"]] = real["run"]
        summary_known = any(real[c] is not None or dry[c] is not None for c in PAIR_COLUMNS[:-1])
        for col in PAIR_COLUMNS[:-1] if summary_known else PAIR_COLUMNS[-1:]:
            r, d = real[col], dry[col]
            if r is None and d is None:
                continue
            diff = d - r if r is not None and d is not None else None
            pct = 100 * diff / r if diff is not None and r else None
            long_rows.append(
                (base_label(dry["strategy"]), real["run"], dry["run"], col, r, d, diff, pct)
            )
            diffs.setdefault(dry["run"], {})[f"{col}_vs_real_mb"] = diff
            diffs[dry["run"]][f"{col}_vs_real_pct"] = pct
    extra_cols = sorted({k for v in diffs.values() for k in v}, key=_pair_col_order)
    table = table.with_columns(
        pl.col("run").replace_strict(of, default=None, return_dtype=pl.String).alias("dryrun_of"),
        *(
            pl.col("run")
            .replace_strict(
                {r: v.get(c) for r, v in diffs.items()}, default=None, return_dtype=pl.Float64
            )
            .alias(c)
            for c in extra_cols
        ),
    )
    return table, pl.DataFrame(long_rows, schema=PAIR_SCHEMA, orient="row"), notes


def _pair_col_order(name: str) -> tuple[int, int]:
    base = name.rsplit("_vs_real_", 1)[0]
    return PAIR_COLUMNS.index(base), 0 if name.endswith("_mb") else 1
