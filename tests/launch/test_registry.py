"""What run.json records (ports picked at start) and the runs registry's ergonomics."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from analyzer.atomic import current_umask
from analyzer.cli import main
from analyzer.launch import registry
from analyzer.launch.command import AUTO_PORT_ARG
from analyzer.launch.session import prepare_sweep
from analyzer.launch.spec import load_spec
from analyzer.launch.supervisor import run_queue
from tests.launch.helpers import write_spec

ECHO_ARGS = "import sys; print(' '.join(sys.argv[1:]))"


def test_auto_port_is_picked_when_each_run_starts(tmp_path: Path) -> None:
    pytest.importorskip("mindspore")  # msrun must be found to build the command
    spec = write_spec(
        tmp_path,
        'launcher = "msrun"\ncommand = ["train.py"]\nmsrun = { worker_num = 1 }\n'
        '[[variants]]\nname = "a"\n[[variants]]\nname = "b"\n'
        '[[variants]]\nname = "fixed"\nmsrun = { master_port = 8123 }\n',
    )
    dirs, _ = prepare_sweep(load_spec(spec), tmp_path / "runs")
    for run_dir in dirs:
        rec = registry.read_run(run_dir)
        auto = run_dir.name.startswith(("a-", "b-"))
        assert rec["master_port"] == ("auto" if auto else 8123)
        assert (AUTO_PORT_ARG in rec["command"]) is auto
        # msrun swapped for a script that prints the arguments it was started with
        command = [sys.executable, "-c", ECHO_ARGS, *rec["command"][1:]]
        registry.update_run(run_dir, command=command)
    records = run_queue(dirs)
    for run_dir in dirs:
        rec = records[run_dir]
        port = rec["master_port"]
        assert isinstance(port, int) and rec["status"] == "finished"
        assert f"--master_port={port}" in rec["command"] and AUTO_PORT_ARG not in rec["command"]
        assert f"--master_port={port} " in (run_dir / "console.log").read_text()


def _record(run_dir: Path, **fields: object) -> None:
    run_dir.mkdir(parents=True)
    registry.create_run(run_dir, {"variant": run_dir.name, **fields})


def test_runs_finds_nested_demo_runs_in_start_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "analyzer-demo"
    first, second = demo / "20260101-000000", demo / "20260102-000000"
    me = {"supervisor_pid": os.getpid(), "supervisor_start": registry.pid_start_time(os.getpid())}
    _record(second / "q", status="queued", **me)  # created now, before "late" started
    _record(second / "late", status="finished", started_at=time.time() + 1000)
    _record(first / "early", status="finished", started_at=1000.0)
    _record(first / "mid", status="stopped", started_at=2000.0)
    assert [p.name for p, _r in registry.list_runs(demo)] == ["early", "mid", "late", "q"]
    assert main(["runs", "--runs-dir", str(demo)]) == 0
    out = capsys.readouterr().out
    assert "20260101-000000/early" in out and "20260102-000000/q" in out
    assert main(["stop", "20260102-000000/q", "--runs-dir", str(demo)]) == 0
    assert registry.read_run(second / "q")["status"] == "stopped"


def test_runs_with_a_missing_runs_dir_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runs", "--runs-dir", str(tmp_path / "nope")]) == 2
    assert "nope: no such directory" in capsys.readouterr().err


def test_run_json_has_an_ordinary_files_mode(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, 'command = ["true"]\n')
    (run_dir,), _ = prepare_sweep(load_spec(spec), tmp_path / "runs")
    mode = (run_dir / registry.RUN_FILE).stat().st_mode & 0o777
    assert mode == 0o666 & ~current_umask()
    registry.update_run(run_dir, status="stopped")
    assert (run_dir / registry.RUN_FILE).stat().st_mode & 0o777 == mode


def test_launch_list_quotes_arguments_as_a_shell_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(tmp_path, 'command = ["train.py", "--name", "{n}"]\nparams = { n = "a b" }\n')
    assert main(["launch", str(spec), "--list"]) == 0
    assert "train.py --name 'a b'" in capsys.readouterr().out


def test_a_table_for_another_launcher_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(
        tmp_path, 'launcher = "msrun"\ncommand = ["t.py"]\ntorchrun = { nproc_per_node = 8 }\n'
    )
    assert main(["launch", str(spec), "--runs-dir", str(tmp_path / "runs")]) == 2
    assert "torchrun: set, but launcher is 'msrun'" in capsys.readouterr().err
    variant = write_spec(
        tmp_path, 'command = ["t.py"]\n[[variants]]\nname = "a"\nmsrun = { worker_num = 2 }\n'
    )
    assert main(["launch", str(variant), "--list"]) == 2
    assert "variants[0].msrun: set, but launcher is 'command'" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_demo_validates_before_creating_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mindspore")
    runs = tmp_path / "demo"
    assert main(["demo", "--headless", "--variant", "nosuch", "--runs-dir", str(runs)]) == 2
    assert "--variant nosuch: no such variant" in capsys.readouterr().err
    assert not runs.exists()
    runs.mkdir()
    (runs / "sweep.toml").write_text("# mine\n")
    assert main(["demo", "--headless", "--variant", "dp1", "--runs-dir", str(runs)]) == 2
    assert "sweep.toml exists; pass --force" in capsys.readouterr().err
    assert (runs / "sweep.toml").read_text() == "# mine\n" and os.listdir(runs) == ["sweep.toml"]


def test_a_prepared_run_is_not_lost_before_its_queue_takes_it(tmp_path: Path) -> None:
    """`analyzer runs` (or the TUI) between preparing and starting a sweep: still queued."""
    spec = write_spec(tmp_path, 'command = ["true"]\n')
    (run_dir,), _ = prepare_sweep(load_spec(spec), tmp_path / "runs")
    assert [rec["status"] for _p, rec in registry.list_runs(tmp_path / "runs")] == ["queued"]
    assert run_queue([run_dir])[run_dir]["status"] == "finished"


def test_run_json_records_dry_run(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path, 'command = ["true"]\n[[variants]]\nname = "a"\n[[variants]]\nname = "b"\n'
    )
    dirs, _ = prepare_sweep(load_spec(spec), tmp_path / "runs", ["a"], dry_run=True)
    dirs += prepare_sweep(load_spec(spec), tmp_path / "runs", ["b"])[0]
    assert [registry.read_run(d)["dry_run"] for d in dirs] == [True, False]
    assert registry.read_run(dirs[0])["env"]["MS_DRY_RUN"] == "1"
