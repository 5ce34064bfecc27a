"""Finding and opening profiler files; the pure readers in ``parsers.profiler`` do the rest.

A PATH may be a run directory (its ``Run.profiler_dirs``), a profiler directory
(``*_ascend_pt``, ``*_ascend_ms``, ``ASCEND_PROFILER_OUTPUT``), msprof-analyze's
``cluster_analysis_output``, any directory holding those, or a single file. Files are
recognised by name; unknown or unreadable files are skipped with a note.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from analyzer.discover import is_run_dir, run_from_dir
from analyzer.errors import InputError
from parsers.profiler import rank_from_info

#: (kind, pattern on the file name); first match wins, so cluster_* come first.
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("cluster_step_trace", r"cluster_step_trace_time.*\.csv$"),
        ("cluster_matrix", r"cluster_communication_matrix.*\.json$"),
        ("cluster_communication", r"cluster_communication.*\.json$"),
        ("step_trace", r"step_trace_time.*\.csv$"),
        ("kernels", r"kernel_details.*\.csv$"),
        ("op_statistic", r"(op_statistic|cpu_op_type_info).*\.csv$"),
        ("matrix", r"communication_matrix.*\.json$"),
        ("communication", r"communication.*\.json$"),
        ("memory_record", r"memory_record.*\.(csv|txt)$"),
        ("operator_memory", r"operator_memory.*\.csv$"),
        ("trace", r"(trace_view|msprof_\d*).*\.json$"),
        ("info", r"profiler_info.*\.json$"),
        ("metadata", r"profiler_metadata.*\.json$"),
    )
)
_RANK_IN_DIR = re.compile(r"(?i)(?:^|[_-])rank[_-]?(\d+)(?:$|[_-])")
_SKIP = {".git", ".venv", "__pycache__", "node_modules"}
_MAX_DEPTH = 8
CHUNK = 32 << 20


@dataclass(frozen=True)
class ProfileFile:
    """One recognised profiler file, with the rank it belongs to when known."""

    kind: str
    path: Path
    rank: int | None
    #: The profiled run it belongs to (see :func:`run_of`); files of different runs never mix.
    run: Path = Path(".")


@dataclass
class Found:
    files: list[ProfileFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def kind_of(name: str) -> str | None:
    for kind, pattern in KINDS:
        if pattern.search(name):
            return kind
    return None


def _sniff_json(path: Path) -> str | None:
    """An unknown .json given on the command line: a trace event array or object?"""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).lstrip()
    except OSError:
        return None
    if head.startswith(b"[") or b'"traceEvents"' in head:
        return "trace"
    return None


def owner_dir(path: Path) -> Path:
    """The profiler directory a file belongs to (``*_ascend_pt``, else its parent)."""
    for parent in path.parents:
        if parent.name.endswith(("_ascend_pt", "_ascend_ms")):
            return parent
    parent = path.parent
    return parent.parent if parent.name in ("ASCEND_PROFILER_OUTPUT", "FRAMEWORK") else parent


def profiler_root(path: Path) -> Path:
    """The directory holding the profiler directory of ``path`` (``*_ascend_pt``, a directory
    with ASCEND_PROFILER_OUTPUT, ``cluster_analysis_output``): where one profiled run's ranks
    sit side by side; a loose file's own directory otherwise."""
    owner = owner_dir(path)
    if (
        owner.name.endswith(("_ascend_pt", "_ascend_ms"))
        or owner.name == "cluster_analysis_output"
        or path.parent.name in ("ASCEND_PROFILER_OUTPUT", "FRAMEWORK")
    ):
        return owner.parent
    return owner


def run_of(path: Path, top: Path | None, cache: dict[Path, bool]) -> Path:
    """The profiled run of a file: the nearest run directory (msrun_log, worker logs,
    run.json) at or under ``top`` (the PATH given), else its :func:`profiler_root`."""
    root = profiler_root(path)
    if top is not None:
        for parent in (path.parent, *path.parent.parents):
            if parent not in cache:
                cache[parent] = is_run_dir(parent)
            if cache[parent]:
                return parent
            if parent == top:
                break
    return root


def _read_json(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read())
    except (OSError, ValueError) as exc:
        raise ValueError(f"not readable JSON ({exc.__class__.__name__})") from None


_MS_CPU_FILE = re.compile(
    r"^cpu_(?:op_type_info|op_detail_info|framework|ms_memory_record)_(\d+)\."
)


