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
    (others,) = found[1:]  # the 7 timeouts that followed, as one finding
    assert others.message.startswith("communication timeout on 7 ranks: 0-4, 6-7, after rank 5's")
    assert "likely a consequence" in others.message and others.evidence.endswith("worker_0.log:182")


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


def test_freshly_copied_real_logs_are_not_hanging(real_logs, tmp_path):
    """A clone gives old logs a fresh mtime: they are judged by that mtime, not by their dates."""
    import shutil

    copy = tmp_path / "megatron"
    shutil.copytree(real_logs / "megatron", copy, copy_function=shutil.copyfile)
    assert check(load_paths([copy])) == []


def _write_chatty_hang(path: Path, hours_ahead: int) -> None:
    """Steps until 40 s ago, then warnings until now, printed by a clock `hours_ahead` of ours."""
    import os
    import time
    from datetime import datetime, timedelta

    now = datetime.now() + timedelta(hours=hours_ahead)
    lines = []
    for step in range(1, 21):
        ts = (now - timedelta(seconds=600 - step * 5)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f" [{ts}] iteration {step:>8}/    1000 | elapsed time per iteration (ms): 5000.0 |"
            f" lm loss: 2.5E+00 |"
        )
    for back in (400, 200, 1):
        ts = (now - timedelta(seconds=back)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"[WARNING] ME({back}:1,MainProcess):{ts}.000.000 [x.py:1] still waiting")
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, (time.time(), time.time()))


@pytest.mark.parametrize("hours_ahead", [0, 8, -5])
def test_hang_with_chatter_is_found_whatever_the_log_clock(tmp_path, hours_ahead):
    """The last step is ~500 s before the last line: a hang, in any time zone the log was printed."""
    run = tmp_path / "run"
    run.mkdir()
    _write_chatty_hang(run / "train.log", hours_ahead)
    (data,) = load_paths([run])
    found = [f for f in check([data]) if f.rule == "hang"]
    assert [f.step for f in found] == [20], found
    assert 450 < float(found[0].message.split("silent for ")[1].split("s")[0]) < 560


def test_deepspeed_running_total_of_skipped_steps_is_seen(real_logs):
    """DeepSpeed's 'step=N, skipped=K' lines: 1586 of 2500 steps skipped, the fp16 loss scale
    stuck at 1 (the run's own story, see its source.txt): both found."""
    (data,) = load_paths([real_logs / "deepspeed_hf"], use_cache=False)
    found = {f.rule: f for f in check([data])}
    assert set(found) == {"nan", "loss_scale_collapse"}
    nan = found["nan"]
    assert (nan.step, nan.severity) == (2499, "warning")
    assert "1586 skipped in all by step 2500" in nan.message and nan.evidence.endswith(":261")
