"""Bookkeeping of the bulk path's vectorised rows: which candidates survived the strict
checks, which rows fall inside the runs the walk took whole, the steps timers belong to, and
the canonical columns the records get (as :class:`parsers.FileParser` stamps them)."""

from __future__ import annotations

import polars as pl

from analyzer.fastparse_vec import ITERATION, PYTHON
from parsers import SCHEMAS, FileParser


class RunInfo:
    """Per-candidate lookups the walk needs at run ends (built lazily, once per chunk)."""

    def __init__(self, n: int, kinds: pl.Series, shapes: dict[int, pl.DataFrame]) -> None:
        rank = pl.Series([None] * n, dtype=pl.Int64)
        step = pl.Series([None] * n, dtype=pl.Int64)
        for frame in shapes.values():
            first = frame.unique("row", keep="first", maintain_order=True)
            rank = rank.scatter(first["row"], first["prefix_rank"])
        it = shapes[ITERATION]
        step = step.scatter(it["row"], it["step"])
        pos = pl.Series([None] * n, dtype=pl.Int64).scatter(it["row"], it["row"].cast(pl.Int64))
        self.ranks: list[int | None] = rank.to_list()
        self._claimed = (kinds != PYTHON).cast(pl.Int64).cum_sum().to_list()
        self._step = step.forward_fill().to_list()
        self._pos = pos.forward_fill().to_list()

    def claimed(self, a: int, b: int) -> int:
        """How many candidates in [a, b) a vectorised shape claimed."""
        return self._claimed[b - 1] - (self._claimed[a - 1] if a else 0)

    def last_step(self, a: int, b: int) -> int | None:
        """The step of the last iteration line among candidates [a, b), if any."""
        pos = self._pos[b - 1]
        return self._step[b - 1] if pos is not None and pos >= a else None


def final_kinds(n: int, shapes: dict[int, pl.DataFrame]) -> pl.Series:
    """Shapes that survived the strict checks; the rest go to Python."""
    kinds = pl.Series([PYTHON] * n, dtype=pl.Int8)
    for kind, frame in shapes.items():
        rows = frame["row"].unique()
        kinds = kinds.scatter(rows, pl.Series([kind] * len(rows), dtype=pl.Int8))
    return kinds


def in_runs(frame: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """Rows of ``frame`` inside a taken run, with the run's index, ``key`` and ``init`` (runs
    are sorted and disjoint, so a binary search finds each row's run)."""
    run = table["a"].search_sorted(frame["row"], side="right").cast(pl.Int64) - 1
    got = frame.with_columns(run=run).filter(pl.col("run") >= 0)
    got = got.with_columns(
        key=table["key"].gather(got["run"]),
        init=table["init"].gather(got["run"]),
        start=table["a"].gather(got["run"]),
        end=table["b"].gather(got["run"]),
    )
    return got.filter(pl.col("row") < pl.col("end")).drop("end")


def timer_steps(timers: pl.DataFrame, its: pl.DataFrame) -> pl.Series:
    """Each taken timer row's step: that of the last iteration line before it in its run, else
    the run's starting value (the Megatron parser's last step when the run began)."""
    rows = its["row"]  # taken iteration lines, in line order
    pos = rows.search_sorted(timers["row"], side="left").cast(pl.Int64) - 1
    safe = pos.clip(lower_bound=0)
    before = pl.DataFrame(
        {"pos": pos, "row": rows.gather(safe) if len(rows) else pos, "start": timers["start"]}
    )
    inside = before.select((pl.col("pos") >= 0) & (pl.col("row") >= pl.col("start"))).to_series()
    steps = its["step"].gather(safe) if len(rows) else pl.Series([None] * len(pos), dtype=pl.Int64)
    return pl.select(pl.when(inside).then(steps).otherwise(timers["init"])).to_series()


def canonical(kind: str, got: pl.DataFrame, fp: FileParser) -> pl.DataFrame:
    """Vectorised rows → the kind's schema (+ ``key``), stamped as FileParser stamps records."""
    schema = SCHEMAS[kind]
    rank = pl.col("prefix_rank").fill_null(pl.lit(fp.rank, pl.Int64))
    if "rank" in got.columns:  # a rank the line names wins over its prefix
        rank = pl.col("rank").fill_null(rank)
    cols = {
        "run": pl.lit(fp.run, pl.String),
        "source": pl.lit(fp.source, pl.String),
        "rank": rank,
    }
    exprs = [
        (cols[name] if name in cols else pl.col(name) if name in got.columns else pl.lit(None))
        .cast(dtype)
        .alias(name)
        for name, dtype in schema.items()
    ]
    return got.select(*exprs, pl.col("key"))
