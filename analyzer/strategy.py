"""Strategy labels and the numbers derived from a run's parallel layout.

A label such as ``TP2PP4+VPP``, ``TP4PP2+Recompute`` or ``TP2PP2+CP2(ring)`` comes from the run's
config (arguments dump, launch spec); only when no layout is known at all is the run's
directory name read as a last resort (``tp2pp4_vpp`` → ``TP2PP4+VPP``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence

#: MindSpeed's context-parallel algorithms → the names users say.
CP_ALGOS = {
    "megatron_cp_algo": "ring",
    "ring": "ring",
    "ulysses_cp_algo": "Ulysses",
    "ulysses": "Ulysses",
    "hybrid_cp_algo": "hybrid",
    "hybrid": "hybrid",
    "adaptive_cp_algo": "adaptive",
    "hybrid_adaptive_cp_algo": "hybrid-adaptive",
}

#: On/off features shown in a label only when they tell the compared runs apart.
DETAIL_FLAGS = ("sp", "distributed_optimizer")
_NONE = {"", "none", "null", "false", "0"}
_TRUE = {"true", "1", "yes", "on"}


def cfg_int(config: Mapping[str, str], key: str) -> int | None:
    """An integer config value, None when absent or not a number (``None`` as printed)."""
    raw = config.get(key)
    if raw is None:
        return None
    try:
        return int(float(str(raw).strip()))
    except ValueError:
        return None


def cfg_flag(config: Mapping[str, str], key: str) -> bool | None:
    raw = config.get(key)
    if raw is None:
        return None
    return str(raw).strip().lower() in _TRUE


def cfg_text(config: Mapping[str, str], key: str) -> str | None:
    raw = config.get(key)
    if raw is None or str(raw).strip().lower() in _NONE:
        return None
    return str(raw).strip()


def vpp_of(config: Mapping[str, str]) -> int | None:
    """Virtual stages per pipeline rank: ``vpp``, or layers / pp / layers-per-virtual-stage."""
    vpp = cfg_int(config, "vpp")
    if vpp:
        return vpp
    per_stage = cfg_int(config, "num_layers_per_virtual_pipeline_stage")
    layers, pp = cfg_int(config, "num_layers"), cfg_int(config, "pp")
    if per_stage and layers and pp:
        return max(1, layers // pp // per_stage)
    return None


def _recompute_part(config: Mapping[str, str]) -> str | None:
    gran = cfg_text(config, "recompute_granularity")
    method = cfg_text(config, "recompute_method")
    if gran is None and method is None:
        return None
    if gran == "selective":
        return "Recompute(selective)"
    layers = cfg_int(config, "recompute_num_layers")
    if (method in (None, "uniform")) and layers in (None, 1):
        return "Recompute"
    detail = ",".join(str(x) for x in (method, layers) if x is not None)
    return f"Recompute({detail})"


def _layout(config: Mapping[str, str]) -> str:
    tp, pp, dp = cfg_int(config, "tp"), cfg_int(config, "pp"), cfg_int(config, "dp")
    head = "".join(f"{name}{v}" for name, v in (("TP", tp), ("PP", pp)) if v is not None)
    if dp is not None and dp > 1:
        head += f"DP{dp}"
    return head


def has_layout(config: Mapping[str, str]) -> bool:
    return any(cfg_int(config, k) is not None for k in ("tp", "pp", "cp", "dp"))


def noop_of(config: Mapping[str, str]) -> str | None:
    """The noop layers as ``2,3,5,8`` (printed as ``{2, 3, 5, 8}``, ``[2, 3]`` or ``2,3``)."""
    text = cfg_text(config, "noop_layers")
    numbers = re.findall(r"[0-9]+", text or "")
    return ",".join(numbers) if numbers else None


#: Details a label shows only to tell apart runs whose labels would otherwise be the same.
LABEL_DETAILS: dict[str, Callable[[Mapping[str, str]], object]] = {
    "vpp_size": lambda c: vpp_of(c) or 1,
    "noop_layers": noop_of,
}


def strategy_label(
    config: Mapping[str, str],
    run_name: str,
    *,
    omit: Collection[str] = (),
    show: Collection[str] = (),
) -> str:
    """``TP2PP4+VPP``-style label; ``omit`` names detail flags shared by every compared run,
    ``show`` the :data:`LABEL_DETAILS` that tell this run from another of the same label."""
    if not has_layout(config):
        return label_from_name(run_name, dryrun=cfg_flag(config, "dryrun") is True)
    parts = [_layout(config)]
    if (vpp := vpp_of(config) or 1) > 1:
        parts.append(f"VPP{vpp}" if "vpp_size" in show else "VPP")
    if "noop_layers" in show and (noop := noop_of(config)):
        parts.append(f"Noop({noop})")
    cp = cfg_int(config, "cp")
    if cp is not None and cp > 1:
        algo = cfg_text(config, "cp_algo")
        parts.append(f"CP{cp}({CP_ALGOS.get(algo, algo)})" if algo else f"CP{cp}")
    if (recompute := _recompute_part(config)) is not None:
        parts.append(recompute)
    if "sp" not in omit and cfg_flag(config, "sp"):
        parts.append("SP")
    if "distributed_optimizer" not in omit and cfg_flag(config, "distributed_optimizer"):
        parts.append("DistOpt")
    if cfg_flag(config, "dryrun"):
        parts.append("DryRun")
    return "+".join(p for p in parts if p)


def label_details(
    configs: Sequence[Mapping[str, str]], names: Sequence[str], omit: Collection[str]
) -> list[frozenset[str]]:
    """Per run, the :data:`LABEL_DETAILS` its label shows: those in which it differs from another
    run whose label (dry-run marker aside) would otherwise be the same (VPP size, noop layers)."""
    labels = [
        base_label(strategy_label(c, n, omit=omit)) for c, n in zip(configs, names, strict=True)
    ]
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        if label:
            groups.setdefault(label, []).append(i)
    out = [frozenset[str]()] * len(labels)
    for members in groups.values():
        shown = frozenset(
            name
            for name, value in LABEL_DETAILS.items()
            if len({value(configs[i]) for i in members}) > 1
        )
        for i in members:
            out[i] = shown
    return out


#: Name tokens at word boundaries: a size may follow a digit (``tp2pp4``) but never a letter
#: (``fsdp2`` is not DP2), a word stands alone (``string`` holds no ring).
_NAME_TOKENS = re.compile(
    r"(?<![a-z])(?:(?P<dim>tp|pp|cp|dp)(?P<size>[0-9]+)"
    r"|(?P<flag>vpp|recompute|recomp|ring|ulysses|hybrid)(?![a-z]))"
)


def label_from_name(run_name: str, *, dryrun: bool = False) -> str:
    """Last resort: read the layout off a directory name (``tp2pp2_cp2_ring`` → ``TP2PP2+CP2(ring)``)."""
    name = run_name.lower().rsplit("/", 1)[-1]
    sizes: dict[str, str] = {}
    flags: set[str] = set()
    for m in _NAME_TOKENS.finditer(name):
        if m["dim"]:
            sizes.setdefault(m["dim"], m["size"])
        else:
            flags.add("recompute" if m["flag"].startswith("recomp") else m["flag"])
    if not sizes:
        return ""
    layout = dict(sizes)
    if "dp" in layout and not {"tp", "pp"} & layout.keys():
        layout.update(tp="1", pp="1")  # Megatron's defaults: the label the run's logs will give
    parts = [_layout(layout)]
    if "vpp" in flags:
        parts.append("VPP")
    if "cp" in sizes:
        algo = next((CP_ALGOS[a] for a in ("ring", "ulysses", "hybrid") if a in flags), None)
        parts.append(f"CP{sizes['cp']}({algo})" if algo else f"CP{sizes['cp']}")
    if "recompute" in flags:
        parts.append("Recompute")
    if dryrun:  # a "dryrun" in the name alone is judged by the caller (summary.is_dryrun)
        parts.append("DryRun")
    return "+".join(p for p in parts if p)


def base_label(label: str) -> str:
    """The label without its dry-run marker: what a dry run and a real run share."""
    return label.replace("+DryRun", "")


def data_parallel(config: Mapping[str, str], world: int | None) -> int | None:
    dp = cfg_int(config, "dp")
    if dp:
        return dp
    tp, pp, cp = (cfg_int(config, k) or 1 for k in ("tp", "pp", "cp"))
    if world:
        return max(1, world // (tp * pp * cp))
    return None


def micro_batches(config: Mapping[str, str], world: int | None, gbs: int | None) -> int | None:
    """Micro-batches per step: global batch / (micro batch × dp), else as the logs print it
    (Megatron's ``setting number of micro-batches to constant N``)."""
    mbs = cfg_int(config, "micro_batch_size")
    dp = data_parallel(config, world)
    gbs = gbs or cfg_int(config, "global_batch_size")
    if mbs and dp and gbs:
        return max(1, gbs // (mbs * dp))
    printed = cfg_int(config, "num_micro_batches")
    return printed if printed and printed > 0 else None


def bubble_fraction(config: Mapping[str, str], world: int | None, gbs: int | None) -> float | None:
    """Theoretical 1F1B pipeline bubble (p−1)/(v·m + p−1), m from :func:`micro_batches`."""
    pp = cfg_int(config, "pp")
    if pp is None:
        return None
    if pp <= 1:
        return 0.0
    m = micro_batches(config, world, gbs)
    if m is None:
        return None
    v = vpp_of(config) or 1
    return (pp - 1) / (v * m + pp - 1)
