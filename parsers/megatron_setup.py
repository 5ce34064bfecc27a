"""Megatron-family start-up and bookkeeping lines: the arguments dump, parallel sizes, timers, events.

All functions are pure (text in, records out); the parser in :mod:`parsers.megatron` holds
the little state (inside the arguments dump, inside a timer block, the last iteration seen).
"""

from __future__ import annotations

from parsers.base import Record, to_float
from parsers.megatron_fields import is_uint, norm_key, parse_pairs, prefix_ok

#: Megatron/MindSpeed-LLM argument names → normalised config keys (CONTRACT.md); others keep their name.
ARGUMENT_KEYS: dict[str, str] = {
    "tensor_model_parallel_size": "tp",
    "pipeline_model_parallel_size": "pp",
    "virtual_pipeline_model_parallel_size": "vpp",
    "context_parallel_size": "cp",
    "context_parallel_algo": "cp_algo",
    "sequence_parallel": "sp",
    "data_parallel_size": "dp",
    "world_size": "world_size",
    "seq_length": "seq_length",
    "micro_batch_size": "micro_batch_size",
    "global_batch_size": "global_batch_size",
    "num_layers": "num_layers",
    "recompute_granularity": "recompute_granularity",
    "recompute_method": "recompute_method",
    "recompute_num_layers": "recompute_num_layers",
    "use_distributed_optimizer": "distributed_optimizer",
    "noop_layers": "noop_layers",
}

#: ``using world size: 8, data-parallel size: 1, ...`` names (suffix match, first hit wins).
WORLD_SIZE_NAMES: tuple[tuple[str, str | None], ...] = (
    ("encoder tensor model parallel size", None),
    ("encoder pipeline model parallel size", None),
    ("tensor model parallel size", "tp"),
    ("pipeline model parallel size", "pp"),
    ("context parallel size", "cp"),
    ("data parallel size", "dp"),
    ("world size", "world_size"),
)

#: ``> initialized tensor model parallel with size 4`` → the key for its first words.
INITIALIZED_KEYS: dict[str, str] = {
    "tensor model": "tp",
    "pipeline model": "pp",
    "data": "dp",
    "context": "cp",
}

ARGS_START = "arguments"
ARGS_END = "end of arguments"


def config(key: str, value: str, lineno: int) -> Record:
    """A config record; booleans as ``true``/``false``, everything else as printed."""
    if value in ("True", "False"):
        value = value.lower()
    return {"kind": "config", "line": lineno, "key": key, "value": value}


def is_args_banner(stripped: str) -> bool:
    """``---- arguments ----`` (start) or ``---- end of arguments ----`` (end)."""
    return stripped.startswith("---") and stripped.endswith("---") and ARGS_START in stripped


def argument_line(text: str, lineno: int) -> list[Record] | None:
    """``  name ........ value`` inside the dump → one config record (none for ``None``)."""
    stripped = text.strip()
    name, sep, rest = stripped.partition(" ")
    if not sep or not name.isidentifier() or not rest.startswith("."):
        return None
    value = rest.lstrip(".").strip()
    if not value or value == "None":
        return []
    return [config(ARGUMENT_KEYS.get(name, name), value, lineno)]


def world_size_line(text: str, lineno: int) -> list[Record] | None:
    """``using world size: 1, data-parallel-size: 1, tensor-model-parallel size: 1, ...``."""
    i = text.find("using world size:")
    if i < 0:
        return None
    out: list[Record] = []
    for piece in text[i + len("using ") :].split(","):
        name, sep, value = piece.rpartition(":")
        if not sep:
            continue
        name = norm_key(name.rsplit(":", 1)[-1].replace("-", " ").replace("_", " ")).lower()
        value = value.strip()
        for suffix, key in WORLD_SIZE_NAMES:
            if name.endswith(suffix):
                if key is not None and is_uint(value):
                    out.append(config(key, value, lineno))
                break
    return out


def initialized_line(text: str, lineno: int) -> list[Record] | None:
    """``> initialized tensor model parallel with size 4`` → tp=4 (pp, dp, cp likewise)."""
    i = text.find("> initialized ")
    if i < 0 or " parallel with size " not in text:
        return None
    what, _, size = text[i + len("> initialized ") :].partition(" parallel with size ")
    key = INITIALIZED_KEYS.get(norm_key(what))
    size = size.strip()
    if key is None or not is_uint(size):
        return None
    return [config(key, size, lineno)]


MICRO_BATCHES = "setting number of micro-batches to constant "


