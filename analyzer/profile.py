"""`analyzer profile`'s core: profiler output → a summary of where the step time goes.

``profile_paths(paths)`` reads every recognised file (``profile_load``), then builds: the
per-rank, per-step breakdown (Computing, Communication(Not Overlapped), Overlapped, Free,
Bubble, Stage; absolute and share of the step) grouped by pipeline stage; slow ranks and slow
stages with their dominant cause; top operators by name and by type; the share of
communication; bandwidth per link type and the slowest links; memory peaks per rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from analyzer.errors import InputError
from analyzer.profile_breakdown import (
    rank_rows,
    stage_map,
    stage_table,
    steps_from_trace,
    with_stages,
)
from analyzer.profile_load import ProfileInputs, load_profile
from analyzer.profile_ops import (
    DEVICE_PROCESSES,
    TOP_DEFAULT,
    bandwidth_by_link,
    communication_of_types,
    kernels_from_trace,
    memory_peaks,
    memory_series,
    slow_links,
    top_from_kernels,
    top_from_trace,
    types_from_op_statistic,
)
from analyzer.profile_outliers import judge, slow_units


@dataclass
class ProfileSummary:
    """What ``analyzer profile`` reports; frames may be empty when the input lacks the data."""

    ranks: pl.DataFrame
    stages: pl.DataFrame = field(default_factory=pl.DataFrame)
    slow_ranks: list[dict] = field(default_factory=list)
    slow_stages: list[dict] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    top_operators: pl.DataFrame = field(default_factory=pl.DataFrame)
    top_types: pl.DataFrame = field(default_factory=pl.DataFrame)
    communication: dict[str, Any] = field(default_factory=dict)
    bandwidth: pl.DataFrame = field(default_factory=pl.DataFrame)
    slow_links: pl.DataFrame = field(default_factory=pl.DataFrame)
    memory: pl.DataFrame = field(default_factory=pl.DataFrame)
    memory_timeline: pl.DataFrame = field(default_factory=pl.DataFrame)
    largest_allocations: pl.DataFrame = field(default_factory=pl.DataFrame)
    files: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The profiled run: its short name and its directory.
    run: str = ""
    path: str = ""

    def to_dict(self, top: int = TOP_DEFAULT) -> dict[str, Any]:
        """One run's part of CONTRACT.md "The profile summary" (at most ``top`` operators)."""

        def rows(df: pl.DataFrame) -> list[dict]:
            return [] if df.is_empty() else _round(df).to_dicts()

        out: dict[str, Any] = {
            "ranks": [{k: v for k, v in r.items() if v is not None} for r in rows(self.ranks)],
            "stages": rows(self.stages),
            "slow_ranks": self.slow_ranks,
            "slow_stages": self.slow_stages,
            "findings": self.findings,
        }
        if not self.top_operators.is_empty():
            out["top_operators"] = rows(self.top_operators.head(top))
        if not self.top_types.is_empty():
            out["top_operator_types"] = rows(self.top_types.head(top))
        out.update(
            communication=self.communication,
            bandwidth=rows(self.bandwidth),
            slow_links=rows(self.slow_links),
            memory=rows(self.memory),
            memory_timeline=memory_series(self.memory_timeline),
            largest_allocations=rows(self.largest_allocations),
            files=self.files,
            notes=self.notes,
        )
        return out


#: The per-run lists of the JSON report that become one list with a ``run`` field.
RUN_LISTS = (
    "ranks",
    "stages",
    "slow_ranks",
    "slow_stages",
    "top_operators",
    "top_operator_types",
    "bandwidth",
    "slow_links",
    "memory",
    "memory_timeline",
    "largest_allocations",
    "files",
)


@dataclass
class ProfileReport:
    """One :class:`ProfileSummary` per profiled run (a run directory, else the directory
    holding the profiler directories), and notes about no run in particular."""

    runs: list[ProfileSummary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self, top: int = TOP_DEFAULT) -> dict[str, Any]:
        """``runs`` (name, path, communication, findings, notes of each run) and every list
        of :data:`RUN_LISTS` over all runs, each row with its ``run``."""
        out: dict[str, Any] = {"runs": []}
        for key in RUN_LISTS:
            out[key] = []
        for s in self.runs:
            d = s.to_dict(top)
            out["runs"].append(
                {
                    "run": s.run,
                    "path": s.path,
                    "communication": d["communication"],
                    "findings": d["findings"],
                    "notes": d["notes"],
                }
            )
            for key in RUN_LISTS:
                out[key] += [{"run": s.run, **row} for row in d.get(key, [])]
        if not out["top_operators"]:
            del out["top_operators"]
        out["notes"] = self.notes
        return out


