"""Launch specs: a TOML file describing a command, its launcher and a sweep of variants.

A spec (every key optional except ``command``)::

    name = "qwen-strategies"
    command = ["pretrain_gpt.py", "--tp", "{tp}", "--pp", "{pp}", "{recompute_args}"]
    launcher = "msrun"              # msrun | torchrun | command
    cwd = "."                        # relative to the spec file
    env = { GLOG_v = "2" }
    logs = "msrun_log"               # where the logs appear: relative to the run dir, or absolute
                                     # (default: msrun's log_dir; for command: console.log)
    dry_run = false                  # MindSpore simulation: MS_SIMULATION_LEVEL=1, MS_DRY_RUN=1, --sim_level 1
    world_size = 8                   # for the tp × pp × cp rule (default: msrun worker_num)
    params = { tp = 1, pp = 1, recompute_args = [] }
    msrun = { worker_num = 8, local_worker_num = 8, master_port = "auto", log_dir = "msrun_log", join = true }
                                     # master_port "auto": a port free when the run starts (run.json)
    torchrun = { nproc_per_node = 8, nnodes = 1, master_port = "auto" }

    [matrix]                          # every combination becomes a variant
    tp = [2, 4]
    pp = [2, 4]
    exclude = [{ tp = 4, pp = 4 }]    # user rules: combinations matching all these values are dropped

    [[variants]]                      # named variants (params, env, msrun, dry_run may be overridden)
    name = "tp2pp4-recompute"
    params = { tp = 2, pp = 4, recompute_args = ["--recompute-granularity", "full"] }

Placeholders ``{name}`` are substituted inside single argument-list elements (and env values and
``cwd``); an element that is exactly ``{name}`` with a list value expands to that many elements
(none for ``[]``); ``{{`` and ``}}`` are literal braces. Built-in values: ``{python}`` (this
interpreter), ``{workloads}`` (the bundled workloads directory), ``{spec_dir}``, ``{run_dir}``,
``{variant}``. No shell string is ever built.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Scalar = str | int | float | bool
ParamValue = Scalar | list[Scalar]

LAUNCHERS = ("msrun", "torchrun", "command")
TOP_KEYS = {
    "name": str,
    "description": str,
    "command": list,
    "launcher": str,
    "cwd": str,
    "env": dict,
    "logs": str,
    "dry_run": bool,
    "world_size": int,
    "params": dict,
    "msrun": dict,
    "torchrun": dict,
    "matrix": dict,
    "variants": list,
}
MSRUN_KEYS = {
    "worker_num": int,
    "local_worker_num": int,
    "master_port": (int, str),
    "master_addr": str,
    "node_rank": int,
    "log_dir": str,
    "join": bool,
    "cluster_time_out": int,
    "extra_args": list,
}
TORCHRUN_KEYS = {
    "nproc_per_node": int,
    "nnodes": int,
    "node_rank": int,
    "master_addr": str,
    "master_port": (int, str),
    "extra_args": list,
}
VARIANT_KEYS = {
    "name": str,
    "params": dict,
    "env": dict,
    "msrun": dict,
    "torchrun": dict,
    "dry_run": bool,
}
MSRUN_DEFAULTS: dict[str, Any] = {
    "worker_num": 1,
    "local_worker_num": None,
    "master_port": "auto",
    "log_dir": "msrun_log",
    "join": True,
}
WORKLOADS_DIR = Path(__file__).resolve().parent / "workloads"


@dataclass
class Variant:
    """One resolved run of a spec: its name, parameters and launcher settings."""

    name: str
    params: dict[str, ParamValue]
    env: dict[str, str] = field(default_factory=dict)
    msrun: dict[str, Any] = field(default_factory=dict)
    torchrun: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False


@dataclass
class Spec:
    """A validated launch spec (see the module docstring for the format)."""

    path: Path | None
    name: str
    command: list[str]
    launcher: str = "command"
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    logs: str | None = None
    dry_run: bool = False
    world_size: int | None = None
    params: dict[str, ParamValue] = field(default_factory=dict)
    msrun: dict[str, Any] = field(default_factory=dict)
    torchrun: dict[str, Any] = field(default_factory=dict)
    matrix: dict[str, list[Scalar]] = field(default_factory=dict)
    exclude: list[dict[str, Scalar]] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def spec_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def _where(path: Path | str | None, key: str) -> str:
    return f"{path}: {key}" if path else key


def _type_name(types: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    names |= {list: "an array", dict: "a table"}
    seq = types if isinstance(types, tuple) else (types,)
    return " or ".join(names.get(t, t.__name__) for t in seq)


def check_table(table: dict[str, Any], allowed: dict[str, Any], where: str) -> None:
    """Unknown keys and wrong types are InputErrors naming the key."""
    for key, value in table.items():
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise InputError(f"{where}{key}: unknown key (known: {known})")
        types = allowed[key]
        seq = types if isinstance(types, tuple) else (types,)
        if isinstance(value, bool) and bool not in seq:
            ok = False
        else:
            ok = isinstance(value, seq) or (float in seq and isinstance(value, int))
        if not ok:
            raise InputError(f"{where}{key}: expected {_type_name(types)}, got {value!r}")


def _scalar(value: Any, where: str) -> Scalar:
    if isinstance(value, str | int | float | bool):
        return value
    raise InputError(f"{where}: expected a string, number or boolean, got {value!r}")


def _params(table: dict[str, Any], where: str) -> dict[str, ParamValue]:
    out: dict[str, ParamValue] = {}
    for key, value in table.items():
        if isinstance(value, list):
            out[key] = [_scalar(v, f"{where}.{key}") for v in value]
        else:
            out[key] = _scalar(value, f"{where}.{key}")
    return out


def _env(table: dict[str, Any], where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, bool):
            out[key] = "1" if value else "0"
        elif isinstance(value, str | int | float):
            out[key] = str(value)
        else:
            raise InputError(f"{where}.{key}: expected a string or number, got {value!r}")
    return out


def _launcher_table(table: dict[str, Any], allowed: dict[str, Any], where: str) -> dict[str, Any]:
    check_table(table, allowed, f"{where}.")
    port = table.get("master_port")
    if isinstance(port, str) and port != "auto":
        raise InputError(f'{where}.master_port: expected a port number or "auto", got {port!r}')
    return dict(table)


def _variant(raw: Any, index: int, where: str) -> Variant:
    at = f"{where}variants[{index}]"
    if not isinstance(raw, dict):
        raise InputError(f"{at}: expected a table, got {raw!r}")
    check_table(raw, VARIANT_KEYS, f"{at}.")
    if "name" not in raw:
        raise InputError(f"{at}.name: missing (every variant needs a name)")
    return Variant(
        name=_safe_name(raw["name"], f"{at}.name"),
        params=_params(raw.get("params", {}), f"{at}.params"),
        env=_env(raw.get("env", {}), f"{at}.env"),
        msrun=_launcher_table(raw.get("msrun", {}), MSRUN_KEYS, f"{at}.msrun"),
        torchrun=_launcher_table(raw.get("torchrun", {}), TORCHRUN_KEYS, f"{at}.torchrun"),
        dry_run=raw.get("dry_run", False),
    )


def _safe_name(name: str, where: str) -> str:
    """Variant names become directory names: letters, digits, ``-_.+`` only."""
    if not name or any(not (c.isalnum() or c in "-_.+") for c in name) or name.startswith("."):
        raise InputError(f"{where}: {name!r} is not a usable run name (letters, digits, -_.+)")
    return name


def _matrix(raw: dict[str, Any], where: str) -> tuple[dict[str, list[Scalar]], list[dict]]:
    matrix: dict[str, list[Scalar]] = {}
    exclude: list[dict[str, Scalar]] = []
    for key, values in raw.items():
        at = f"{where}matrix.{key}"
        if key == "exclude":
            if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
                raise InputError(f"{at}: expected an array of tables, got {values!r}")
            exclude = [{k: _scalar(v, f"{at}.{k}") for k, v in rule.items()} for rule in values]
            continue
        if not isinstance(values, list) or not values:
            raise InputError(f"{at}: expected a non-empty array of values, got {values!r}")
        matrix[key] = [_scalar(v, at) for v in values]
    for rule in exclude:
        for key in rule:
            if key not in matrix:
                raise InputError(f"{where}matrix.exclude: {key!r} is not a matrix parameter")
    return matrix, exclude


def _check_launcher_tables(raw: dict[str, Any], launcher: str, where: str) -> None:
    """A table for another launcher than the spec's would be silently ignored: an error."""
    tables = [("", raw)] + [(f"variants[{i}].", v) for i, v in enumerate(raw.get("variants", []))]
    for at, table in tables:
        for key in ("msrun", "torchrun"):
            if key in table and key != launcher:
                raise InputError(
                    f"{where}{at}{key}: set, but launcher is {launcher!r} "
                    f'(set launcher = "{key}" or remove the table)'
                )


