"""A launched run's logs are found where its spec's ``logs`` (or msrun's ``log_dir``) says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.discover import discover
from analyzer.launch import registry
from analyzer.launch.session import prepare_sweep
from analyzer.launch.spec import load_spec
from analyzer.live import LiveSession
from tests.launch.helpers import write_spec
from tests.tail_helpers import Collector, lines_text, wait_until

# Writes two iteration lines into $ANALYZER_RUN_DIR/<argv[1]>/worker_0.log, one line on the console.
WRITER = (
    "import os, sys\n"
    "d = os.path.join(os.environ['ANALYZER_RUN_DIR'], sys.argv[1])\n"
    "os.makedirs(d, exist_ok=True)\n"
    "open(os.path.join(d, 'worker_0.log'), 'w').write(sys.argv[2])\n"
    "print('console only')\n"
)


def _writer_spec(tmp_path: Path, logs: str) -> Path:
    code = json.dumps(WRITER)
    text = json.dumps(lines_text(range(1, 3)))
    return write_spec(
        tmp_path,
        f'name = "w"\ncommand = ["{{python}}", "-c", {code}, "mylogs", {text}]\n'
        f"logs = {json.dumps(logs)}\n",
    )


def test_spec_logs_are_where_discovery_looks(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert main(["launch", str(_writer_spec(tmp_path, "mylogs")), "--runs-dir", str(runs)]) == 0
    (run,) = discover([runs])
    assert [(f.path.parent.name, f.path.name) for f in run.files] == [("mylogs", "worker_0.log")]
    assert main(["parse", str(runs), "--kind", "steps", "--no-cache", "-q"]) == 0


def test_absolute_logs_outside_the_run_dir(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "worker_3.log").write_text(lines_text(range(1, 4)))
    spec = write_spec(tmp_path, f'command = ["true"]\nlogs = {json.dumps(str(outside))}\n')
    assert main(["launch", str(spec), "--runs-dir", str(tmp_path / "runs")]) == 0
    (run,) = discover([tmp_path / "runs"])
    assert [(f.path, f.rank) for f in run.files] == [(outside / "worker_3.log", 3)]


def test_msrun_log_dir_lands_in_run_json(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        'launcher = "msrun"\ncommand = ["train.py"]\n'
        'msrun = { worker_num = 2, log_dir = "ms_logs" }\n'
        '[[variants]]\nname = "a"\n'
        '[[variants]]\nname = "b"\nmsrun = { log_dir = "other" }\n',
    )
    pytest.importorskip("mindspore")  # msrun must be found to build the command
    dirs, _ = prepare_sweep(load_spec(spec), tmp_path / "runs")
    for run_dir, want in zip(dirs, ["ms_logs", "other"], strict=True):
        rec = registry.read_run(run_dir)
        assert rec["logs"] == want
        assert f"--log_dir={run_dir.resolve() / want}" in rec["command"]
        (run_dir / want).mkdir()
        (run_dir / want / "worker_1.log").write_text(lines_text(range(1, 3)))
        (run,) = discover([run_dir])
        assert [(f.path.name, f.rank) for f in run.files] == [("worker_1.log", 1)]


def test_spec_logs_is_msruns_log_dir_by_default(tmp_path: Path) -> None:
    pytest.importorskip("mindspore")
    spec = write_spec(
        tmp_path, 'launcher = "msrun"\ncommand = ["train.py"]\nlogs = "here"\nmsrun = {}\n'
    )
    (run_dir,), _ = prepare_sweep(load_spec(spec), tmp_path / "runs")
    rec = registry.read_run(run_dir)
    assert rec["logs"] == "here" and f"--log_dir={run_dir.resolve() / 'here'}" in rec["command"]


def test_live_session_follows_a_launched_runs_logs_dir(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    collector = Collector()
    session = LiveSession([runs], cache_dir=tmp_path / "cache", rescan_interval=0.3)
    session.start(collector)
    try:
        assert main(["launch", str(_writer_spec(tmp_path, "mylogs")), "--runs-dir", str(runs)]) == 0
        wait_until(lambda: collector.count(lambda r: r.get("kind") == "step") == 2, what="2 steps")
        assert collector.count(lambda r: "console only" in json.dumps(r)) == 0
    finally:
        session.stop()
    assert session.error is None
