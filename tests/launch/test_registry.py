"""What run.json records (ports picked at start) and the runs registry's ergonomics."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
