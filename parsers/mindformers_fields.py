"""MindFormers line shapes: the logger prefixes, the MFLossMonitor step lines of its three
generations, and the parallel/recompute config dumps.

Prefixes (all optional parts seen in published logs)::

    2023-08-07 19:12:16,935 - mindformers - INFO - <message>
    2025-04-07 15:34:27,308 - [mindformers/core/callback/callback.py:529] - INFO - <message>
    [INFO] 2023-07-11 10:47:36,427 [/root/.../mindformers/core/callback/callback.py:269] print_output_info: <message>
    - INFO - <message>
"""

from __future__ import annotations

import ast
import re

from parsers.base import Record, to_float
from parsers.mindspore_common import config, norm_value

_NUM = r"([-+]?(?:nan|inf|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?))"

_DASH_PREFIX = re.compile(
    r"^(?:([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2}:[0-9]{2})[,.][0-9]{1,6} )?- "
    r"(?:(mindformers|\[[^\]]{1,300}\]) - )?(DEBUG|INFO|WARNING|ERROR|CRITICAL) - "
)
_BRACKET_PREFIX = re.compile(
    r"^\[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ([0-9]{4}-[0-9]{2}-[0-9]{2}) "
    r"([0-9]{2}:[0-9]{2}:[0-9]{2})[,.][0-9]{1,6} \[([^\]]{1,300})\] (?:[A-Za-z_0-9<>]{1,80}: )?"
)

_EPOCH = re.compile(r"Epoch:\s*\[\s*([0-9]+)\s*/\s*([0-9]+)\s*\]")
_STEP_BRACKET = re.compile(r"step:\s*\[\s*([0-9]+)\s*/\s*([0-9]+)\s*\]")
_STEP_PLAIN = re.compile(r"(?<![A-Za-z_])step:? ([0-9]+)\s*/\s*([0-9]+)")
_LOSS_PAIR = re.compile(r"(?<![A-Za-z_])loss:\s*\[\s*" + _NUM + r"\s*/\s*" + _NUM + r"\s*\]")
_LOSS = re.compile(r"(?<![A-Za-z_])loss:\s*" + _NUM)
_TIME = re.compile(r"(?<![A-Za-z_])time:\s*" + _NUM + r"\s*ms")
_PER_STEP_TIME = re.compile(r"per_step_time:\s*" + _NUM + r"\s*ms")
_LR = re.compile(r"(?<![A-Za-z_])lr:\s*\[?\s*" + _NUM)
_OVERFLOW = re.compile(r"overflow cond: (True|False)")
_LOSS_SCALE = re.compile(r"loss_scale: " + _NUM)
_GLOBAL_NORM = re.compile(r"global_norm:?\s*\[?\s*" + _NUM)
_THROUGHPUT = re.compile(r"train_throughput_per_npu: " + _NUM + r"T")
_EXTRA_LOSSES = re.compile(r"(?<![A-Za-z_])(lm_loss|aux_loss|mtp_loss): " + _NUM)

_PER_SINK = re.compile(
    r"Per sink_size step time: " + _NUM + r" ms, per step time: " + _NUM + r" ms"
    r"(?:, avg loss: " + _NUM + r")?"
)
_EPOCH_TIME = re.compile(r"Epoch time: " + _NUM + r" ms, per step time: " + _NUM + r" ms")
_PROGRESS = re.compile(r"^\s*[0-9]{1,3}\.[0-9]% ")

#: MindFormers parallel_config keys → the normalised config keys (others keep their name).
PARALLEL_KEYS: dict[str, str] = {
    "data_parallel": "dp",
    "model_parallel": "tp",
    "pipeline_stage": "pp",
    "context_parallel": "cp",
    "use_seq_parallel": "sp",
    "optimizer_shard": "distributed_optimizer",
}


def split_prefix(text: str) -> tuple[str | None, str | None, bool, str] | None:
    """``(level, iso_timestamp, names_mindformers, message)`` of a MindFormers logger line."""
    m = _DASH_PREFIX.match(text)
    if m is not None:
        ts = f"{m.group(1)}T{m.group(2)}" if m.group(1) else None
        named = m.group(3) is not None and "mindformers" in m.group(3)
        return m.group(4), ts, named, text[m.end() :]
    if text.startswith("["):
        m = _BRACKET_PREFIX.match(text)
        if m is not None:
            ts = f"{m.group(2)}T{m.group(3)}"
            return m.group(1), ts, "mindformers" in m.group(4), text[m.end() :]
    return None