def spec_from_dict(raw: dict[str, Any], path: Path | None = None) -> Spec:
    """Validate a parsed TOML table into a Spec; every problem is an InputError naming the key."""
    where = f"{path}: " if path else ""
    check_table(raw, TOP_KEYS, where)
    if "command" not in raw:
        raise InputError(
            f'{where}command: missing (an argument list, e.g. ["train.py", "--tp", "{{tp}}"])'
        )
    command = raw["command"]
    if not command or not all(isinstance(c, str) for c in command):
        raise InputError(f"{where}command: expected a non-empty array of strings, got {command!r}")
    launcher = raw.get("launcher", "command")
    if launcher not in LAUNCHERS:
        raise InputError(
            f"{where}launcher: expected one of {', '.join(LAUNCHERS)}, got {launcher!r}"
        )
    matrix, exclude = _matrix(raw.get("matrix", {}), where)
    variants = [_variant(v, i, where) for i, v in enumerate(raw.get("variants", []))]
    stem = path.stem if path else "run"
    spec = Spec(
        path=path,
        name=_safe_name(raw.get("name", stem), f"{where}name"),
        command=list(command),
        launcher=launcher,
        cwd=raw.get("cwd"),
        env=_env(raw.get("env", {}), f"{where}env"),
        logs=raw.get("logs"),
        dry_run=raw.get("dry_run", False),
        world_size=raw.get("world_size"),
        params=_params(raw.get("params", {}), f"{where}params"),
        msrun=_launcher_table(raw.get("msrun", {}), MSRUN_KEYS, f"{where}msrun"),
        torchrun=_launcher_table(raw.get("torchrun", {}), TORCHRUN_KEYS, f"{where}torchrun"),
        matrix=matrix,
        exclude=exclude,
        variants=variants,
        raw=raw,
    )
    _check_launcher_tables(raw, launcher, where)
    names = [v.name for v in variants]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"{where}variants: duplicate name {dupes[0]!r}")
    return spec


def load_spec(path: str | Path) -> Spec:
    """Read and validate a TOML spec file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    return spec_from_dict(raw, path.resolve())
