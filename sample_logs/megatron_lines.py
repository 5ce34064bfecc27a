"""Megatron / MindSpeed-LLM lines, formatted as Megatron's own ``print`` calls format them.

- ``_print_args``: ``'  {} {} {}'.format(arg, '.' * (48 - len(arg)), value)``, sorted by name
  (case-insensitive), between the ``arguments`` rulers, rank 0 only;
- ``training_log``: `` [YYYY-mm-dd HH:MM:SS] iteration {:8d}/{:8d} | ...`` from the last rank only;
- ``report_memory``: ``[Rank N] (after K iterations) memory (MB) | allocated: ...`` from each rank
  whose data-parallel rank is 0, once, after the first logged iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def arguments_dump(args: dict[str, object]) -> list[str]:
    """The arguments block exactly as Megatron's ``_print_args`` prints it."""
    lines = ["------------------------ arguments ------------------------"]
    for name in sorted(args, key=str.lower):
        dots = "." * (48 - len(name))
        lines.append(f"  {name} {dots} {args[name]}")
    lines.append("-------------------- end of arguments ---------------------")
    return lines


@dataclass(frozen=True)
class Iteration:
    """The numbers of one iteration line."""

    step: int
    total: int
    consumed: int
    step_ms: float
    tflops: float
    lr: float
    gbs: int
    loss: float
    grad_norm: float


def iteration_line(ts: datetime, it: Iteration) -> str:
    """One Megatron-core ``training_log`` line with ``--log-throughput``."""
    return (
        f" [{ts:%Y-%m-%d %H:%M:%S}]"
        f" iteration {it.step:8d}/{it.total:8d} |"
        f" consumed samples: {it.consumed:12d} |"
        f" elapsed time per iteration (ms): {it.step_ms:.1f} |"
        f" throughput per GPU (TFLOP/s/GPU): {it.tflops:.1f} |"
        f" learning rate: {it.lr:.6E} |"
        f" global batch size: {it.gbs:5d} |"
        f" lm loss: {it.loss:.6E} |"
        f" loss scale: {1.0:.1f} |"
        f" grad norm: {it.grad_norm:.3f} |"
        f" number of skipped iterations: {0:3d} |"
        f" number of nan iterations: {0:3d} |"
    )


def memory_report(
    rank: int, after: int, alloc: float, max_alloc: float, reserved: float, max_reserved: float
) -> str:
    """Megatron's ``report_memory`` line (values are bytes / 2**20, printed with repr)."""
    return (
        f"[Rank {rank}] (after {after} iterations) memory (MB) | allocated: {alloc!r} | "
        f"max allocated: {max_alloc!r} | reserved: {reserved!r} | max reserved: {max_reserved!r}"
    )


def startup_rank0(world: int, tp: int, pp: int, cp: int, dp: int) -> list[str]:
    """What rank 0 prints before the arguments dump."""
    return [
        f"using world size: {world}, data-parallel size: {dp}, context-parallel size: {cp}, "
        f"tensor-model-parallel size: {tp}, pipeline-model-parallel size: {pp} ",
        "using torch.bfloat16 for parameters ...",
    ]


def setup_rank0(
    tp: int, pp: int, t_init: datetime, t_built: datetime, t_train: datetime
) -> list[str]:
    """Rank 0's lines between the arguments dump and the first iteration."""
    return [
        "> building Qwen2Tokenizer tokenizer ...",
        " > padded vocab (size: 151665) with 399 dummy tokens (new size: 152064)",
        "> initializing torch distributed ...",
        f"> initialized tensor model parallel with size {tp}",
        f"> initialized pipeline model parallel with size {pp}",
        "> setting random seeds to 1234 ...",
        "time to initialize megatron (seconds): 41.268",
        f"[after megatron is initialized] datetime: {t_init:%Y-%m-%d %H:%M:%S} ",
        "building GPT model ...",
        "> learning rate decay style: cosine",
        f"[after model, optimizer, and learning rate scheduler are built] datetime: {t_built:%Y-%m-%d %H:%M:%S} ",
        "> building train, validation, and test datasets ...",
        "> finished creating GPT datasets ...",
        f"[after dataloaders are built] datetime: {t_built:%Y-%m-%d %H:%M:%S} ",
        "done with setup ...",
        "(min, max) time across ranks (ms):",
        "    model-and-optimizer-setup ......................: (18342.17, 18415.90)",
        "    train/valid/test-data-iterators-setup ..........: (1204.55, 1311.02)",
        "training ...",
        f"[before the start of training step] datetime: {t_train:%Y-%m-%d %H:%M:%S} ",
    ]


def param_count_line(tp_rank: int, pp_rank: int, count: int) -> str:
    return f" > number of parameters on (tensor, pipeline) model parallel rank ({tp_rank}, {pp_rank}): {count}"