def step_record(msg: str, lineno: int) -> Record | None:
    """The step record of an MFLossMonitor line, any generation; None if it is none."""
    ep = _EPOCH.search(msg)
    st = _STEP_BRACKET.search(msg) or (None if ep else _STEP_PLAIN.search(msg))
    if st is None or (ep is None and "per_step_time" not in msg):
        return None
    in_epoch, per_epoch = int(st.group(1)), int(st.group(2))
    rec: Record = {"kind": "step", "line": lineno, "step": in_epoch}
    extra: dict[str, object] = {}
    if ep is not None:
        epoch, epochs = int(ep.group(1)), int(ep.group(2))
        rec["epoch"] = float(epoch)
        rec["step"] = (epoch - 1) * per_epoch + in_epoch
        rec["total_steps"] = epochs * per_epoch
        if epoch > 1:
            extra["step_in_epoch"] = in_epoch
    else:
        rec["total_steps"] = per_epoch
    _losses(msg, rec, extra)
    _numbers(msg, rec, extra)
    if extra:
        rec["extra"] = extra
    return rec


def _losses(msg: str, rec: Record, extra: dict[str, object]) -> None:
    pair = _LOSS_PAIR.search(msg)
    if pair is not None:
        rec["loss"] = to_float(pair.group(1))
        extra["avg_loss"] = to_float(pair.group(2))
    else:
        loss = _LOSS.search(msg)
        if loss is not None:
            rec["loss"] = to_float(loss.group(1))
    for m in _EXTRA_LOSSES.finditer(msg):
        extra[m.group(1)] = to_float(m.group(2))


def _numbers(msg: str, rec: Record, extra: dict[str, object]) -> None:
    per_step = _PER_STEP_TIME.search(msg)
    if per_step is not None:
        rec["step_time_ms"] = to_float(per_step.group(1))
    else:
        t = _TIME.search(msg)
        if t is not None:
            extra["time_ms"] = to_float(t.group(1))
    for pattern, field in (
        (_LR, "lr"),
        (_LOSS_SCALE, "loss_scale"),
        (_GLOBAL_NORM, "grad_norm"),
        (_THROUGHPUT, "tflops"),
    ):
        m = pattern.search(msg)
        if m is not None:
            rec[field] = to_float(m.group(1))
    ov = _OVERFLOW.search(msg)
    if ov is not None:
        rec["skipped"] = 1 if ov.group(1) == "True" else 0


def per_sink(msg: str) -> tuple[float | None, float | None, float | None] | None:
    """``(sink_ms, per_step_ms, avg_loss)`` of a ``Per sink_size step time`` line."""
    m = _PER_SINK.search(msg)
    if m is None:
        return None
    avg = to_float(m.group(3)) if m.group(3) else None
    return to_float(m.group(1)), to_float(m.group(2)), avg


def epoch_timers(msg: str, lineno: int, step: int | None) -> list[Record] | None:
    """``Epoch time: X ms, per step time: Y ms`` (end of a non-sink epoch) → timer records."""
    m = _EPOCH_TIME.search(msg)
    if m is None:
        return None
    out: list[Record] = []
    for name, value in (("epoch_time", m.group(1)), ("per_step_time", m.group(2))):
        rec: Record = {"kind": "timer", "line": lineno, "name": name, "ms": to_float(value)}
        if step is not None:
            rec["step"] = step
        out.append(rec)
    return out


def is_progress(msg: str) -> bool:
    """The progress bar MFLossMonitor prints after each step line (``  0.0% |...| 0.006 samples/s/p``)."""
    return "samples/s/p" in msg and _PROGRESS.match(msg) is not None


def config_records(msg: str, lineno: int) -> list[Record] | None:
    """``initial parallel_config from dict: {...}`` / ``initial recompute_config ...``."""
    at = msg.find("_config from dict: ")
    if at < 0:
        return None
    kind = msg[:at].rsplit(" ", 1)[-1]
    try:
        values = ast.literal_eval(msg[at + len("_config from dict: ") :].strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return []
    if not isinstance(values, dict):
        return []
    out = [
        config(PARALLEL_KEYS.get(str(k), str(k)) if kind == "parallel" else str(k), _str(v), lineno)
        for k, v in values.items()
    ]
    if kind == "recompute":
        granularity = _granularity(values)
        if granularity:
            out.append(config("recompute_granularity", granularity, lineno))
    return out


def _granularity(values: dict) -> str | None:
    if values.get("recompute") is True:
        return "full"
    if values.get("select_recompute") is True or values.get("select_comm_recompute") is True:
        return "selective"
    return None


def _str(value: object) -> str:
    return norm_value(str(value)) if isinstance(value, bool | str) else str(value)
