"""MindSpeed-Core-MS parser: seed 003's loss lines through the driver."""

from __future__ import annotations

from parsers.driver import parse_lines
from parsers.mindspeed_core_ms import MindSpeedCoreMsParser
from tests.parsers import feed_alone

SEED_003 = """INFO - Epoch: 0, Step: 13, Loss: 12.0177145004272461, Time: 15742.81 ms
INFO - Epoch: 0, Step: 14, Loss: 12.0177106857299805, Time: 15729.62 ms
INFO - Epoch: 0, Step: 15, Loss: 12.0177059173583984, Time: 15787.36 ms
INFO - Epoch: 0, Step: 16, Loss: 12.0177021026611328, Time: 15775.01 ms
INFO - Epoch: 0, Step: 17, Loss: 12.0176992416381836, Time: 15806.00 ms
INFO - Epoch: 0, Step: 18, Loss: 12.0176963806152344, Time: 15825.05 ms"""


def test_seed_003_lines() -> None:
    records, stats = parse_lines(SEED_003.splitlines(), rank=7)
    assert stats.unrecognised == 0
    assert [r["step"] for r in records] == [13, 14, 15, 16, 17, 18]
    assert records[-1]["loss"] == 12.0176963806152344
    assert records[-1]["step_time_ms"] == 15825.05
    assert {r["rank"] for r in records} == {7}


def test_nan_loss_and_unrelated_lines() -> None:
    records, unclaimed = feed_alone(
        MindSpeedCoreMsParser(),
        ["INFO - Epoch: 0, Step: 3, Loss: nan, Time: 1.0 ms", "Epoch: 0 done", "Step: 3"],
    )
    assert len(records) == 1 and records[0]["loss"] != records[0]["loss"]
    assert unclaimed == [2, 3]


def test_adversarial_long_line_completes() -> None:
    feed_alone(MindSpeedCoreMsParser(), ["Epoch: 0, Step: 1, Loss: 1" + ", A: 1" * (1 << 17)])
