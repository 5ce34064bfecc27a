"""Sweeps: a spec's named variants and matrix combinations, minus the invalid ones.

A combination is dropped when ``tp × pp × cp`` does not divide the world size (when both are
known), or when it matches every key of a user ``exclude`` rule. The reasons are kept so the CLI
and the TUI can say what was skipped and why.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from analyzer.errors import InputError
from analyzer.launch.spec import Scalar, Spec, Variant


@dataclass(frozen=True)
class Skipped:
    """A variant left out of the sweep and the reason."""

    name: str
    reason: str


def _name_part(key: str, value: Scalar) -> str:
    if value is True:
        return key
    if value is False:
        return ""
    return f"{key}{value}"


def matrix_name(combo: dict[str, Scalar]) -> str:
    """``{tp: 2, pp: 4, recompute: true}`` → ``tp2-pp4-recompute`` (false flags are left out)."""
    parts = [p for p in (_name_part(k, v) for k, v in combo.items()) if p]
    name = "-".join(parts) or "base"
    return "".join(c if c.isalnum() or c in "-_.+" else "_" for c in name)


def world_size(spec: Spec, variant: Variant) -> int | None:
    """The job's world size: the spec's ``world_size``, else what the launcher will start."""
    if spec.world_size:
        return spec.world_size
    if spec.launcher == "msrun":
        return int({**spec.msrun, **variant.msrun}.get("worker_num") or 1)
    if spec.launcher == "torchrun":
        cfg = {**spec.torchrun, **variant.torchrun}
        return int(cfg.get("nproc_per_node") or 1) * int(cfg.get("nnodes") or 1)
    return None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def divisibility_problem(spec: Spec, variant: Variant) -> str | None:
    """Why tp × pp × cp does not fit the world size, or None when it does (or is unknown)."""
    world = world_size(spec, variant)
    sizes = {k: _as_int(variant.params.get(k, 1)) for k in ("tp", "pp", "cp")}
    if world is None or any(v is None or v < 1 for v in sizes.values()):
        return None
    product = sizes["tp"] * sizes["pp"] * sizes["cp"]  # type: ignore[operator]
    if world % product:
        return f"tp×pp×cp = {product} does not divide the world size {world}"
    return None


def _matches(rule: dict[str, Scalar], params: dict) -> bool:
    return all(str(params.get(k)) == str(v) for k, v in rule.items())


def _matrix_variants(spec: Spec) -> list[Variant]:
    keys = list(spec.matrix)
    out: list[Variant] = []
    if not keys:
        return out
    for values in itertools.product(*(spec.matrix[k] for k in keys)):
        combo = dict(zip(keys, values, strict=True))
        out.append(Variant(name=matrix_name(combo), params={**spec.params, **combo}))
    return out


def expand(spec: Spec) -> tuple[list[Variant], list[Skipped]]:
    """Every variant to run (named ones first, then the matrix) and those left out."""
    named = [
        Variant(
            name=v.name,
            params={**spec.params, **v.params},
            env=v.env,
            msrun=v.msrun,
            torchrun=v.torchrun,
            dry_run=v.dry_run,
        )
        for v in spec.variants
    ]
    candidates = named + _matrix_variants(spec)
    if not candidates:
        candidates = [Variant(name=spec.name, params=dict(spec.params))]
    kept: list[Variant] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for variant in candidates:
        if variant.name in seen:
            raise InputError(f"variant {variant.name!r} appears twice (named and in the matrix)")
        seen.add(variant.name)
        problem = divisibility_problem(spec, variant)
        rule = next((r for r in spec.exclude if _matches(r, variant.params)), None)
        if problem:
            skipped.append(Skipped(variant.name, problem))
        elif rule is not None:
            skipped.append(Skipped(variant.name, f"matches the exclude rule {rule}"))
        else:
            kept.append(variant)
    return kept, skipped


def select(variants: list[Variant], names: list[str] | None) -> list[Variant]:
    """The variants named on the command line, in that order; an unknown name is an InputError."""
    if not names:
        return variants
    by_name = {v.name: v for v in variants}
    missing = [n for n in names if n not in by_name]
    if missing:
        known = ", ".join(by_name) or "none"
        raise InputError(f"--variant {missing[0]}: no such variant (known: {known})")
    return [by_name[n] for n in names]
