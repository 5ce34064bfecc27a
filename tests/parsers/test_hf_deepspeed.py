"""HF Trainer / DeepSpeed parser: the real Megatron-DeepSpeed log and edge cases."""

from __future__ import annotations

import pytest

from parsers import parse_lines
from parsers.base import Record
from parsers.hf_deepspeed import HfDeepSpeedParser
from tests.conftest import REAL_LOGS
from tests.parsers import feed_alone

DS_LOG = REAL_LOGS / "deepspeed_hf" / "llm_action_megatron_deepspeed_llama_run.log"


def _records() -> list[Record]:
    if not DS_LOG.exists():
        pytest.skip(f"{DS_LOG} not found")
    return parse_lines(DS_LOG.read_text(encoding="utf-8").splitlines(), source=DS_LOG.name)[0]


def test_deepspeed_and_megatron_lines_both_give_steps() -> None:
    records = [r for r in _records() if r["kind"] == "step"]
    steps = [r for r in records if "skipped_total" not in (r.get("extra") or {})]
    assert [s["step"] for s in steps] == [1, 1, 2, 2, 3, 3, 2498, 2498, 2499, 2499, 2500, 2500]
    ds, mg = steps[0], steps[1]
    assert (ds["line"], ds["loss"], ds["step_time_ms"]) == (249, 10.6554, 4218.0)
    assert ds["extra"] == {"samples/sec": 7.586}
    assert (mg["line"], mg["loss"], mg["tflops"], mg["loss_scale"]) == (
        250,
        10.65542,
        16.98,
        32768.0,
    )
    assert mg["extra"]["consumed tokens"] == 65536.0
    last = steps[-1]
    assert (last["loss"], last["loss_scale"], last["tflops"]) == (12.54951, 1.0, 59.42)


def test_engine_step_lines_give_the_running_total_of_skipped_steps() -> None:
    """``step=N, skipped=K, lr=[...], mom=[...]``: K is a running total, kept in extra."""
    engine = [r for r in _records() if "skipped_total" in (r.get("extra") or {})]
    assert [(r["line"], r["step"], r["extra"]["skipped_total"]) for r in engine] == [
        (21, 0, 0.0),
        (247, 1, 1.0),
        (251, 2, 1.0),
        (254, 3, 1.0),
        (261, 2499, 1585.0),
        (268, 2500, 1586.0),
    ]
    assert engine[2]["lr"] == 1.5e-07 and engine[-1]["timestamp"] == "2023-08-15T07:22:31.764"
    assert "skipped" not in engine[-1]  # the per-interval field stays Megatron's
    lines = [
        "step=3, skipped=x, lr=[1e-05]",  # not a count
        "Error: step=3, skipped=1, lr=[1e-05]",  # not a logger prefix
        "global step=3, skipped=1",  # prose
    ]
    assert feed_alone(HfDeepSpeedParser(), lines) == ([], [1, 2, 3])


def test_overflow_events_and_see_memory_usage() -> None:
    records = _records()
    overflows = [r for r in records if r.get("type") == "overflow"]
    assert [o["line"] for o in overflows] == [260, 267]
    assert all(o["severity"] == "warning" and o["rank"] == 0 for o in overflows)
    assert overflows[0]["timestamp"] == "2023-08-15T07:22:30.556"
    memory = {r["metric"]: r["mb"] for r in records if r["kind"] == "memory"}
    assert memory == pytest.approx(
        {"allocated": 665.6, "max_allocated": 675.84, "reserved": 696.32, "max_reserved": 1024.0}
    )


def test_hf_dicts_edge_cases() -> None:
    lines = [
        "{'loss': nan, 'grad_norm': inf, 'learning_rate': 0.0, 'epoch': 0.01}",
        "{'loss': '1.5', 'step': 40}",  # values printed as strings, a step when given
        "{'block_size': 1048576, 'queue_depth': 8}",  # DeepSpeed config dict: not ours
        "{'loss': 2.0, 'learning_rate': [1e-05, 2e-05]",  # unterminated
        "steps: x loss: 1.0 iter time (s): 1.0 samples/sec: 1.0",
        "Epoch 1 steps: 10 loss: 1.0",  # a prefix that is no timestamp
        "[deepspeed] OVERFLOW! Rank 3 Skipping step. Attempted loss scale: 4294967296, "
        "reducing to 2147483648",
    ]
    records, unclaimed = feed_alone(HfDeepSpeedParser(), lines)
    assert unclaimed == [3, 4, 5, 6]
    nan_step, str_step, overflow = records
    assert nan_step["loss"] != nan_step["loss"] and nan_step["grad_norm"] == float("inf")
    assert "step" not in nan_step  # HF prints no step: none is guessed
    assert (str_step["loss"], str_step["step"]) == (1.5, 40)
    assert overflow["rank"] == 3
    assert overflow["extra"] == {
        "attempted_loss_scale": 4294967296.0,
        "new_loss_scale": 2147483648.0,
    }
