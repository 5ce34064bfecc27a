"""Launcher prefixes name the rank that printed a line: torchrun's and Slurm's ``srun --label``."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.load import load_paths
from parsers.prefix import strip_rank_prefix

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "slurm" / "srun_label_megatron.log"


@pytest.mark.parametrize(
    ("text", "rank", "body"),
    [
        ("[default3]: iteration 1", 3, "iteration 1"),
        ("[rank12]:x", 12, "x"),
        (" 3: iteration 1", 3, "iteration 1"),
        ("15: time (ms) | a: 1", 15, "time (ms) | a: 1"),
        ("2024-05-01 10:11:12 - mindformers", None, "2024-05-01 10:11:12 - mindformers"),
        ("10:11:12 iteration", None, "10:11:12 iteration"),
        ("  iteration 3/ 10 |", None, "  iteration 3/ 10 |"),
        ("3:no space", None, "3:no space"),
    ],
)
def test_prefixes(text: str, rank: int | None, body: str) -> None:
    assert strip_rank_prefix(text) == (rank, body)


def test_one_srun_file_holds_every_rank() -> None:
    """srun --label interleaves all tasks in one file: each record gets its task's rank."""
    (data,) = load_paths([FIXTURE], use_cache=False)
    assert set(data.steps["rank"].to_list()) == {15}
    assert sorted(set(data.memory["rank"].to_list())) == [3, 7]
    assert set(data.timers["rank"].to_list()) == {15}
    events = {(e["type"], e["rank"]) for e in data.events.iter_rows(named=True)}
    assert events == {("log_warning", 12), ("traceback", 9), ("worker_exit", 9)}
    assert data.config.height == 4 and data.stats.unrecognised == 0
