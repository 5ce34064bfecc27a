"""The runs the sample logs reproduce, with the numbers taken from the seed tables.

Seed ``000_*.txt`` (Qwen2.5-7B, 8 NPUs, SEQ_LEN 4096): throughput 119/126/126/99 TFLOP/s and
peak memory 35366/37087/27951/26779 MB for TP2PP4, TP2PP4+VPP, TP4PP2, TP4PP2+recompute. The two
context-parallel runs (SEQ_LEN 16384) have no published numbers: theirs are our own, plausible.
Seed ``004_*.txt`` (TP2 PP2, SEQ_LEN 10240, MBS 1, GBS 64, 4 NPUs): the MindSpore memory summary of
real and dry runs, with and without recompute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Qwen2.5-7B: parameters in matmuls (layers + untied output layer), layers, hidden size.
MATMUL_PARAMS = 7.07e9
LAYERS = 28
HIDDEN = 3584

#: Global batch size of the strategy runs: the seed elides it; 16 (16 micro-batches of 1).
STRATEGY_GBS = 16
STRATEGY_STEPS = 50


@dataclass(frozen=True)
class StrategyRun:
    """One run of seed 000: its parallel layout and the numbers it must reproduce."""

    name: str
    tp: int
    pp: int
    tflops: float  # median after warm-up, rounds to the seed's integer
    peak_mb: int  # max over ranks of max_reserved
    seq: int = 4096
    cp: int = 1
    cp_algo: str = "ulysses_cp_algo"  # MindSpeed's default, printed even with cp 1
    vpp_layers: int | None = None  # num_layers_per_virtual_pipeline_stage
    noop: str | None = None
    recompute: bool = False
    data_seed: int = 4096
    start: datetime = datetime(2025, 3, 12, 10, 15, 3)

    @property
    def num_layers(self) -> int:
        return LAYERS + (len(self.noop.split(",")) if self.noop else 0)

    @property
    def world(self) -> int:
        return 8


STRATEGY_RUNS: tuple[StrategyRun, ...] = (
    StrategyRun("tp2pp4", 2, 4, 119.2, 35366),
    StrategyRun(
        "tp2pp4_vpp",
        2,
        4,
        126.3,
        37087,
        vpp_layers=2,
        noop="2,3,5,8",
        start=datetime(2025, 3, 12, 10, 31, 47),
    ),
    StrategyRun("tp4pp2", 4, 2, 125.8, 27951, start=datetime(2025, 3, 12, 10, 48, 12)),
    StrategyRun(
        "tp4pp2_recompute",
        4,
        2,
        99.4,
        26779,
        recompute=True,
        start=datetime(2025, 3, 12, 11, 4, 55),
    ),
    # Not in the seed's table: numbers of our own.
    StrategyRun(
        "tp2pp2_cp2_ring",
        2,
        2,
        112.6,
        38412,
        seq=16384,
        cp=2,
        cp_algo="megatron_cp_algo",
        data_seed=16384,
        start=datetime(2025, 3, 12, 11, 23, 30),
    ),
    StrategyRun(
        "tp2pp2_cp2_ulysses",
        2,
        2,
        117.9,
        40906,
        seq=16384,
        cp=2,
        cp_algo="ulysses_cp_algo",
        data_seed=16384,
        start=datetime(2025, 3, 12, 12, 2, 8),
    ),
)


@dataclass(frozen=True)
class DryRunRun:
    """One run of seed 004: real or dry run, with or without recompute, and its memory table row."""

    name: str
    dryrun: bool
    recompute: bool
    device_mb: int
    used_mb: int
    peak_used_mb: int
    peak_actual_mb: int
    tflops: float  # real runs only (3 iteration lines); our own number
    start: datetime


DRYRUN_RUNS: tuple[DryRunRun, ...] = (
    DryRunRun(
        "tp2pp2_real",
        False,
        False,
        62420,
        58178,
        55405,
        57400,
        108.7,
        datetime(2025, 4, 2, 14, 5, 11),
    ),
    DryRunRun(
        "tp2pp2_dryrun",
        True,
        False,
        65536,
        61430,
        55389,
        57341,
        0.0,
        datetime(2025, 4, 2, 14, 21, 40),
    ),
    DryRunRun(
        "tp2pp2_recompute_real",
        False,
        True,
        62420,
        58166,
        35073,
        36174,
        93.1,
        datetime(2025, 4, 2, 14, 30, 2),
    ),
    DryRunRun(
        "tp2pp2_recompute_dryrun",
        True,
        True,
        65536,
        61430,
        34946,
        35720,
        0.0,
        datetime(2025, 4, 2, 14, 52, 19),
    ),
)

DRYRUN_TP, DRYRUN_PP, DRYRUN_SEQ, DRYRUN_GBS, DRYRUN_STEPS, DRYRUN_WORLD = 2, 2, 10240, 64, 3, 4


def step_flops(tokens: int, seq: int, recompute: bool) -> float:
    """Model FLOPs of one step (dense matmuls plus attention scores; ×4/3 with full recompute)."""
    dense = 6 * MATMUL_PARAMS * tokens
    attention = 12 * LAYERS * HIDDEN * seq * tokens
    return (dense + attention) * (4 / 3 if recompute else 1.0)
