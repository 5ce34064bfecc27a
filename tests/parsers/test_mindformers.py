"""MindFormers parser: step-time choice per generation, pending merge, configs, logger lines."""

from __future__ import annotations

from parsers.driver import parse_lines
from parsers.mindformers import MindFormersParser
from tests.parsers import feed_alone

OLD_STEP = (
    "2023-08-07 19:12:44,368 - mindformers - INFO - Epoch:[  1/  1], step:[  808/  812],"
    " loss:[0.702/0.702], time:27411.658 ms, lr:[3.08156e-10], overflow cond: False,"
    " loss_scale: 65536.0"
)
PER_SINK = (
    "2023-08-07 19:12:44,369 - mindformers - INFO - Per sink_size step time: 27433.661 ms,"
    " per step time: 6858.415 ms, avg loss: 0.702"
)


def test_sink_mode_takes_per_step_time_from_the_next_line() -> None:
    records, _ = parse_lines([OLD_STEP, PER_SINK])
    (rec,) = records
    assert rec["step_time_ms"] == 6858.415
    assert rec["extra"]["time_ms"] == 27411.658  # the whole sink (4 steps), kept for reference
    assert rec["line"] == 1


def test_non_sink_mode_uses_time_when_no_per_sink_line_follows() -> None:
    records, _ = parse_lines([OLD_STEP, OLD_STEP.replace("808/", "809/")])
    assert [r["step_time_ms"] for r in records] == [27411.658, 27411.658]
    assert [r["step"] for r in records] == [808, 809]


def test_truncated_after_sink_mode_does_not_guess_step_time() -> None:
    parser = MindFormersParser()
    records, _ = feed_alone(parser, [OLD_STEP, PER_SINK, OLD_STEP.replace("808/", "812/")])
    assert "step_time_ms" not in records[-1]
    assert records[0]["step_time_ms"] == 6858.415


def test_error_lines_and_failures_in_mindformers_prefix() -> None:
    lines = [
        "2024-01-01 10:00:00,000 - mindformers - ERROR - Failed to load checkpoint",
        "2024-01-01 10:00:01,000 - mindformers - ERROR - EL0004: Failed to allocate memory.",
        "2024-01-01 10:00:02,000 - mindformers - INFO - Full model flops is 1, Shard model flops is 1.",
    ]
    records, unclaimed = feed_alone(MindFormersParser(), lines)
    assert not unclaimed
    assert [(r["type"], r["severity"]) for r in records] == [
        ("log_error", "error"),
        ("oom", "fatal"),
    ]
    assert records[1]["timestamp"] == "2024-01-01T10:00:01"


def test_other_loggers_info_lines_are_not_claimed() -> None:
    records, unclaimed = feed_alone(
        MindFormersParser(), ["2024-01-01 10:00:00,000 - INFO - Epoch: 0, Step: 13, Loss: 1.0"]
    )
    assert records == [] and unclaimed == [1]


def test_bad_config_dict_is_claimed_without_records() -> None:
    line = "- INFO - initial parallel_config from dict: {'data_parallel': 16, broken"
    records, unclaimed = feed_alone(MindFormersParser(), [line])
    assert records == [] and not unclaimed


def test_adversarial_long_lines_complete() -> None:
    for line in (
        "Epoch:[" + " " * (1 << 20),
        "- INFO - step:[ 1/ 2], loss:[" + "1" * (1 << 20),
        "2023-08-07 19:12:16,935 - [" + "a" * (1 << 20),
        "- INFO - initial parallel_config from dict: {" + "[" * 5000,
    ):
        feed_alone(MindFormersParser(), [line])