def _round(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col(pl.Float64).round(3))


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if not f.is_empty()]
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _breakdown(inputs: ProfileInputs, summary: ProfileSummary) -> None:
    frames = list(inputs.steps)
    overlap = _concat(inputs.trace_overlap)
    if not overlap.is_empty():
        frames.append(steps_from_trace(overlap))
    ranks = rank_rows(frames)
    if ranks.is_empty() and inputs.trace_totals:
        summary.notes.append(
            "no per-step breakdown: no step_trace_time.csv and no Overlap Analysis in "
            "trace_view.json"
            + (
                " (MindSpore's CPU profiler writes host CPU ops only)"
                if inputs.mindspore_cpu
                else ""
            )
        )
    ranks = with_stages(ranks, stage_map(frames, inputs.stage_groups, ranks))
    summary.ranks = ranks
    summary.stages = stage_table(ranks)
    verdict = judge(ranks, "rank", "rank")
    summary.slow_ranks = slow_units(verdict, "rank")
    summary.findings = verdict.findings
    if not summary.stages.is_empty() and summary.stages["stage"].n_unique() > 1:
        stage_verdict = judge(summary.stages, "stage", "stage")
        summary.slow_stages = slow_units(stage_verdict, "stage")
        summary.findings += stage_verdict.findings


def _operators(inputs: ProfileInputs, summary: ProfileSummary, top: int) -> None:
    try:
        if inputs.kernels:
            kernels = pl.concat(inputs.kernels, how="diagonal_relaxed")
            summary.top_operators, summary.top_types, comm = top_from_kernels(kernels, top)
            comm["source"] = "kernel_details.csv"
        else:
            comm = {}
            totals = _concat(inputs.trace_totals)
            procs = set() if totals.is_empty() else set(totals["process"].to_list())
            device = next((p for p in DEVICE_PROCESSES if p in procs), None)
            if device is not None:
                hw = kernels_from_trace(totals)
                summary.top_operators, summary.top_types, comm = top_from_trace(hw, top)
                comm["source"] = f"trace_view.json ({device})"
    except pl.exceptions.PolarsError as exc:
        summary.notes.append(f"kernel data skipped ({str(exc).splitlines()[0][:200]})")
        comm = {}
    if summary.top_operators.is_empty():
        summary.top_operators = pl.DataFrame()
    if summary.top_types.is_empty() and inputs.op_stats:
        every_type = types_from_op_statistic(_concat(inputs.op_stats), limit=1 << 40)
        summary.top_types = every_type.head(top)
        if not comm:
            comm = communication_of_types(every_type)
    summary.communication = comm


def _communication(inputs: ProfileInputs, summary: ProfileSummary) -> None:
    ops = _concat(inputs.comm_ops)
    if not ops.is_empty():
        per_rank = ops.group_by("rank").agg(
            pl.len().alias("ops"),
            pl.col("elapse_ms").sum(),
            pl.col("wait_ms").sum(),
            pl.col("transit_ms").sum(),
        )
        summary.communication["per_rank"] = _round(per_rank.sort("rank")).to_dicts()
    summary.bandwidth = bandwidth_by_link(_concat(inputs.bandwidth))
    matrix = _concat(inputs.matrix)
    summary.slow_links = slow_links(matrix)
    links = summary.slow_links
    if not links.is_empty() and links["group"].null_count() < links.height:
        summary.notes.append(
            "slowest links: ranks are local to each communication group "
            "(a rank's communication_matrix.json)"
        )


def _memory(inputs: ProfileInputs, summary: ProfileSummary) -> None:
    memory = _concat(inputs.memory)
    summary.memory = memory_peaks(memory)
    summary.memory_timeline = memory
    op_mem = _concat(inputs.op_memory)
    if not op_mem.is_empty():
        summary.largest_allocations = op_mem.sort("size_mb", descending=True, nulls_last=True).head(
            10
        )


def summarize(inputs: ProfileInputs, top: int = TOP_DEFAULT) -> ProfileSummary:
    """One profiled run's summary."""
    summary = ProfileSummary(
        ranks=pl.DataFrame(),
        files=inputs.files,
        notes=list(inputs.notes),
        run=inputs.name,
        path=str(inputs.path),
    )
    _breakdown(inputs, summary)
    _operators(inputs, summary, top)
    _communication(inputs, summary)
    _memory(inputs, summary)
    return summary


def profile_paths(paths: list[str | Path], top: int = TOP_DEFAULT) -> ProfileReport:
    """Read the profiler output under ``paths`` and summarise each profiled run (at most
    ``top`` operators and operator types each).

    InputError when a path is missing or nothing readable was found.
    """
    loaded = load_profile(paths)
    runs = [r for r in loaded.runs if r.files]
    if not runs:
        notes = loaded.notes + [n for r in loaded.runs for n in r.notes]
        why = "; ".join(notes[:3])
        raise InputError(
            f"{', '.join(str(p) for p in paths)}: no profiler output found"
            + (f" ({why})" if why else "")
        )
    notes = loaded.notes + [n for r in loaded.runs if not r.files for n in r.notes]
    return ProfileReport([summarize(r, top) for r in runs], notes)
