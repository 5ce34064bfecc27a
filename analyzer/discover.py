"""Paths → runs and their rank files (CONTRACT.md "Runs").

- a directory holding ``msrun_log/`` or ``worker_*.log`` is a run named after the directory;
  its ranks are ``msrun_log/worker_N.log`` / ``worker_N.log`` plus ``scheduler.log`` (rank None);
- a directory holding ``rank_N/`` subdirectories with ``*.log`` files (MindFormers' output) is a run;
- a directory with a ``run.json`` (``analyzer launch``) is a run; its logs are where ``logs`` says;
- a directory whose subdirectories are runs is a group of runs; loose ``*.log`` / ``*.out`` files in
  a directory that is not a run are runs of their own;
- a single file is a run named after its stem, its rank from its name or, failing that, from its
  line prefixes (decided by the parser), else 0;
- profiler directories (``*_ascend_ms``, ``*_ascend_pt``, ``ASCEND_PROFILER_OUTPUT``,
  ``cluster_analysis_output``) inside a run belong to it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.errors import InputError
from parsers.prefix import rank_from_name

_WORKER = re.compile(r"^worker_([0-9]+)\.log$")
_RANK_DIR = re.compile(r"^rank_?([0-9]+)$")
_LOG_SUFFIXES = (".log", ".out")
_SKIP_DIRS = {".git", ".venv", "__pycache__", "node_modules", ".hypothesis", ".pytest_cache"}
_MAX_DEPTH = 6


def is_profiler_dir(name: str) -> bool:
    return name.endswith(("_ascend_ms", "_ascend_pt")) or name in (
        "ASCEND_PROFILER_OUTPUT",
        "cluster_analysis_output",
    )


@dataclass(frozen=True)
class RankFile:
    """One log file of a run; ``rank`` None for the scheduler or when unknown."""

    path: Path
    rank: int | None


@dataclass
class Run:
    """A training job: its name, its directory (or file) and its rank files."""

    name: str
    path: Path
    files: list[RankFile] = field(default_factory=list)
    profiler_dirs: list[Path] = field(default_factory=list)
    group: str | None = None

    @property
    def is_dir(self) -> bool:
        return self.path.is_dir()


def _worker_files(directory: Path) -> list[RankFile]:
    files: list[RankFile] = []
    for sub in (directory / "msrun_log", directory):
        if not sub.is_dir():
            continue
        for entry in sorted(sub.iterdir()):
            m = _WORKER.match(entry.name)
            if m and entry.is_file():
                files.append(RankFile(entry, int(m.group(1))))
            elif entry.name == "scheduler.log" and entry.is_file():
                files.append(RankFile(entry, None))
    return sorted(files, key=lambda f: (f.rank is None, f.rank or 0, str(f.path)))


def _rank_dir_files(directory: Path) -> list[RankFile]:
    files: list[RankFile] = []
    for entry in sorted(directory.iterdir()):
        m = _RANK_DIR.match(entry.name)
        if m and entry.is_dir():
            rank = int(m.group(1))
            files.extend(
                RankFile(f, rank)
                for f in sorted(entry.iterdir())
                if f.is_file() and f.suffix in _LOG_SUFFIXES
            )
    return files


def run_record(directory: Path) -> dict:
    """The ``run.json`` of a run started by ``analyzer launch`` ({} for any other directory, or
    when it cannot be read): the one reader of it."""
    import json

    try:
        record = json.loads((directory / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _launched_logs(directory: Path, record: dict) -> list[RankFile]:
    """A launched run's logs where its ``run.json`` (``record``) says (``logs``: a directory or
    a file, relative to the run directory or absolute): worker logs, ``rank_N/`` or loose logs."""
    logs = record.get("logs")
    if not isinstance(logs, str) or not logs:
        return []
    where = directory / logs
    if where.is_file():
        return [RankFile(where, rank_from_name(where.name) or 0)]
    if not where.is_dir() or where.resolve() == directory.resolve():
        return []
    loose = [
        RankFile(f, rank_from_name(f.name) or 0)
        for f in sorted(where.iterdir())
        if f.is_file() and f.suffix in _LOG_SUFFIXES
    ]
    return _worker_files(where) or _rank_dir_files(where) or loose


def _launched_console(directory: Path, record: dict) -> list[RankFile]:
    """A run started by ``analyzer launch`` (``run.json``) whose launcher writes no log files of
    its own (``logs`` null): its ``console.log`` is its log. For msrun runs it is not (msrun
    echoes the worker logs there: reading it too would count every line twice)."""
    console = directory / "console.log"
    if record and not record.get("logs") and console.is_file():
        return [RankFile(console, 0)]
    return []


def is_run_dir(directory: Path) -> bool:
    """A directory that is one run (msrun layout, loose worker logs, rank_N dirs, or a run
    started by ``analyzer launch``, recognised by its ``run.json`` even before any log exists)."""
    if (directory / "msrun_log").is_dir() or (directory / "run.json").is_file():
        return True
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    if any(_WORKER.match(n) for n in names):
        return True
    return any(_RANK_DIR.match(n) and (directory / n).is_dir() for n in names) and bool(
        _rank_dir_files(directory)
    )


def _profiler_dirs(directory: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, _files in os.walk(directory):
        depth = Path(root).relative_to(directory).parts
        if len(depth) > _MAX_DEPTH:
            dirs[:] = []
            continue
        for d in list(dirs):
            if is_profiler_dir(d):
                found.append(Path(root) / d)
                dirs.remove(d)
            elif d in _SKIP_DIRS or d.startswith("."):
                dirs.remove(d)
    return sorted(found)


def run_from_dir(directory: Path, group: str | None = None) -> Run:
    record = run_record(directory)
    files = (
        _launched_logs(directory, record)
        or _worker_files(directory)
        or _rank_dir_files(directory)
        or _launched_console(directory, record)
    )
    return Run(directory.name, directory, files, _profiler_dirs(directory), group)


def run_from_file(path: Path, group: str | None = None) -> Run:
    rank = rank_from_name(path.name)
    # CONTRACT: rank from the name, else from line prefixes (the parser), else 0.
    return Run(path.stem, path, [RankFile(path, 0 if rank is None else rank)], [], group)


def _scan(directory: Path, depth: int, group: str | None, out: list[Run]) -> None:
    if is_run_dir(directory):
        if depth and directory.name == "msrun_log":
            # Its parent was looked at before msrun_log existed (a launcher creating the run as
            # we scan): the run is the parent, as it will be on every later scan.
            parent = directory.parent
            out.append(run_from_dir(parent, parent.parent.name if depth > 1 else None))
        else:
            out.append(run_from_dir(directory, group))
        return
    if depth > _MAX_DEPTH:
        return
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise InputError(f"{directory}: cannot list directory ({exc.strerror})") from None
    for entry in entries:
        if entry.name.startswith(".") or entry.name in _SKIP_DIRS:
            continue
        if entry.is_dir() and not is_profiler_dir(entry.name):
            _scan(entry, depth + 1, directory.name, out)
        elif entry.is_file() and entry.suffix in _LOG_SUFFIXES:
            out.append(run_from_file(entry, directory.name))


def _unique_names(runs: list[Run]) -> None:
    """Runs with the same name get their parent directory's name in front."""
    seen: dict[str, int] = {}
    for run in runs:
        seen[run.name] = seen.get(run.name, 0) + 1
    for run in runs:
        if seen[run.name] > 1:
            run.name = f"{run.path.parent.name}/{run.name}"


