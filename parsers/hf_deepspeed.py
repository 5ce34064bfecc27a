"""Parser for HF Trainer and DeepSpeed console lines.

- HF Trainer prints a Python dict per logging step: ``{'loss': 2.1, 'grad_norm': 1.3,
  'learning_rate': 1e-05, 'epoch': 0.5}`` (a step record; HF prints no step number, so none is
  set), ``{'eval_loss': ...}`` (a ``validation`` event) and ``{'train_runtime': ...}`` at the end
  (a ``training_done`` event). tqdm may glue its progress bar in front of the dict.
- DeepSpeed's pipeline engine prints ``steps: 1 loss: 10.6554 iter time (s): 4.218 samples/sec:
  7.586`` (a step record), its fp16 optimizer ``[Rank 0] Overflow detected. Skipping step.
  Attempted loss scale: 1, reducing to 1`` (an ``overflow`` warning event) and
  ``see_memory_usage`` prints ``MA 0.65 GB Max_MA 0.66 GB CA 0.68 GB Max_CA 1 GB`` (memory records).
- DeepSpeed's engine prints ``[Rank 0] step=2499, skipped=1585, lr=[0.0001371, 0.0001371],
  mom=[(0.9, 0.95), (0.9, 0.95)]`` every ``steps_per_print``: a step record with the first
  group's ``lr`` and ``extra.skipped_total``, the skipped steps *so far* (a running total, unlike
  the per-interval ``skipped`` field, so it is kept apart; the ``nan`` health rule reads it).
Megatron-DeepSpeed interleaves ``steps:`` lines with Megatron iteration lines for the same step:
both become step records (they are different lines of the log).
"""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record, to_float, to_int
from parsers.hf_deepspeed_samples import HF_DEEPSPEED_SAMPLES
from parsers.megatron_fields import is_uint, prefix_ok, timestamp_in

#: HF Trainer dict keys → step fields; other numeric keys go to ``extra``.
HF_FIELDS: dict[str, str] = {
    "loss": "loss",
    "grad_norm": "grad_norm",
    "learning_rate": "lr",
    "epoch": "epoch",
    "step": "step",
}

#: DeepSpeed ``see_memory_usage`` tokens (GB) → memory metrics.
DS_MEMORY: dict[str, str] = {
    "MA": "allocated",
    "Max_MA": "max_allocated",
    "CA": "reserved",
    "Max_CA": "max_reserved",
}

#: HF Trainer's "***** Running training *****" banner lines → config keys (others keep the name).
HF_CONFIG: dict[str, str] = {
    "Total train batch size (w. parallel, distributed & accumulation)": "global_batch_size",
    "Instantaneous batch size per device": "micro_batch_size",
    "Total optimization steps": "Total optimization steps",
    "Gradient Accumulation steps": "Gradient Accumulation steps",
    "Num Epochs": "Num Epochs",
    "Num examples": "Num examples",
}

#: DeepSpeed ThroughputTimer keys → extra names (samples/s) or memory metrics (GB).
DS_THROUGHPUT_MEMORY: dict[str, str] = {
    "MemAllocated": "allocated",
    "MaxMemAllocated": "max_allocated",
}

#: Markers of DeepSpeed's overflow messages (fp16 optimizer and ZeRO).
OVERFLOW_MARKS: tuple[str, ...] = ("Overflow detected. Skipping step", "OVERFLOW! Rank")


class HfDeepSpeedParser(BaseParser):
    """Lines of HF Trainer and DeepSpeed (see the module docstring)."""

    name: ClassVar[str] = "hf_deepspeed"
    TRIGGERS: ClassVar[tuple[str, ...]] = (
        "{'",
        "steps:",
        "Overflow",
        "OVERFLOW",
        "Max_MA ",
        "global_step=",
        " = ",
        ", skipped=",
    )
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = HF_DEEPSPEED_SAMPLES

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        if not any(t in text for t in self.TRIGGERS):
            return None
        if ", skipped=" in text:
            return ds_engine_step(text, lineno)
        if "{'" in text:
            return hf_dict(text, lineno)
        if "steps:" in text:
            return ds_steps(text, lineno)
        if "Max_MA " in text:
            return ds_memory(text, lineno)
        if "global_step=" in text:
            return ds_throughput(text, lineno)
        if " = " in text:
            return hf_config(text, lineno)
        return ds_overflow(text, lineno)