def micro_batches_line(text: str, lineno: int) -> list[Record] | None:
    """``setting number of micro-batches to constant 4`` → num_micro_batches=4 (per step)."""
    i = text.find(MICRO_BATCHES)
    if i < 0:
        return None
    value = text[i + len(MICRO_BATCHES) :].strip()
    return [config("num_micro_batches", value, lineno)] if is_uint(value) else None


def timer_line(text: str, lineno: int, step: int | None) -> list[Record] | None:
    """``time (ms) | forward-backward: 123.4 | optimizer: 5.6 |`` → one timer record per name."""
    i = text.find("time (ms)")
    if i < 0 or not prefix_ok(text[:i]):
        return None
    out: list[Record] = []
    for name, value in parse_pairs(text[i + len("time (ms)") :]):
        ms = to_float(value)
        if ms is not None and name:
            out.append(_timer(name, lineno, step, ms=ms))
    return out


def is_minmax_header(stripped: str) -> bool:
    """``(min, max) time across ranks (ms):`` and its ``(max)``/``(min)`` variants."""
    return stripped.startswith("(") and stripped.endswith("time across ranks (ms):")


def minmax_line(text: str, lineno: int, step: int | None, header: str) -> list[Record] | None:
    """``    forward-backward ......: (1234.56, 1240.12)`` inside a min/max block; None if not one.

    Strict (indented, no ``|``, values that are whole numbers) so that the block ends at the
    first line of any other shape, an indented iteration line included.
    """
    if not text.startswith(" ") or "|" in text:
        return None
    head, sep, value = text.strip().partition(":")
    name = head.rstrip(". ")
    if not sep or not name:
        return None
    value = value.strip()
    if value.startswith("(") and value.endswith(")"):
        low, comma, high = value[1:-1].partition(",")
        lo, hi = strict_float(low), strict_float(high)
        if not comma or lo is None or hi is None:
            return None
        return [_timer(name, lineno, step, ms=hi, min_ms=lo, max_ms=hi)]
    ms = strict_float(value)
    if ms is None:
        return None
    key = "min_ms" if header.startswith("(min)") else "max_ms"
    return [_timer(name, lineno, step, ms=ms, **{key: ms})]


def strict_float(text: str) -> float | None:
    """The whole of ``text`` as a float (``nan``/``inf`` included), else None."""
    try:
        return float(text)
    except ValueError:
        return None


def _timer(name: str, lineno: int, step: int | None, **values: float) -> Record:
    rec: Record = {"kind": "timer", "line": lineno, "name": name, **values}
    if step is not None:
        rec["step"] = step
    return rec


def event(etype: str, text: str, lineno: int, **fields: object) -> Record:
    """An info event carrying the stripped line as its message."""
    rec: Record = {"kind": "event", "line": lineno, "severity": "info", "type": etype}
    rec["message"] = text.strip()
    rec.update({k: v for k, v in fields.items() if v is not None})
    return rec


def validation_line(text: str, lineno: int) -> list[Record] | None:
    """``validation loss at iteration 1000 | lm loss value: 6.35E+00 | lm loss PPL: ... |``."""
    i = text.find("validation loss at ")
    if i < 0 or "|" not in text:
        return None
    head, _, body = text[i:].partition("|")
    extra = {k: v for k, v in ((k, to_float(s)) for k, s in parse_pairs(body)) if v is not None}
    step = iteration_number(head)
    return [event("validation", text, lineno, step=step, extra=extra or None)]


def iteration_number(text: str) -> int | None:
    """N in ``... iteration   N ...`` (checkpoint and validation lines)."""
    i = text.find("iteration")
    if i < 0:
        return None
    words = text[i + len("iteration") :].split(maxsplit=1)
    return int(words[0]) if words and is_uint(words[0]) else None


#: Literal line openings (after stripping) → event type, for checkpoint bookkeeping lines.
CHECKPOINT_EVENTS: tuple[tuple[str, str], ...] = (
    ("successfully saved checkpoint", "checkpoint_saved"),
    ("saving checkpoint at iteration", "checkpoint_saving"),
    ("successfully loaded checkpoint", "checkpoint_loaded"),
)


def checkpoint_line(text: str, lineno: int) -> list[Record] | None:
    """Checkpoint save/load lines → events with the iteration as ``step``."""
    stripped = text.strip()
    for opening, etype in CHECKPOINT_EVENTS:
        if stripped.startswith(opening):
            return [event(etype, stripped, lineno, step=iteration_number(stripped))]
    return None
