"""`analyzer demo`: a short real headless sweep, and the message when MindSpore is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.launch import registry


def test_demo_without_mindspore_says_how_to_install(tmp_path: Path) -> None:
    fake = tmp_path / "fake" / "mindspore"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named mindspore')\n")
    env = {**os.environ, "PYTHONPATH": str(fake.parent)}
    runs = tmp_path / "runs"
    demo = subprocess.run(
        [sys.executable, "-m", "analyzer", "demo", "--headless", "--runs-dir", str(runs)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert demo.returncode == 2
    assert "pip install -e '.[mindspore]'" in demo.stderr and "Traceback" not in demo.stderr
    assert len(demo.stderr.strip().splitlines()) == 1
    assert not runs.exists()
    runs.mkdir()
    other = subprocess.run(
        [sys.executable, "-m", "analyzer", "runs", "--runs-dir", str(runs)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert other.returncode == 0 and "no launched runs" in other.stdout


@pytest.mark.msrun
@pytest.mark.xdist_group("msrun")
def test_demo_headless_prints_the_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mindspore")
    from analyzer.profile import profile_paths

    runs = tmp_path / "demo"
    code = main(["demo", "--headless", "--steps", "3", "--variant", "dp1", "--runs-dir", str(runs)])
    out = capsys.readouterr().out
    assert code == 0
    assert (runs / "sweep.toml").is_file()
    ((run_dir, record),) = registry.list_runs(runs)
    assert record["status"] == "finished"
    assert run_dir.name in out and "finished" in out and "TP1PP1" in out
    # profiled after the 3 measured steps: they alone are iterations; the profile is readable
    log = (run_dir / "msrun_log" / "worker_0.log").read_text().splitlines()
    assert sum(line.startswith(" iteration ") for line in log) == 3
    assert f"profile of {run_dir.name}: " in out and f"analyzer profile {run_dir}" in out
    report = profile_paths([run_dir]).to_dict()
    assert report["top_operators"] and any("MatMul" in r["name"] for r in report["top_operators"])