def _rank_of_framework(directory: Path) -> int | None:
    """MindSpore's CPU profiler writes no profiler_info; its FRAMEWORK/cpu_*_N files name N."""
    try:
        names = sorted(os.listdir(directory / "FRAMEWORK"))
    except OSError:
        return None
    for name in names:
        m = _MS_CPU_FILE.match(name)
        if m:
            return int(m.group(1))
    return None


def is_mindspore_cpu(directory: Path) -> bool:
    """A MindSpore profiler directory with host CPU op files (FRAMEWORK/cpu_op_*)."""
    return any((directory / "FRAMEWORK").glob("cpu_op_*"))


def _rank_of_dir(directory: Path, cache: dict[Path, int | None]) -> int | None:
    if directory in cache:
        return cache[directory]
    rank = None
    for info in sorted(directory.glob("profiler_info*.json")):
        try:
            rank = rank_from_info(_read_json(info), info.name)
        except ValueError:
            rank = rank_from_info(None, info.name)
        if rank is not None:
            break
    if rank is None:
        rank = _rank_of_framework(directory)
    if rank is None:
        for part in (directory.name, directory.parent.name):
            m = _RANK_IN_DIR.search(part)
            if m:
                rank = int(m.group(1))
                break
    cache[directory] = rank
    return rank


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirs, files in os.walk(root):
        depth = len(Path(dirpath).relative_to(root).parts)
        # PROF_* holds msprof's raw data and copies of what ASCEND_PROFILER_OUTPUT has
        has_output = "ASCEND_PROFILER_OUTPUT" in dirs
        dirs[:] = (
            []
            if depth >= _MAX_DEPTH
            else sorted(
                d
                for d in dirs
                if not d.startswith(".")
                and d not in _SKIP
                and not (has_output and d.startswith("PROF_"))
            )
        )
        for name in sorted(files):
            yield Path(dirpath) / name


def _roots(path: Path) -> list[Path]:
    if is_run_dir(path):
        return run_from_dir(path).profiler_dirs or [path]
    return [path]


def find_files(paths: list[str | Path]) -> Found:
    """Every recognised profiler file under the paths (InputError for a missing path)."""
    found, ranks, runs = Found(), {}, {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: no such file or directory")
        if path.is_file():
            kind = kind_of(path.name) or (_sniff_json(path) if path.suffix == ".json" else None)
            if kind is None:
                found.notes.append(f"{path}: not a profiler file this tool reads; skipped")
                continue
            rank = _rank_of_dir(owner_dir(path), ranks)
            found.files.append(ProfileFile(kind, path, rank, run_of(path, None, runs)))
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            raise InputError(f"{raw}: permission denied")
        for root in _roots(path):
            for file in _walk(root):
                kind = kind_of(file.name)
                if kind is not None:
                    rank = _rank_of_dir(owner_dir(file), ranks)
                    found.files.append(ProfileFile(kind, file, rank, run_of(file, path, runs)))
    seen: set[Path] = set()
    unique = []
    for f in found.files:
        key = f.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    found.files = unique
    return found


def read_text_csv(path: Path) -> pl.DataFrame:
    """A profiler CSV with every column as text (cells carry N/A, TABs, quotes)."""
    return scan_text_csv(path).collect()


def scan_text_csv(path: Path) -> pl.LazyFrame:
    lf = pl.scan_csv(
        path,
        infer_schema=False,
        truncate_ragged_lines=True,
        encoding="utf8-lossy",
        raise_if_empty=False,
    )
    names = lf.collect_schema().names()
    renamed = {n: n.replace("\ufeff", "").strip() for n in names}
    return lf.rename(renamed) if any(k != v for k, v in renamed.items()) else lf


def read_json(path: Path) -> Any:
    return _read_json(path)


def iter_chunks(path: Path, size: int = CHUNK) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def profile_signature(paths: list[str | Path]) -> tuple:
    """What changes when profiler files appear, grow or are rewritten under ``paths``
    (names, sizes, mtimes): a screen re-reads only when this changes."""
    try:
        found = find_files(paths)
    except InputError as exc:
        return (str(exc),)
    out: list[tuple] = []
    for f in found.files:
        try:
            st = f.path.stat()
            out.append((str(f.path), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(f.path), -1, -1))
    return tuple(out)
