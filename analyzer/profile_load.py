"""Reading every recognised profiler file into frames (``profile_io`` finds and opens them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from analyzer.profile_io import (
    ProfileFile,
    find_files,
    is_mindspore_cpu,
    iter_chunks,
    owner_dir,
    read_json,
    read_text_csv,
    scan_text_csv,
)
from parsers.profiler import (
    TraceAccumulator,
    communication_frames,
    fast_ndjson,
    frames_from_pieces,
    iter_trace_pieces,
    kernel_frame,
    matrix_frame,
    memory_record_frame,
    op_statistic_frame,
    operator_memory_frame,
    stage_groups_from_metadata,
    step_trace_frame,
)


@dataclass
class ProfileInputs:
    """Everything read, as frames; lists because each file contributes its own."""

    steps: list[pl.DataFrame] = field(default_factory=list)
    kernels: list[pl.LazyFrame] = field(default_factory=list)
    op_stats: list[pl.DataFrame] = field(default_factory=list)
    comm_ops: list[pl.DataFrame] = field(default_factory=list)
    bandwidth: list[pl.DataFrame] = field(default_factory=list)
    matrix: list[pl.DataFrame] = field(default_factory=list)
    memory: list[pl.DataFrame] = field(default_factory=list)
    op_memory: list[pl.DataFrame] = field(default_factory=list)
    trace_overlap: list[pl.DataFrame] = field(default_factory=list)
    trace_totals: list[pl.DataFrame] = field(default_factory=list)
    stage_groups: list[list[int]] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The profiled run (its directory) and the name it is shown by.
    path: Path = Path(".")
    name: str = ""
    #: A MindSpore profiler directory with host CPU op files only (FRAMEWORK/cpu_op_*).
    mindspore_cpu: bool = False


@dataclass
class ProfileLoad:
    """Every profiled run under the paths (in path order), and notes about no run."""

    runs: list[ProfileInputs] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _read_trace(f: ProfileFile, into: ProfileInputs) -> None:
    acc, notes = TraceAccumulator(), []
    pieces = ((p, fast_ndjson(p)) for p in iter_trace_pieces(iter_chunks(f.path), notes))
    for frame in frames_from_pieces(pieces, notes):
        acc.add(frame)
    into.notes.extend(f"{f.path}: {n}" for n in notes)
    rank = pl.lit(f.rank, pl.Int64).alias("rank")
    into.trace_overlap.append(acc.overlap_by_step().with_columns(rank))
    into.trace_totals.append(acc.totals().with_columns(rank))


def _read_one(f: ProfileFile, into: ProfileInputs) -> None:
    kind = f.kind
    if kind in ("step_trace", "cluster_step_trace"):
        into.steps.append(step_trace_frame(read_text_csv(f.path), f.rank))
    elif kind == "kernels":
        into.kernels.append(kernel_frame(scan_text_csv(f.path), f.rank))
    elif kind == "op_statistic":
        into.op_stats.append(op_statistic_frame(read_text_csv(f.path), f.rank))
    elif kind in ("communication", "cluster_communication"):
        ops, bw = communication_frames(read_json(f.path), f.rank)
        into.comm_ops.append(ops)
        into.bandwidth.append(bw)
    elif kind in ("matrix", "cluster_matrix"):
        into.matrix.append(
            matrix_frame(read_json(f.path)).with_columns(
                pl.lit(kind == "cluster_matrix").alias("global_ranks")
            )
        )
    elif kind == "memory_record":
        into.memory.append(memory_record_frame(read_text_csv(f.path), f.rank))
    elif kind == "operator_memory":
        into.op_memory.append(operator_memory_frame(read_text_csv(f.path), f.rank))
    elif kind == "trace":
        _read_trace(f, into)
    elif kind == "metadata":
        for group in stage_groups_from_metadata(read_json(f.path)):
            if group not in into.stage_groups:
                into.stage_groups.append(group)


def _number_unknown_ranks(files: list[ProfileFile], notes: list[str]) -> list[ProfileFile]:
    """Files whose rank is unknown get one number per directory, after the known ranks."""
    known = {f.rank for f in files if f.rank is not None}
    cluster = {"cluster_step_trace", "cluster_communication", "cluster_matrix", "metadata", "info"}
    dirs: dict[Path, int] = {}
    out = []
    for f in files:
        if f.rank is None and f.kind not in cluster:
            if owner_dir(f.path) not in dirs:
                n = 0
                while n in known or n in dirs.values():
                    n += 1
                dirs[owner_dir(f.path)] = n
                notes.append(
                    f"{owner_dir(f.path)}: rank unknown (no profiler_info_N.json); numbered {n}"
                )
            f = ProfileFile(f.kind, f.path, dirs[owner_dir(f.path)], f.run)
        out.append(f)
    return out


def _read_run(files: list[ProfileFile], into: ProfileInputs) -> None:
    for f in _number_unknown_ranks(files, into.notes):
        try:
            _read_one(f, into)
        except (ValueError, OSError, pl.exceptions.PolarsError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            into.notes.append(f"{f.path}: skipped ({msg[:200]})")
            continue
        into.files.append({"kind": f.kind, "path": str(f.path), "rank": f.rank})
    into.mindspore_cpu = any(is_mindspore_cpu(owner_dir(f.path)) for f in files)


def run_names(paths: list[Path]) -> list[str]:
    """Short names for the runs: the directory name, or (when two share a name) the path
    below their common ancestor."""
    resolved = [p.resolve() for p in paths]
    names = [p.name or str(p) for p in resolved]
    if len(set(names)) == len(names):
        return names
    common = Path(os.path.commonpath(resolved)) if len(resolved) > 1 else resolved[0].parent
    return [str(p.relative_to(common)) if p != common else str(p) for p in resolved]


def load_profile(paths: list[str | Path]) -> ProfileLoad:
    """Find and read every profiler file under the paths, one :class:`ProfileInputs` per
    profiled run (so two runs' rank 0 never mix); bad files become notes."""
    found = find_files(paths)
    by_run: dict[Path, list[ProfileFile]] = {}
    for f in found.files:
        by_run.setdefault(f.run, []).append(f)
    out = ProfileLoad(notes=list(found.notes))
    for (path, files), name in zip(by_run.items(), run_names(list(by_run)), strict=True):
        into = ProfileInputs(path=path, name=name)
        _read_run(files, into)
        out.runs.append(into)
    return out
