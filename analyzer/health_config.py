"""Health-rule parameters: defaults, a TOML file, ``--rule-param`` overrides and silences.

Every rule has named parameters with defaults (``DEFAULTS``). A TOML file can change them::

    silence = ["divergence", "hang:qwen_tp2pp4"]   # RULE or RULE:RUN (RUN may be a glob)

    [rules.hang]
    k = 5            # × median step time
    floor_s = 60

    [rules.loss_spike]
    enabled = false

and ``--rule-param hang.floor_s=30`` overrides a single value. Unknown rules or parameters, and
values of the wrong type or out of range (``BOUNDS``), are input errors (a typo must not
silently keep the default, a 0 window must not break a rule).
"""

from __future__ import annotations

import fnmatch
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Param = bool | int | float | str

#: Every rule and its parameters with their defaults (the documentation of each is in the rule).
DEFAULTS: dict[str, dict[str, Param]] = {
    "slow_rank": {
        "z": 3.5,  # robust z-score (× 1.4826·MAD) above the per-step median across ranks
        "min_excess": 0.10,  # and at least this fraction slower than the median
        "window": 10,  # logged steps a rank must be slow over
        "fraction": 0.8,  # share of the window's steps that must be slow
        "min_ranks": 3,  # ranks with data needed for a robust comparison
    },
    "hang": {
        "k": 10.0,  # silent for k × median step time ...
        "floor_s": 300.0,  # ... but at least this long (a checkpoint save may pause minutes)
        "assume_alive": False,  # treat the job as running (live watch of a job started elsewhere)
    },
    "loss_spike": {
        "factor": 1.5,  # loss above factor × rolling median
        "min_delta": 0.1,  # and at least this much above it
        "window": 20,  # points in the rolling median
        "warmup": 10,  # logged points ignored at the start
    },
    "divergence": {
        "block": 10,  # points per block (block medians form the trend)
        "blocks": 3,  # consecutive rising block medians that make a trend
        "rise": 0.2,  # last block median at least this fraction above the lowest
        "warmup": 10,
    },
    "nan": {
        "skipped_fraction": 0.1,  # share of recent iterations skipped (overflow) that is a finding
        "skipped_window": 100,  # iterations that share is taken over
    },
    "loss_scale_collapse": {
        "min_scale": 1.0,  # a loss scale below this has collapsed
        "factor": 1024.0,  # or fallen this many times below its peak
    },
    "crash": {},
    "memory_growth": {
        "min_points": 5,  # points a rising trend needs
        "rising_fraction": 0.8,  # share of step-to-step changes that rise
        "min_growth_mb": 256.0,  # total growth that is a leak ...
        "min_growth_pct": 5.0,  # ... and as a percentage of the start
        "near_total": 0.95,  # peak above this fraction of the device total: a warning
        "device_total_mb": 0.0,  # the device total when the logs do not print it (0: unknown)
    },
}

RULES: tuple[str, ...] = tuple(DEFAULTS)