def discover(paths: list[str | Path]) -> list[Run]:
    """Every run under the given paths; a missing or unreadable path is an InputError."""
    runs: list[Run] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: no such file or directory")
        if path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                raise InputError(f"{raw}: permission denied")
            _scan(path, 0, None, runs)
        elif path.is_file():
            if not os.access(path, os.R_OK):
                raise InputError(f"{raw}: permission denied")
            runs.append(run_from_file(path))
        else:
            raise InputError(f"{raw}: not a regular file or directory")
    runs = _without_repeats(runs)
    _unique_names(runs)
    return runs


def _without_repeats(runs: list[Run]) -> list[Run]:
    """Each run once, when paths repeat or nest (``parse a a``, ``parse group group/run``):
    a run whose directory, or every one of whose files, an earlier run holds is dropped."""
    seen_runs: set[Path] = set()
    seen_files: set[Path] = set()
    out: list[Run] = []
    for run in runs:
        where = run.path.resolve()
        files = {rf.path.resolve() for rf in run.files}
        if where in seen_runs or (files and files <= seen_files):
            continue
        seen_runs.add(where)
        seen_files |= files
        out.append(run)
    return out


def may_hold_logs(path: str) -> bool:
    """Whether a file appearing or changing at ``path`` can change what discovery finds (a log
    or a launcher's ``run.json``); tensorboard events, checkpoints and profiler output cannot."""
    name = os.path.basename(path)
    return name.endswith(_LOG_SUFFIXES) or name == "run.json"