def _dict_items(text: str) -> dict[str, str] | None:
    """``... {'a': 1, 'b': 'x'}`` → {"a": "1", "b": "x"}; None unless the line ends the dict."""
    start = text.find("{'")
    body = text[start:].rstrip()
    if not body.endswith("}"):
        return None
    items: dict[str, str] = {}
    for part in body[1:-1].split(","):
        key, sep, value = part.partition(":")
        key = key.strip()
        if sep and len(key) > 2 and key[0] == key[-1] == "'":
            items[key[1:-1]] = value.strip().strip("'\"")
    return items


def hf_dict(text: str, lineno: int) -> list[Record] | None:
    """An HF Trainer log dict → a step record, a validation event or a training_done event."""
    items = _dict_items(text)
    if not items:
        return None
    numbers = {k: v for k, v in ((k, to_float(s)) for k, s in items.items()) if v is not None}
    if "train_runtime" in numbers:
        return [_event("training_done", "info", text, lineno, extra=numbers)]
    if "eval_loss" in numbers:
        return [_event("validation", "info", text, lineno, extra=numbers)]
    if "loss" not in numbers:
        return None
    rec: Record = {"kind": "step", "line": lineno}
    extra: dict[str, float] = {}
    for key, value in numbers.items():
        field = HF_FIELDS.get(key)
        if field == "step":
            step = to_int(items[key])
            if step is not None:
                rec["step"] = step
        elif field is not None:
            rec[field] = value
        else:
            extra[key] = value
    if extra:
        rec["extra"] = extra
    return [rec]


def ds_steps(text: str, lineno: int) -> list[Record] | None:
    """``steps: 1 loss: 10.6554 iter time (s): 4.218 samples/sec: 7.586`` → a step record."""
    start = text.find("steps:")
    if text[:start].strip() and timestamp_in(text[:start]) is None:
        return None
    step_txt, _, rest = text[start + len("steps:") :].strip().partition(" ")
    step = to_int(step_txt) if is_uint(step_txt) else None
    if step is None or not rest.startswith("loss:"):
        return None
    rec: Record = {"kind": "step", "line": lineno, "step": step}
    loss_txt, _, rest = rest[len("loss:") :].partition("iter time (s):")
    loss = to_float(loss_txt)
    if loss is not None:
        rec["loss"] = loss
    time_txt, _, tput_txt = rest.partition("samples/sec:")
    seconds = to_float(time_txt)
    if seconds is not None:
        rec["step_time_ms"] = seconds * 1000.0
    tput = to_float(tput_txt) if tput_txt.strip() else None
    if tput is not None:
        rec["extra"] = {"samples/sec": tput}
    stamp = timestamp_in(text[:start])
    if stamp:
        rec["timestamp"] = stamp
    return [rec]


def _digits(text: str) -> int | None:
    return int(text) if is_uint(text) else None


def ds_engine_step(text: str, lineno: int) -> list[Record] | None:
    """``[Rank 0] step=2499, skipped=1585, lr=[0.0001371, 0.0001371], mom=[...]`` → a step
    record: ``lr`` of the first parameter group, ``extra.skipped_total`` (a running total)."""
    start = text.find("step=")
    if start < 0 or not prefix_ok(text[:start]):
        return None
    step_txt, sep, rest = text[start + len("step=") :].partition(", skipped=")
    skipped_txt, _, rest = rest.partition(",")
    step, skipped = _digits(step_txt), _digits(skipped_txt.strip())
    if not sep or step is None or skipped is None:
        return None
    rec: Record = {"kind": "step", "line": lineno, "step": step}
    rest = rest.strip()
    if rest.startswith("lr=["):
        lr = to_float(rest[len("lr=[") :].split("]", 1)[0].split(",", 1)[0])
        if lr is not None:
            rec["lr"] = lr
    rec["extra"] = {"skipped_total": float(skipped)}
    stamp = timestamp_in(text[:start])
    if stamp:
        rec["timestamp"] = stamp
    return [rec]


