"""Starting, waiting for and stopping one run: a process group per run, its console captured.

Each run starts in a new session (``start_new_session=True``), so its pid is its process-group
id: msrun, its scheduler and every worker share it, and stopping the run signals the whole group
(SIGTERM, then SIGKILL after a grace period). The launcher's own stdout and stderr go to
``console.log`` in the run directory; msrun's worker logs go to ``msrun_log/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.launch import registry
from analyzer.launch.command import plan, resolve_port
from analyzer.launch.spec import Spec, Variant

CONSOLE = "console.log"
RESOLVED = "spec.resolved.toml"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def toml_dumps(table: dict[str, Any]) -> str:
    """A flat TOML document (nested tables written inline): enough for a resolved spec."""
    return "".join(
        f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in table.items() if v is not None
    )


def prepare(runs_dir: Path, spec: Spec, variant: Variant, *, dry_run: bool = False) -> Path:
    """Create the run directory with its resolved spec and a ``queued`` run.json."""
    run_dir = registry.new_run_dir(runs_dir, variant.name)
    p = plan(spec, variant, run_dir.resolve(), dry_run=dry_run)
    resolved = {
        "name": spec.name,
        "variant": variant.name,
        "spec_file": str(spec.path) if spec.path else None,
        "launcher": spec.launcher,
        "command": spec.command,
        "argv": p.argv,
        "cwd": p.cwd,
        "env": p.env,
        "logs": p.logs,
        "dry_run": dry_run or spec.dry_run or variant.dry_run,
        "params": p.params,
        spec.launcher: p.launcher_config or None,
    }
    (run_dir / RESOLVED).write_text(
        f"# {spec.name} / {variant.name}, resolved by analyzer\n" + toml_dumps(resolved),
        encoding="utf-8",
    )
    registry.create_run(
        run_dir,
        {
            "name": spec.name,
            "variant": variant.name,
            "spec": str(spec.path) if spec.path else None,
            "launcher": spec.launcher,
            "command": p.argv,
            "cwd": p.cwd,
            "env": p.env,
            "logs": p.logs,
            "params": p.params,
            "dry_run": resolved["dry_run"],
            "master_port": p.launcher_config.get("master_port", "auto")
            if spec.launcher in ("msrun", "torchrun")
            else None,
            # Its supervisor until a queue takes it: reconciling it meanwhile must not call it lost.
            "supervisor_pid": os.getpid(),
            "supervisor_start": registry.pid_start_time(os.getpid()),
        },
    )
    return run_dir


def start(run_dir: Path, supervisor_pid: int | None = None) -> subprocess.Popen[bytes]:
    """Start a prepared run in its own session; run.json says ``running`` with pid and pgid."""
    record = registry.read_run(run_dir)
    env = {**os.environ, **record.get("env", {})}
    changes: dict[str, Any] = {}
    if record.get("master_port") == "auto":
        changes["command"], changes["master_port"] = resolve_port(record["command"])
    command = changes.get("command", record["command"])
    console = open(run_dir / CONSOLE, "ab")  # noqa: SIM115 - handed to the child
    try:
        proc = subprocess.Popen(
            command,
            cwd=record.get("cwd") or None,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        registry.update_run(
            run_dir, status="failed", exit_code=127, end=registry.now_iso(), note=str(exc)
        )
        raise InputError(f"{run_dir.name}: cannot start {command[0]!r} ({exc})") from None
    finally:
        console.close()
    sup = supervisor_pid or os.getpid()
    registry.update_run(
        run_dir,
        **changes,
        status="running",
        pid=proc.pid,
        pgid=proc.pid,
        pid_start=registry.pid_start_time(proc.pid),
        supervisor_pid=sup,
        supervisor_start=registry.pid_start_time(sup),
        start=registry.now_iso(),
        started_at=time.time(),
    )
    return proc


def finish(run_dir: Path, returncode: int) -> dict[str, Any]:
    """Record the end of a run from its exit status (negative = killed by that signal)."""
    record = registry.read_run(run_dir)
    if record.get("stop_requested"):
        status = "stopped"
    else:
        status = "finished" if returncode == 0 else "failed"
    changes: dict[str, Any] = {"status": status, "exit_code": returncode, "end": registry.now_iso()}
    if returncode < 0:
        changes["signal"] = signal.Signals(-returncode).name
    if record.get("started_at"):
        changes["duration_s"] = round(time.time() - float(record["started_at"]), 3)
    return registry.update_run(run_dir, **changes)


def _wait_gone(run_dir: Path | None, pgid: int | None, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if not registry.run_members(run_dir, pgid):
            return True
        time.sleep(0.1)
    return not registry.run_members(run_dir, pgid)


def _signal_members(members: dict[int, int], sig: int) -> None:
    """``sig`` to every member's process group (never our own) and to every member."""
    own = os.getpgrp()
    for pgid in sorted(set(members.values()) - {own}):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
    for pid in members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def stop_group(pgid: int | None, grace: float, run_dir: Path | None = None) -> str:
    """SIGTERM every process of the run (its group and every process carrying its
    ``ANALYZER_RUN_DIR``), SIGKILL what is left after ``grace`` seconds; says which was needed."""
    members = registry.run_members(run_dir, pgid)
    if not members:
        return "gone"
    _signal_members(members, signal.SIGTERM)
    if _wait_gone(run_dir, pgid, time.monotonic() + grace):
        return "terminated"
    _signal_members(registry.run_members(run_dir, pgid), signal.SIGKILL)
    _wait_gone(run_dir, pgid, time.monotonic() + 10.0)
    return "killed"


def stop_run(run_dir: Path, grace: float = 30.0) -> dict[str, Any]:
    """Stop a queued or running run: its whole process group; records ``stopped``."""
    record = registry.reconcile(run_dir)
    status = record.get("status")
    if status not in registry.ACTIVE:
        return record
    registry.update_run(run_dir, stop_requested=True)
    how = "never started"
    if status == "running":
        how = stop_group(record.get("pgid"), grace, run_dir)
    record = registry.read_run(run_dir)
    if record.get("status") in registry.ACTIVE:
        record = registry.update_run(run_dir, status="stopped", end=registry.now_iso())
    return registry.update_run(run_dir, stop_how=how)