@dataclass(frozen=True)
class Bounds:
    """The values a numeric parameter may take: above (or from) ``low``, up to ``high``."""

    low: float
    low_open: bool = False  # True: strictly above ``low``
    high: float | None = None  # inclusive

    def admits(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and (self.high is None or value <= self.high)

    def text(self) -> str:
        low = f"{'>' if self.low_open else '>='} {self.low:g}"
        return low if self.high is None else f"{low} and <= {self.high:g}"


_AT_LEAST_0, _FRACTION = Bounds(0), Bounds(0, low_open=True, high=1)
#: The allowed range of every numeric parameter (a 0 window or a negative factor would raise
#: deep inside a rule, or silently disable it).
BOUNDS: dict[str, dict[str, Bounds]] = {
    "slow_rank": {
        "z": _AT_LEAST_0,
        "min_excess": _AT_LEAST_0,
        "window": Bounds(1),
        "fraction": _FRACTION,
        "min_ranks": Bounds(2),  # a median across fewer ranks compares nothing
    },
    "hang": {"k": _AT_LEAST_0, "floor_s": Bounds(0, low_open=True)},
    "loss_spike": {
        "factor": Bounds(1),
        "min_delta": _AT_LEAST_0,
        "window": Bounds(3),  # the rolling median needs 3 points before any spike counts
        "warmup": _AT_LEAST_0,
    },
    "divergence": {
        "block": Bounds(1),
        "blocks": Bounds(1),
        "rise": _AT_LEAST_0,
        "warmup": _AT_LEAST_0,
    },
    "nan": {"skipped_fraction": _FRACTION, "skipped_window": Bounds(1)},
    "loss_scale_collapse": {"min_scale": _AT_LEAST_0, "factor": Bounds(1, low_open=True)},
    "crash": {},
    "memory_growth": {
        "min_points": Bounds(2),  # a trend needs two points
        "rising_fraction": _FRACTION,
        "min_growth_mb": _AT_LEAST_0,
        "min_growth_pct": _AT_LEAST_0,
        "near_total": _FRACTION,
        "device_total_mb": _AT_LEAST_0,
    },
}


@dataclass
class HealthConfig:
    """Parameters per rule, disabled rules and silences (rule, run glob or None)."""

    params: dict[str, dict[str, Param]] = field(
        default_factory=lambda: {r: dict(p) for r, p in DEFAULTS.items()}
    )
    disabled: set[str] = field(default_factory=set)
    silences: list[tuple[str, str | None]] = field(default_factory=list)
    #: Runs a live session (``watch --alerts``, the TUI) saw growing: their job is alive, so a
    #: run gone silent as a whole is a hang even without the launcher's ``run.json``.
    growing: frozenset[str] = frozenset()

    def get(self, rule: str, name: str) -> Any:
        return self.params[rule][name]

    def set(self, rule: str, name: str, value: Any) -> None:
        """Set one parameter, checking the rule, the name and the type."""
        if rule not in DEFAULTS:
            raise InputError(f"unknown health rule {rule!r} (rules: {', '.join(RULES)})")
        if name == "enabled":
            if not isinstance(value, bool):
                raise InputError(f"{rule}.enabled must be true or false, not {value!r}")
            (self.disabled.discard if value else self.disabled.add)(rule)
            return
        if name not in DEFAULTS[rule]:
            known = ", ".join(["enabled", *DEFAULTS[rule]])
            raise InputError(f"unknown parameter {rule}.{name} (parameters: {known})")
        self.params[rule][name] = _coerce(rule, name, DEFAULTS[rule][name], value)

    def silence(self, spec: str) -> None:
        """Silence ``RULE`` or ``RULE:RUN`` (RUN may be a glob such as ``qwen_*``)."""
        rule, _, run = spec.partition(":")
        if rule not in DEFAULTS:
            raise InputError(f"--silence {spec!r}: unknown rule (rules: {', '.join(RULES)})")
        self.silences.append((rule, run or None))

    def is_silenced(self, rule: str, run: str) -> bool:
        return rule in self.disabled or any(
            r == rule and (pattern is None or fnmatch.fnmatchcase(run, pattern))
            for r, pattern in self.silences
        )


def _coerce(rule: str, name: str, default: Param, value: Any) -> Param:
    """``value`` as the parameter's type, within its bounds (else an InputError naming both)."""
    kind = type(default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not kind:
        raise InputError(f"{rule}.{name} must be {kind.__name__}, not {value!r}")
    bounds = BOUNDS[rule].get(name)
    if bounds is not None and not bounds.admits(value):
        raise InputError(f"{rule}.{name} = {value!r} is out of range: allowed {bounds.text()}")
    return value


def parse_value(text: str) -> Any:
    """A flag value as TOML would read it (``3``, ``0.5``, ``true``), else the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_rule_param(config: HealthConfig, spec: str) -> None:
    """Apply ``rule.param=value`` from the command line."""
    key, sep, value = spec.partition("=")
    rule, dot, name = key.strip().partition(".")
    if not sep or not dot:
        raise InputError(f"--rule-param {spec!r}: expected RULE.PARAM=VALUE, e.g. hang.floor_s=60")
    config.set(rule, name, parse_value(value.strip()))


def load_config(path: str | Path) -> HealthConfig:
    """Read a health TOML file (see the module docstring) into a HealthConfig."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    config = HealthConfig()
    unknown = set(doc) - {"rules", "silence"}
    if unknown:
        raise InputError(f"{path}: unknown keys {sorted(unknown)} (expected 'rules', 'silence')")
    rules = doc.get("rules", {})
    if not isinstance(rules, dict):
        raise InputError(f"{path}: 'rules' must be a table")
    try:
        for rule, params in rules.items():
            if not isinstance(params, dict):
                raise InputError(f"[rules.{rule}] must be a table")
            for name, value in params.items():
                config.set(rule, name, value)
        silence = doc.get("silence", [])
        if not isinstance(silence, list) or not all(isinstance(s, str) for s in silence):
            raise InputError('\'silence\' must be a list of "RULE" or "RULE:RUN" strings')
        for spec in silence:
            config.silence(spec)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    return config
