"""The Megatron-family iteration line as data: its keys, the fields they fill, and a str-only parser.

Megatron-LM, Megatron-Core, Pai-Megatron-Patch, MindSpeed-LLM, AscendSpeed/ModelLink and
Megatron-DeepSpeed all print one line per logging interval::

     [2024-06-18 22:26:49] iteration      100/    2000 | consumed samples: 800 | ... | lm loss: 9.68E+00 |

The tables below are the single source of truth for which key fills which step field. Both the
line parser here and a vectorised (polars) fast path read them, so the two give the same records.
Parsing splits on ``|`` and ``:`` with plain string methods: no per-field regex.
"""

from __future__ import annotations

import math
import re

from parsers.base import Record, to_float

#: Iteration-line key (whitespace-normalised, as printed) → (step field, Python type).
ITERATION_FIELDS: dict[str, tuple[str, type]] = {
    "consumed samples": ("consumed_samples", int),
    "elapsed time per iteration (ms)": ("step_time_ms", float),
    "throughput per GPU (TFLOP/s/GPU)": ("tflops", float),
    "TFLOPs": ("tflops", float),
    "learning rate": ("lr", float),
    "global batch size": ("global_batch_size", int),
    "gloabl batch size": ("global_batch_size", int),  # AscendSpeed/ModelLink spelling
    "lm loss": ("loss", float),
    "loss scale": ("loss_scale", float),
    "grad norm": ("grad_norm", float),
    "number of skipped iterations": ("skipped", int),
    "number of nan iterations": ("nan_count", int),
}

#: Iteration-line keys reporting peak memory in GB (MindSpeed-LLM FSDP2) → memory metric; stored in MB.
MEMORY_GB_FIELDS: dict[str, str] = {
    "max_memory_allocated(GB)": "max_allocated",
    "max_memory_reserved(GB)": "max_reserved",
    "memory_allocated(GB)": "allocated",
    "memory_reserved(GB)": "reserved",
}

#: Every other ``name: number`` pair on an iteration line goes to ``extra`` under its printed name
#: (whitespace-normalised); pairs whose value is not a number are dropped.
EXTRA_RULE = "other numeric pairs → extra[name]"

#: The literal that opens an iteration record's head (``iteration  N/ M``).
ITERATION_MARK = "iteration"

#: Megatron memory report keys (``[Rank N] (after K iterations) memory (MB) | allocated: ...``).
MEMORY_REPORT_FIELDS: dict[str, str] = {
    "allocated": "allocated",
    "max allocated": "max_allocated",
    "reserved": "reserved",
    "max reserved": "max_reserved",
    # Host memory in the same report (analyzer's CPU demo workload: no device memory to measure).
    "host rss": "host_rss",
    "max host rss": "max_host_rss",
}

_TIMESTAMP = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:[.,]([0-9]{1,6}))?"
)

#: Longest prefix (before ``iteration``) still taken for a timestamp/logger prefix.
MAX_PREFIX = 120


def norm_key(key: str) -> str:
    """Collapse runs of whitespace (irregular padding, a record wrapped over two lines)."""
    key = key.strip()
    return " ".join(key.split()) if "  " in key or "\n" in key or "\t" in key else key


