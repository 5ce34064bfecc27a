"""A variant → the exact argument list, environment and directory to start it with.

Placeholders are substituted inside single argument-list elements (never into a shell string):
``{name}`` takes the parameter's value; an element that is exactly ``{name}`` with a list value
expands to the list's elements (none for ``[]``); an element that is exactly ``{name?TEXT}``
becomes TEXT when the parameter is true (``true``, a non-zero number, a non-empty string other
than ``false``/``0``) and is dropped otherwise; ``{{``/``}}`` are literal braces.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.launch.registry import RUN_ENV
from analyzer.launch.spec import MSRUN_DEFAULTS, WORKLOADS_DIR, ParamValue, Spec, Variant

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(\?[^{}]*)?\}|\{|\}")
DRY_RUN_ENV = {"MS_SIMULATION_LEVEL": "1", "MS_DRY_RUN": "1"}


@dataclass
class Plan:
    """What the runner starts for one variant."""

    variant: str
    argv: list[str]
    env: dict[str, str]
    cwd: str
    logs: str | None
    params: dict[str, ParamValue] = field(default_factory=dict)
    launcher_config: dict[str, Any] = field(default_factory=dict)


def _text(value: ParamValue, where: str, name: str) -> str:
    if isinstance(value, list):
        raise InputError(f"{where}: {{{name}}} is a list; a list fills a whole element only")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _truthy(value: ParamValue) -> bool:
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "no", "off")
    return bool(value)


def _lookup(values: dict[str, ParamValue], name: str, where: str) -> ParamValue:
    if name not in values:
        raise InputError(
            f"{where}: placeholder {{{name}}} has no value (set it in params, a variant or the matrix)"
        )
    return values[name]


def substitute_text(text: str, values: dict[str, ParamValue], where: str) -> str:
    """Replace every ``{name}`` in one string."""

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        if m.group(1) is None:
            raise InputError(
                f"{where}: unmatched brace in {text!r} (write {{{{ or }}}} for a literal)"
            )
        if m.group(2):
            raise InputError(f"{where}: {{{m.group(1)}?...}} must be a whole element")
        return _text(_lookup(values, m.group(1), where), where, m.group(1))

    return _TOKEN.sub(repl, text)


def substitute_args(args: list[str], values: dict[str, ParamValue], where: str) -> list[str]:
    """Substitute into each element; whole-element list and ``?`` placeholders expand or vanish."""
    out: list[str] = []
    for i, arg in enumerate(args):
        at = f"{where}[{i}]"
        m = _TOKEN.fullmatch(arg)
        if m and m.group(1):
            value = _lookup(values, m.group(1), at)
            if m.group(2):
                if _truthy(value):
                    out.append(substitute_text(m.group(2)[1:], values, at))
                continue
            if isinstance(value, list):
                out.extend(_text(v, at, m.group(1)) for v in value)
                continue
        out.append(substitute_text(arg, values, at))
    return out


def free_port() -> int:
    """A TCP port that was free a moment ago (``master_port = "auto"``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_tool(name: str) -> str:
    """A launcher executable: beside this interpreter first (the venv), then on PATH."""
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if not found:
        hint = " (install MindSpore: pip install -e '.[mindspore]')" if name == "msrun" else ""
        raise InputError(f"launcher {name!r} not found on PATH{hint}")
    return found


AUTO_PORT_ARG = "--master_port=auto"


def _port(value: object) -> str:
    """The port as given; ``auto`` stays ``auto`` until the run starts (``resolve_port``)."""
    return "auto" if value in (None, "auto") else str(value)


def resolve_port(argv: list[str]) -> tuple[list[str], int | None]:
    """The launcher's ``--master_port=auto`` (its first, before the user's command) → a port
    free now, when the run starts (not when the sweep was prepared, minutes earlier)."""
    if AUTO_PORT_ARG not in argv:
        return argv, None
    port = free_port()
    out = list(argv)
    out[out.index(AUTO_PORT_ARG)] = f"--master_port={port}"
    return out, port


def msrun_argv(cfg: dict[str, Any], run_dir: Path, dry_run: bool) -> list[str]:
    cfg = {**MSRUN_DEFAULTS, **cfg}
    workers = int(cfg["worker_num"])
    local = int(cfg.get("local_worker_num") or workers)
    argv = [find_tool("msrun"), f"--worker_num={workers}", f"--local_worker_num={local}"]
    argv.append(f"--master_port={_port(cfg.get('master_port'))}")
    for key in ("master_addr", "node_rank", "cluster_time_out"):
        if key in cfg:
            argv.append(f"--{key}={cfg[key]}")
    argv.append(f"--log_dir={run_dir / cfg['log_dir']}")
    argv.append(f"--join={'True' if cfg['join'] else 'False'}")
    if dry_run:
        argv.append("--sim_level=1")
    return argv + [str(a) for a in cfg.get("extra_args", [])]


def torchrun_argv(cfg: dict[str, Any]) -> list[str]:
    argv = [find_tool("torchrun"), f"--nproc_per_node={cfg.get('nproc_per_node', 1)}"]
    argv.append(f"--nnodes={cfg.get('nnodes', 1)}")
    for key in ("node_rank", "master_addr"):
        if key in cfg:
            argv.append(f"--{key}={cfg[key]}")
    argv.append(f"--master_port={_port(cfg.get('master_port'))}")
    return argv + [str(a) for a in cfg.get("extra_args", [])]


def builtin_values(spec: Spec, variant: Variant, run_dir: Path) -> dict[str, ParamValue]:
    return {
        "python": sys.executable,
        "workloads": str(WORKLOADS_DIR),
        "spec_dir": str(spec.spec_dir),
        "run_dir": str(run_dir),
        "variant": variant.name,
    }


def plan(spec: Spec, variant: Variant, run_dir: Path, *, dry_run: bool = False) -> Plan:
    """Resolve a variant: substituted argv (launcher first), environment diff, cwd, log place."""
    values = {**builtin_values(spec, variant, run_dir), **variant.params}
    command = substitute_args(spec.command, values, "command")
    dry = dry_run or spec.dry_run or variant.dry_run
    env_raw = {**spec.env, **variant.env}
    env = {k: substitute_text(v, values, f"env.{k}") for k, v in env_raw.items()}
    env.setdefault("PYTHONUNBUFFERED", "1")
    env[RUN_ENV] = str(run_dir)
    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        env["PATH"] = bindir + os.pathsep + path
    if dry:
        env.update(DRY_RUN_ENV)
    cwd = substitute_text(spec.cwd, values, "cwd") if spec.cwd else str(spec.spec_dir)
    cwd = str((spec.spec_dir / cwd).resolve())
    logs = spec.logs
    if spec.launcher == "msrun":
        cfg = {**spec.msrun, **variant.msrun}
        cfg["log_dir"] = str(cfg.get("log_dir") or logs or MSRUN_DEFAULTS["log_dir"])
        argv = msrun_argv(cfg, run_dir, dry) + command
        logs = logs or cfg["log_dir"]
    elif spec.launcher == "torchrun":
        cfg = {**spec.torchrun, **variant.torchrun}
        argv = torchrun_argv(cfg) + command
    else:
        cfg = {}
        argv = command
    return Plan(variant.name, argv, env, cwd, logs, dict(variant.params), cfg)
