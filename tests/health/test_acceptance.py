"""End to end: generated runs with one injected problem each, parsed from files, then checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.health import check
from analyzer.load import load_paths
from analyzer.store import RunData
from tests.conftest import REPO
from tests.health.make_runs import EXPECTED, PROBLEMS, make_all


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, RunData]:
    root = tmp_path_factory.mktemp("health_runs")
    make_all(root)
    return {d.name: d for d in load_paths([root])}


def test_every_problem_run_is_discovered(runs):
    assert sorted(runs) == sorted(PROBLEMS)


def test_clean_run_has_no_findings(runs):
    assert check([runs["clean"]]) == []


@pytest.mark.parametrize("problem", sorted(EXPECTED))
def test_problem_found_at_rank_and_step(runs, problem):
    found = check([runs[problem]])
    rule, rank, step = EXPECTED[problem]
    assert (rule, rank, step) in [(f.rule, f.rank, f.step) for f in found], found
    assert {f.rule for f in found} == {rule}, found
    hit = next(f for f in found if (f.rule, f.rank, f.step) == (rule, rank, step))
    assert hit.evidence and Path(hit.evidence.rsplit(":", 1)[0]).name == f"worker_{rank}.log"


def test_slow_rank_says_how_much_slower(runs):
    (f,) = check([runs["slow_rank"]])
    assert "1.3" in f.message and "rank 3" in f.message


def test_hang_names_last_step_and_line(runs):
    (f,) = check([runs["hang"]])
    assert "step 80" in f.message and "step 200" in f.message
    assert f.evidence.endswith("worker_6.log:160")  # the header, then 2 lines per step 1..80


def test_oom_is_named_root_cause(runs):
    found = check([runs["oom"]])
    assert found[0].rank == 5 and "out of memory" in found[0].message
    assert "likely root cause" in found[0].message
    others = found[1:]
    assert sorted(f.rank for f in others) == [0, 1, 2, 3, 4, 6, 7]
    assert all("communication timeout" in f.message and "consequence" in f.message for f in others)


def test_clean_sample_strategies_have_no_findings():
    samples = REPO / "sample_logs" / "qwen25_7b_strategies"
    if not samples.is_dir():
        pytest.skip("sample_logs not generated")
    datas = load_paths([samples])
    assert len(datas) >= 4
    assert check(datas) == []


def test_real_megatron_logs_have_no_findings(real_logs):
    """pp4's 15 skipped iterations at step 100 are the fp16 loss scaler's warm-up: no finding."""
    datas = load_paths([real_logs / "megatron"])
    pp4 = next(d for d in datas if d.name.endswith("pp4_run"))
    assert pp4.steps.filter(pp4.steps["step"] == 100)["skipped"].to_list() == [15]
    assert check(datas) == []
