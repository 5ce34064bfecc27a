"""Megatron-family parser: real-log numbers checked by hand, edge cases, and the field tables."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import parse_lines
from parsers.base import Record
from parsers.megatron import MegatronParser
from parsers.megatron_fields import ITERATION_FIELDS, MEMORY_GB_FIELDS, iteration_records
from parsers.schema import SCHEMAS
from tests.conftest import REAL_LOGS
from tests.parsers import feed_alone, same_value

MEGATRON = REAL_LOGS / "megatron"


def _parse(path: Path) -> list[Record]:
    if not path.exists():
        pytest.skip(f"{path} not found")
    return parse_lines(path.read_text(encoding="utf-8").splitlines(), source=path.name)[0]


def _one(records: list[Record], **fields: object) -> Record:
    hits = [r for r in records if all(r.get(k) == v for k, v in fields.items())]
    assert len(hits) == 1, f"{len(hits)} records match {fields}"
    return hits[0]


def test_pp4_run_step_100_and_rank0_memory() -> None:
    records = _parse(MEGATRON / "llm_action_megatron_gpt2_pp4_run.log")
    step = _one(records, kind="step", step=100)
    assert step["loss"] == 9.682818
    assert step["step_time_ms"] == 452.0
    assert step["skipped"] == 15
    assert step["nan_count"] == 0
    assert step["lr"] == 3.984e-06
    assert step["loss_scale"] == 262144.0
    assert step["total_steps"] == 2000
    mem = _one(records, kind="memory", rank=0, metric="max_reserved", step=100)
    assert mem["mb"] == 7766.0
    assert _one(records, kind="memory", rank=3, metric="max_allocated")["mb"] == 4390.34521484375
    assert [r["step"] for r in records if r["kind"] == "step"] == list(range(100, 2001, 100))
    assert {(r["key"], r["value"]) for r in records if r["kind"] == "config"} == {
        ("tp", "1"),
        ("pp", "4"),
        ("num_micro_batches", "4"),  # "setting number of micro-batches to constant 4"
    }


def test_pp4_run_timers_validation_and_checkpoints() -> None:
    records = _parse(MEGATRON / "llm_action_megatron_gpt2_pp4_run.log")
    timers = [r for r in records if r["kind"] == "timer"]
    assert [t["name"] for t in timers] == [
        "load-checkpoint",
        "model-and-optimizer-setup",
        "train/valid/test-data-iterators-setup",
        "save-checkpoint",
        "save-checkpoint",
    ]
    assert timers[3] | {} == timers[3] and timers[3]["step"] == 1000
    assert (timers[3]["min_ms"], timers[3]["max_ms"]) == (32390.20, 32392.97)
    assert timers[4]["step"] == 2000 and "step" not in timers[0]
    val = _one(records, kind="event", type="validation", step=1000)
    assert val["extra"] == {"lm loss value": 6.355064, "lm loss PPL": 575.3991}
    saved = [r["step"] for r in records if r.get("type") == "checkpoint_saved"]
    assert saved == [1000, 2000, 2000]
    assert _one(records, kind="event", type="training_done")["timestamp"] == "2023-07-17T01:28:11"


@pytest.mark.parametrize(
    ("name", "step", "loss", "tflops", "time_ms"),
    [
        ("ascendspeed_2023_llama65b_wrapped_line.log", 3, 12.00820, 107.09, 33818.0),
        ("modellink_2023_llama33b_wrapped_line.log", 11, 13.76514, 167.52, 52728.1),
    ],
)
def test_wrapped_record_is_one_step(
    name: str, step: int, loss: float, tflops: float, time_ms: float
) -> None:
    records = _parse(MEGATRON / name)
    assert [r["kind"] for r in records] == ["step"]
    rec = records[0]
    assert (rec["line"], rec["step"], rec["loss"], rec["tflops"]) == (1, step, loss, tflops)
    assert rec["step_time_ms"] == time_ms
    assert rec["skipped"] == 0 and rec["nan_count"] == 0
    assert rec["global_batch_size"] in (256, 512)
    assert set(rec["extra"]) == {"consumed tokens", "actual seqlen", "samples per second"}


def test_mindspeed_fsdp2_memory_in_gb_becomes_mb() -> None:
    records = _parse(MEGATRON / "mindspeed_llm_fsdp2_pretrain_qwen3_8b_npu.log")
    steps = [r for r in records if r["kind"] == "step"]
    assert [s["step"] for s in steps] == [1, 2, 3]
    assert steps[1]["timestamp"] == "2026-06-22T19:28:41"
    assert steps[1]["extra"] == {"consumed tokens": 65536.0}
    mem = _one(records, kind="memory", step=2, metric="max_reserved")
    assert mem["mb"] == pytest.approx(25.59 * 1024)


def test_single_gpu_arguments_dump() -> None:
    records = _parse(MEGATRON / "llm_action_megatron_gpt2_single_gpu_full_startup.log")
    config = [(r["key"], r["value"]) for r in records if r["kind"] == "config"]
    keys = dict(config)
    assert keys["tp"] == "1" and keys["pp"] == "1" and keys["dp"] == "1"
    assert keys["seq_length"] == "1024" and keys["num_layers"] == "24"
    assert keys["sp"] == "false" and keys["distributed_optimizer"] == "false"
    assert keys["micro_batch_size"] == "1" and keys["global_batch_size"] == "2"
    assert keys["recompute_num_layers"] == "1"
    assert keys["data_path"] == "['/workspace/data/my-gpt2_text_document']"
    assert "vpp" not in keys and "recompute_granularity" not in keys  # None: no record
    assert ("world_size", "1") in config
    loaded = _one(records, kind="event", type="checkpoint_loaded")
    assert loaded["step"] == 5000


def test_field_tables_cover_the_schema() -> None:
    step_fields = set(SCHEMAS["step"])
    assert {field for field, _ in ITERATION_FIELDS.values()} <= step_fields
    assert set(MEMORY_GB_FIELDS.values()) <= {
        "allocated",
        "max_allocated",
        "reserved",
        "max_reserved",
    }


def test_iteration_line_edge_cases() -> None:
    assert iteration_records(" validation loss at iteration 1000 | lm loss value: 6.3 |", 1) is None
    assert iteration_records("saving checkpoint at iteration    1000 to /x", 1) is None
    recs = iteration_records(" iteration 5/ | lm loss: -nan | grad norm: 1e999 | foo: bar |", 7)
    assert recs is not None and recs[0]["step"] == 5 and "total_steps" not in recs[0]
    assert math.isnan(recs[0]["loss"]) and recs[0]["grad_norm"] == math.inf
    assert "extra" not in recs[0]  # "foo: bar" is not a number
    assert iteration_records(" iteration ²/10 | lm loss: 1 |", 1) is None


def test_foreign_lines_are_not_claimed() -> None:
    lines = [
        "[WARNING] ME(1234:281473,MainProcess):2025-01-01-10:00:00.123.456 [train.py:10] "
        "iteration 5/10 time (ms) memory (MB) checkpoint",
        "[INFO] PS(12,ffff,python):2025-01-01-10:00:00.123.456 [ps.cc:1] saving checkpoint",
        "2025-01-01 10:00:00,123 - mindformers - INFO - { Epoch:[  1/  2], step:[    1/   19], "
        "loss: 10.5, per_step_time: 1000ms }",
        "Traceback (most recent call last):",
        '  File "pretrain_gpt.py", line 10, in <module>',
        "RuntimeError: iteration 3/10 | failed",
        "Evaluating iter 1/10",
        "  train/valid/test-data-iterators-setup ..........: (965.72, 1189.60)",
    ]
    _, unclaimed = feed_alone(MegatronParser(), lines)
    assert unclaimed == list(range(1, len(lines) + 1))


def test_wrapped_record_at_end_of_file_is_flushed() -> None:
    first = " iteration  3/50000 | lm loss:  1.200820E+01 | number of skipped"
    records, unclaimed = feed_alone(MegatronParser(), [first])
    assert not unclaimed and records[0]["loss"] == 12.0082 and "skipped" not in records[0]


def test_wrapped_record_followed_by_another_line() -> None:
    lines = [" iteration  3/50000 | lm loss:  1.2E+01 | grad norm: 9.2", "[Rank 0] hello"]
    records, unclaimed = feed_alone(MegatronParser(), lines)
    assert unclaimed == [2]
    assert records[0]["line"] == 1 and records[0]["grad_norm"] == 9.2


def test_wrap_inside_a_value_is_glued() -> None:
    lines = [" iteration  3/50000 | lm loss: 1.2008", "20E+01 | grad norm: 9.2 |"]
    records, _ = feed_alone(MegatronParser(), lines)
    assert records[0]["loss"] == 12.0082 and records[0]["grad_norm"] == 9.2


def test_minmax_block_ends_at_an_iteration_line() -> None:
    lines = [
        "(min, max) time across ranks (ms):",
        "    save-checkpoint ................................: (32390.20, 32392.97)",
        " iteration     1100/    2000 | consumed samples:         8800 | lm loss: 5.4E+00 |",
        "(max) time across ranks (ms):",
        "    forward-backward ...............................: 1234.5",
    ]
    records, unclaimed = feed_alone(MegatronParser(), lines)
    assert not unclaimed
    assert [r["kind"] for r in records] == ["timer", "step", "timer"]
    assert records[2] == {
        "kind": "timer",
        "line": 5,
        "name": "forward-backward",
        "ms": 1234.5,
        "max_ms": 1234.5,
        "step": 1100,
    }


def test_newer_world_size_line() -> None:
    line = (
        "using world size: 8, data-parallel size: 1, context-parallel size: 2, hierarchical "
        "context-parallel sizes: Nonetensor-model-parallel size: 2, encoder-tensor-model-parallel "
        "size: 0, pipeline-model-parallel size: 2, encoder-pipeline-model-parallel size: 0"
    )
    records, _ = feed_alone(MegatronParser(), [line])
    assert [(r["key"], r["value"]) for r in records] == [
        ("world_size", "8"),
        ("dp", "1"),
        ("cp", "2"),
        ("tp", "2"),
        ("pp", "2"),
    ]


def test_arguments_dump_ends_at_first_iteration() -> None:
    lines = [
        "------------------------ arguments ------------------------",
        "  virtual_pipeline_model_parallel_size ............ 2",
        "  recompute_granularity ........................... full",
        " iteration 1/10 | lm loss: 1.0 |",
        "  not_an_argument ........ 3",
    ]
    records, unclaimed = feed_alone(MegatronParser(), lines)
    assert [(r.get("key"), r.get("value")) for r in records if r["kind"] == "config"] == [
        ("vpp", "2"),
        ("recompute_granularity", "full"),
    ]
    assert unclaimed == [5]


FIELD_VALUES = {
    int: st.integers(0, 10**12).map(str),
    float: st.floats(allow_nan=True, allow_infinity=True, width=64).map(lambda v: f"{v:.6E}"),
}


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 10**7),
    st.permutations(
        sorted(k for k in ITERATION_FIELDS if k not in ("TFLOPs", "gloabl batch size"))
    ),
    st.data(),
)
def test_iteration_line_round_trip(step: int, keys: list[str], data: st.DataObject) -> None:
    """Any subset of the table's keys, in any order, with any values, parses back exactly."""
    chosen = keys[: data.draw(st.integers(0, len(keys)))]
    values = {k: data.draw(FIELD_VALUES[ITERATION_FIELDS[k][1]]) for k in chosen}
    pad = data.draw(st.sampled_from([" ", "   "]))
    line = f" iteration {step:8d}/{step * 2:8d} |" + "".join(
        f" {k}:{pad}{v} |" for k, v in values.items()
    )
    (rec,) = iteration_records(line, 1) or [{}]
    assert rec["step"] == step and rec["total_steps"] == step * 2
    for key, text in values.items():
        field, typ = ITERATION_FIELDS[key]
        want = typ(float(text)) if typ is float else int(text)
        assert same_value(want, rec[field]), (key, text, rec.get(field))
    assert "extra" not in rec
