"""The runs directory: one ``<variant>-<YYYYmmdd-HHMMSS>/`` per launched run, each with ``run.json``.

``run.json`` is rewritten atomically (temp file + rename, under an flock on ``.run.lock``) on
every change: ``status`` (queued, running, finished, failed, stopped, lost), ``pid``/``pgid`` and
the pid's start time (to tell a reused pid apart), the supervising process, the command, the
environment diff, start and end times, the exit code and the host. Reconciliation marks a run
``lost`` when its process and its supervisor are gone and no exit code was recorded.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from analyzer.atomic import atomic_write_text
from analyzer.errors import InputError

RUN_FILE = "run.json"
# Every process of a run inherits this variable (msrun puts each worker in a session of its own,
# so the process group alone does not find them): its value is the run directory.
RUN_ENV = "ANALYZER_RUN_DIR"
LOCK_FILE = ".run.lock"
ACTIVE = ("queued", "running")
TERMINAL = ("finished", "failed", "stopped", "lost")


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def new_run_dir(runs_dir: Path, variant: str, stamp: str | None = None) -> Path:
    """Create ``runs_dir/<variant>-<stamp>/``, adding ``-2``, ``-3``... if it exists."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
    base = runs_dir / f"{variant}-{stamp}"
    path, n = base, 1
    while True:
        try:
            path.mkdir()
            return path
        except FileExistsError:
            n += 1
            path = Path(f"{base}-{n}")


@contextlib.contextmanager
def _locked(run_dir: Path) -> Iterator[None]:
    with open(run_dir / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_run(run_dir: Path) -> dict[str, Any]:
    """The run's record; an unreadable one is an InputError naming the file."""
    path = Path(run_dir) / RUN_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (not a launched run)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: unreadable run record ({exc})") from None


def _write(run_dir: Path, record: dict[str, Any]) -> None:
    atomic_write_text(run_dir / RUN_FILE, json.dumps(record, indent=2) + "\n", force=True)


def create_run(run_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Write the first ``run.json`` of a run (status queued unless given)."""
    full = {"status": "queued", "host": socket.gethostname(), "created": now_iso(), **record}
    with _locked(run_dir):
        _write(run_dir, full)
    return full


def update_run(run_dir: Path, **changes: Any) -> dict[str, Any]:
    """Read-modify-write ``run.json`` under the lock; returns the new record."""
    with _locked(run_dir):
        record = read_run(run_dir)
        record.update(changes)
        _write(run_dir, record)
    return record


def pid_start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = data[data.rfind(")") + 2 :].split()
    if fields and fields[0] == "Z":
        return None  # a zombie has finished
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def pid_alive(pid: int | None, start_time: int | None = None) -> bool:
    """True when ``pid`` runs (not a zombie) and, if given, started at ``start_time``."""
    if not pid:
        return False
    started = pid_start_time(int(pid))
    if started is None:
        return False
    return start_time is None or started == start_time


def _stat_fields(pid: str) -> list[str]:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        data = fh.read().decode("ascii", "replace")
    return data[data.rfind(")") + 2 :].split()


def _has_tag(pid: str, tag: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return tag in b"\0" + fh.read()
    except OSError:
        return False


def run_members(run_dir: Path | None, pgid: int | None) -> dict[int, int]:
    """Live processes of a run, pid → process group: those in its group and those carrying
    ``ANALYZER_RUN_DIR=<run_dir>`` in their environment (zombies excluded)."""
    tag = f"\0{RUN_ENV}={Path(run_dir).resolve()}\0".encode() if run_dir else None
    members: dict[int, int] = {}
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry == me:
            continue
        try:
            fields = _stat_fields(entry)
        except OSError:
            continue
        if len(fields) < 3 or fields[0] == "Z":
            continue
        if (pgid and fields[2] == str(pgid)) or (tag and _has_tag(entry, tag)):
            members[int(entry)] = int(fields[2])
    return members


def group_members(pgid: int) -> list[int]:
    """Pids (zombies excluded) whose process group is ``pgid``."""
    return sorted(run_members(None, pgid))


def reconcile(run_dir: Path, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """Mark a run ``lost`` when nobody is left to record its end (same host only)."""
    record = record if record is not None else read_run(run_dir)
    if record.get("status") not in ACTIVE or record.get("host") != socket.gethostname():
        return record
    supervisor = pid_alive(record.get("supervisor_pid"), record.get("supervisor_start"))
    if supervisor:
        return record
    if record.get("status") == "running":
        alive = pid_alive(record.get("pid"), record.get("pid_start"))
        if alive or run_members(run_dir, record.get("pgid")):
            return record
        note = "its process ended while no supervisor was watching; exit code unknown"
    else:
        note = "its supervisor went away before starting it"
    return update_run(run_dir, status="lost", end=now_iso(), note=note)


def _subdirs(directory: Path) -> list[Path]:
    try:
        return sorted(d for d in directory.iterdir() if d.is_dir() and not d.name.startswith("."))
    except OSError:
        return []


def run_dirs(runs_dir: Path) -> list[Path]:
    """The run directories in ``runs_dir`` and one level further down (``analyzer demo``'s
    ``analyzer-demo/<timestamp>/<run>/``)."""
    out: list[Path] = []
    for child in _subdirs(runs_dir):
        if (child / RUN_FILE).is_file():
            out.append(child)
        else:
            out.extend(d for d in _subdirs(child) if (d / RUN_FILE).is_file())
    return out


def _epoch(stamp: object) -> float:
    try:
        return time.mktime(time.strptime(str(stamp)[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return 0.0


def _order(item: tuple[Path, dict[str, Any]]) -> tuple:
    """By start time (created time for a run that never started), queued ones last."""
    path, rec = item
    queued = rec.get("status") == "queued"
    started = rec.get("started_at")
    when = float(started) if isinstance(started, int | float) else _epoch(rec.get("created"))
    return (queued, when, str(path))


def list_runs(runs_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every launched run under ``runs_dir`` (reconciled), by start time, queued ones last."""
    out: list[tuple[Path, dict[str, Any]]] = []
    for child in run_dirs(runs_dir):
        try:
            out.append((child, reconcile(child)))
        except InputError:
            continue
    out.sort(key=_order)
    return out


def find_run(name: str, runs_dir: Path) -> Path:
    """A run by directory path, by directory name, or by variant (its newest run)."""
    path = Path(name)
    if (path / RUN_FILE).is_file():
        return path
    if (runs_dir / name / RUN_FILE).is_file():
        return runs_dir / name
    matches = [p for p, rec in list_runs(runs_dir) if rec.get("variant") == name]
    if matches:
        return matches[-1]
    raise InputError(f"{name}: no such run in {runs_dir} (see `analyzer runs --runs-dir DIR`)")