def is_uint(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts ``²``, which ``int`` refuses)."""
    return text.isascii() and text.isdigit()


def timestamp_in(text: str) -> str | None:
    """ISO 8601 form of the first ``YYYY-MM-DD HH:MM:SS[.,fff]`` in a (short) prefix."""
    m = _TIMESTAMP.search(text)
    if m is None:
        return None
    date, clock, frac = m.groups()
    return f"{date}T{clock}.{frac}" if frac else f"{date}T{clock}"


#: Bracketed levels open MindSpore's own lines, never a Megatron record.
FOREIGN_PREFIXES: tuple[str, ...] = ("[WARNING]", "[ERROR]", "[INFO]", "[DEBUG]", "[CRITICAL]")


def prefix_ok(prefix: str) -> bool:
    """Nothing, or a logger prefix: ``[ts]``, ``INFO [ts] >>``, a timestamp; not ``Error: ``."""
    p = prefix.strip()
    if not p:
        return True
    if "|" in p or p.startswith(FOREIGN_PREFIXES):
        return False
    return p.endswith(("]", ">>")) or timestamp_in(p) is not None


def iteration_head(text: str) -> tuple[int, int, int | None, int] | None:
    """Locate ``iteration  a/ b`` followed by ``|``: (start of the mark, a, b, index after b).

    None when the line is not an iteration line (``validation loss at iteration 1000 |`` has
    no ``a/b``; a prefix longer than MAX_PREFIX or holding ``|`` is not a logger prefix).
    """
    start = text.find(ITERATION_MARK)
    if start < 0 or start > MAX_PREFIX or not prefix_ok(text[:start]):
        return None
    pos = start + len(ITERATION_MARK)
    slash = text.find("/", pos)
    bar = text.find("|", pos)
    if slash < 0 or bar < 0 or slash > bar or bar - pos > 40:
        return None
    step_txt = text[pos:slash].strip()
    total_txt = text[slash + 1 : bar].strip()
    if not is_uint(step_txt) or not (is_uint(total_txt) or total_txt == ""):
        return None
    return start, int(step_txt), int(total_txt) if total_txt else None, bar


def _convert(value: str, typ: type) -> float | int | None:
    number = to_float(value)
    if number is None:
        return None
    if typ is int:
        return int(number) if math.isfinite(number) else None
    return number


def parse_pairs(body: str) -> list[tuple[str, str]]:
    """``| a: 1 | b: 2 |`` → [("a", "1"), ("b", "2")]; segments without ``:`` are dropped."""
    pairs: list[tuple[str, str]] = []
    for segment in body.split("|"):
        key, sep, value = segment.partition(":")
        if sep:
            pairs.append((norm_key(key), value.strip()))
    return pairs


def iteration_records(text: str, lineno: int) -> list[Record] | None:
    """Parse a complete iteration line (or two wrapped lines joined) to step + memory records."""
    head = iteration_head(text)
    if head is None:
        return None
    start, step, total, bar = head
    rec: Record = {"kind": "step", "line": lineno, "step": step}
    if total is not None:
        rec["total_steps"] = total
    stamp = timestamp_in(text[:start]) if start else None
    if stamp:
        rec["timestamp"] = stamp
    extra: dict[str, float] = {}
    memory: list[Record] = []
    for key, value in parse_pairs(text[bar:]):
        field = ITERATION_FIELDS.get(key)
        if field is not None:
            number = _convert(value, field[1])
            if number is not None:
                rec[field[0]] = number
            continue
        number = to_float(value)
        if number is None:
            continue
        metric = MEMORY_GB_FIELDS.get(key)
        if metric is not None:
            memory.append(_memory(metric, number * 1024.0, step, lineno, stamp))
        else:
            extra[key] = number
    if extra:
        rec["extra"] = extra
    return [rec, *memory]


def _memory(metric: str, mb: float, step: int | None, lineno: int, stamp: str | None) -> Record:
    rec: Record = {"kind": "memory", "line": lineno, "metric": metric, "mb": mb}
    if step is not None:
        rec["step"] = step
    if stamp:
        rec["timestamp"] = stamp
    return rec


def memory_report_records(text: str, lineno: int) -> list[Record] | None:
    """``[Rank N] (after K iterations) memory (MB) | allocated: ... | max reserved: ...``."""
    mark = text.find("memory (MB)")
    if mark < 0:
        return None
    head = text[:mark]
    rank = _number_after(head, "[Rank ")
    step = _number_after(head, "(after ")
    stamp = timestamp_in(head)
    out: list[Record] = []
    for key, value in parse_pairs(text[mark + len("memory (MB)") :]):
        metric = MEMORY_REPORT_FIELDS.get(key)
        number = to_float(value) if metric else None
        if metric is None or number is None:
            continue
        rec = _memory(metric, number, step, lineno, stamp)
        if rank is not None:
            rec["rank"] = rank
        out.append(rec)
    return out or None


def _number_after(text: str, marker: str) -> int | None:
    """The integer right after ``marker`` in ``text`` (``[Rank 3]`` → 3), else None."""
    i = text.find(marker)
    if i < 0:
        return None
    i += len(marker)
    j = i
    while j < len(text) and "0" <= text[j] <= "9":
        j += 1
    return int(text[i:j]) if j > i else None
