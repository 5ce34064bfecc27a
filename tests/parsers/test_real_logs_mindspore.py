"""Golden tests: every real MindSpore-side log (real_logs/mindformers, real_logs/mindspore) parses
to its committed records, and a few numbers are checked by hand against the log lines.

Regenerate after an intended parser change with
``UPDATE_GOLDENS=1 pytest tests/parsers/test_real_logs_mindspore.py`` and read the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import real_log_files
from tests.parsers.goldens import check_golden, golden_lines

FAMILIES = ("mindformers", "mindspore")
FILES = [(family, path) for family in FAMILIES for path in real_log_files(family)]


@pytest.mark.skipif(not FILES, reason="../shared/real_logs not found")
@pytest.mark.parametrize(("family", "path"), FILES, ids=[f"{f}/{p.name}" for f, p in FILES])
def test_real_log_matches_golden(family: str, path: Path) -> None:
    check_golden(family, path)


def _records(real_logs: Path, relpath: str) -> list[dict]:
    return [json.loads(line) for line in golden_lines(real_logs / relpath)]


def test_mindformers_llama13b_numbers_by_hand(real_logs: Path) -> None:
    recs = _records(real_logs, "mindformers/llm_action_mindformers_llama13b_2node_2023.log")
    steps = [r for r in recs if r["kind"] == "step"]
    # Lines 7-12: three sinks of 4 steps; step time from "per step time", not the sink "time".
    assert [(r["step"], r["loss"], r["step_time_ms"]) for r in steps] == [
        (804, 0.762, 6860.928),
        (808, 0.702, 6858.415),
        (812, 0.739, 6860.857),
    ]
    assert steps[0]["lr"] == 1.2624264e-09
    assert steps[-1]["lr"] == 0.0
    assert all(r["total_steps"] == 812 and r["loss_scale"] == 65536.0 for r in steps)
    config = {r["key"]: r["value"] for r in recs if r["kind"] == "config"}
    assert (config["dp"], config["tp"], config["pp"]) == ("16", "1", "1")
    assert config["recompute_granularity"] == "full"
    assert config["micro_batch_num"] == "16"
    (done,) = [r for r in recs if r["kind"] == "event"]
    assert (done["type"], done["line"]) == ("training_done", 13)


def test_grep_used_peak_per_stage_numbers_by_hand(real_logs: Path) -> None:
    recs = _records(
        real_logs, "mindspore/mindformers_pipeline_balance_grep_used_peak_per_stage.log"
    )
    assert {r["metric"] for r in recs} == {"peak_used"}
    by_rank = {r["rank"]: r["mb"] for r in recs}
    assert by_rank[0] == 77698.0
    assert by_rank[12288] == 23134.0
    assert by_rank[15360] == 21822.0
    assert len(by_rank) == 8