def ds_throughput(text: str, lineno: int) -> list[Record] | None:
    """``epoch=0/micro_step=10/global_step=10, RunningAvgSamplesPerSec=12.3, ...,
    MemAllocated=1.2GB, MaxMemAllocated=3.4GB`` (DeepSpeed ThroughputTimer) → step + memory."""
    start = text.find("epoch=")
    if start < 0 or not prefix_ok(text[:start]):
        return None
    pairs = dict(
        piece.strip().partition("=")[::2]
        for chunk in text[start:].split(",")
        for piece in chunk.split("/")
    )
    step = to_int(pairs.get("global_step", ""))
    if step is None:
        return None
    rec: Record = {"kind": "step", "line": lineno, "step": step}
    memory: list[Record] = []
    extra: dict[str, float] = {}
    for key, value in pairs.items():
        metric = DS_THROUGHPUT_MEMORY.get(key)
        number = to_float(value.removesuffix("GB"))
        if number is None or key in ("epoch", "micro_step", "global_step"):
            continue
        if metric is not None:
            mem = {"kind": "memory", "line": lineno, "metric": metric, "mb": number * 1024.0}
            memory.append(mem | {"step": step})
        else:
            extra[key] = number
    if extra:
        rec["extra"] = extra
    return [rec, *memory]


def hf_config(text: str, lineno: int) -> list[Record] | None:
    """``  Total train batch size (w. parallel, distributed & accumulation) = 64`` → config."""
    name, _, value = text.partition(" = ")
    stripped = name.strip()
    for label, key in HF_CONFIG.items():
        prefix = stripped[: -len(label)].strip()
        if stripped.endswith(label) and (not prefix or prefix.endswith((">>", "]", " -"))):
            number = value.strip().replace(",", "")
            if is_uint(number):
                return [{"kind": "config", "line": lineno, "key": key, "value": number}]
    return None


def ds_overflow(text: str, lineno: int) -> list[Record] | None:
    """DeepSpeed's loss-scale overflow message → an ``overflow`` warning event."""
    if not any(mark in text for mark in OVERFLOW_MARKS):
        return None
    extra: dict[str, float] = {}
    i = text.find("Attempted loss scale:")
    if i >= 0:
        attempted, _, reduced = text[i + len("Attempted loss scale:") :].partition("reducing to")
        for key, value in (("attempted_loss_scale", attempted), ("new_loss_scale", reduced)):
            number = to_float(value.strip().rstrip(","))
            if number is not None:
                extra[key] = number
    rec = _event("overflow", "warning", text, lineno, extra=extra or None)
    rank = _rank_in(text)
    if rank is not None:
        rec["rank"] = rank
    return [rec]


def ds_memory(text: str, lineno: int) -> list[Record] | None:
    """``MA 0.65 GB Max_MA 0.66 GB CA 0.68 GB Max_CA 1 GB`` → four memory records (MB)."""
    words = text.split()
    out: list[Record] = []
    stamp = timestamp_in(text[:40])
    for i, word in enumerate(words[:-2]):
        metric = DS_MEMORY.get(word)
        value = to_float(words[i + 1]) if metric and words[i + 2] == "GB" else None
        if metric is None or value is None:
            continue
        rec: Record = {"kind": "memory", "line": lineno, "metric": metric, "mb": value * 1024.0}
        if stamp:
            rec["timestamp"] = stamp
        out.append(rec)
    return out or None


def _event(etype: str, severity: str, text: str, lineno: int, *, extra: dict | None) -> Record:
    rec: Record = {"kind": "event", "line": lineno, "severity": severity, "type": etype}
    rec["message"] = text.strip()
    stamp = timestamp_in(text[:40])
    if stamp:
        rec["timestamp"] = stamp
    if extra:
        rec["extra"] = extra
    return rec


def _rank_in(text: str) -> int | None:
    """N of ``[Rank N]`` or ``Rank N`` in a DeepSpeed message."""
    i = text.find("Rank ")
    if i < 0:
        return None
    digits = text[i + 5 :].split("]", 1)[0].split(" ", 1)[0]
    return int(digits) if is_uint(digits) else None
