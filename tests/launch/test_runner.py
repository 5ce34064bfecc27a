"""Real processes: exit codes recorded, process groups stopped, detached runs reconciled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.launch import registry
from analyzer.launch.runner import stop_run
from tests.launch.helpers import processes_mentioning, wait_until, write_spec

# A parent that starts a child which ignores SIGTERM: stopping must reach both (SIGKILL).
FAMILY = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c',"
    " 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    'print("child up", flush=True); time.sleep(600)\'])\n'
    "print('parent up', flush=True)\n"
    "time.sleep(600)\n"
)


def _spec(tmp_path: Path, code: str, marker: str) -> Path:
    return write_spec(
        tmp_path,
        f'name = \'t\'\ncommand = ["{{python}}", "-c", {json.dumps(code)}, "{marker}"]\n'
        f'env = {{ LAUNCH_TEST_MARKER = "{marker}" }}\n'
        '[[variants]]\nname = "only"\n',
    )


def _only_run(runs: Path) -> Path:
    dirs = [d for d in runs.iterdir() if d.is_dir()]
    assert len(dirs) == 1
    return dirs[0]


def test_failing_command_is_recorded_failed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = _spec(tmp_path, "import sys; print('boom'); sys.exit(7)", "m-fail")
    assert main(["launch", str(spec), "--runs-dir", str(tmp_path / "runs")]) == 1
    run_dir = _only_run(tmp_path / "runs")
    rec = registry.read_run(run_dir)
    assert rec["status"] == "failed" and rec["exit_code"] == 7
    assert rec["pid"] == rec["pgid"] and rec["host"] and rec["start"] and rec["end"]
    assert rec["command"][-1] == "m-fail"
    assert (run_dir / "console.log").read_text() == "boom\n"
    assert (run_dir / "spec.resolved.toml").is_file()
    assert main(["runs", "--runs-dir", str(tmp_path / "runs")]) == 0
    assert "failed" in capsys.readouterr().out


def test_missing_executable_is_failed(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, 'command = ["/nonexistent/train"]\n')
    assert main(["launch", str(spec), "--runs-dir", str(tmp_path / "runs")]) == 1
    rec = registry.read_run(_only_run(tmp_path / "runs"))
    assert rec["status"] == "failed" and rec["exit_code"] == 127


def test_stop_kills_the_whole_group(tmp_path: Path) -> None:
    marker = f"m-stop-{os.getpid()}"
    spec = _spec(tmp_path, FAMILY, marker)
    runs = tmp_path / "runs"
    assert main(["launch", str(spec), "--runs-dir", str(runs), "--detach"]) == 0
    run_dir = _only_run(runs)
    wait_until(
        lambda: (
            "child up" in (run_dir / "console.log").read_text(errors="replace")
            if (run_dir / "console.log").exists()
            else False
        ),
        what="both processes up",
    )
    assert len(processes_mentioning(marker)) >= 2
    rec = stop_run(run_dir, grace=1.0)
    assert rec["status"] == "stopped" and rec["stop_how"] == "killed"
    assert processes_mentioning(marker) == []
    wait_until(lambda: registry.read_run(run_dir).get("exit_code") is not None, what="exit code")
    assert registry.read_run(run_dir)["status"] == "stopped"


def test_detached_run_outlives_its_launcher_and_is_reconciled(tmp_path: Path) -> None:
    marker = f"m-detach-{os.getpid()}"
    gate = tmp_path / "gate"
    gate_code = (
        "import os, sys, time\n"
        f"while not os.path.exists({str(gate)!r}): time.sleep(0.05)\n"
        "print('done', flush=True)\n"
    )
    spec = _spec(tmp_path, gate_code, marker)
    runs = tmp_path / "runs"
    launcher = subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer",
            "launch",
            str(spec),
            "--runs-dir",
            str(runs),
            "--detach",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert launcher.returncode == 0, launcher.stderr
    run_dir = Path(launcher.stdout.strip())
    wait_until(lambda: registry.read_run(run_dir)["status"] == "running", what="running")
    assert registry.reconcile(run_dir)["status"] == "running"  # launcher gone, run alive
    gate.touch()
    wait_until(lambda: registry.read_run(run_dir)["status"] == "finished", what="finished")
    assert registry.read_run(run_dir)["exit_code"] == 0


def test_run_without_supervisor_is_reconciled_lost(tmp_path: Path) -> None:
    marker = f"m-lost-{os.getpid()}"
    gate = tmp_path / "gate"
    code = f"import os, time\nwhile not os.path.exists({str(gate)!r}): time.sleep(0.05)\n"
    spec = _spec(tmp_path, code, marker)
    runs = tmp_path / "runs"
    assert main(["launch", str(spec), "--runs-dir", str(runs), "--detach"]) == 0
    run_dir = _only_run(runs)
    wait_until(lambda: registry.read_run(run_dir)["status"] == "running", what="running")
    os.kill(registry.read_run(run_dir)["supervisor_pid"], signal.SIGKILL)
    wait_until(
        lambda: not registry.pid_alive(registry.read_run(run_dir)["supervisor_pid"]),
        what="supervisor gone",
    )
    assert registry.reconcile(run_dir)["status"] == "running"  # the run itself still runs
    gate.touch()
    wait_until(lambda: not registry.pid_alive(registry.read_run(run_dir)["pid"]), what="run end")
    rec = registry.list_runs(runs)[0][1]
    assert rec["status"] == "lost" and "exit_code" not in rec


def test_launched_runs_are_discovered_once(tmp_path: Path) -> None:
    from analyzer.discover import discover

    spec = _spec(tmp_path, "print(' iteration        1/       1 | lm loss: 1.0E+00 |')", "m-disc")
    runs = tmp_path / "runs"
    assert main(["launch", str(spec), "--runs-dir", str(runs)]) == 0
    run_dir = _only_run(runs)
    msrun_like = runs / "ms-20260101-000000"
    msrun_like.mkdir()
    registry.create_run(msrun_like, {"logs": "msrun_log", "launcher": "msrun"})
    (msrun_like / "console.log").write_text("echoed worker lines\n")
    found = {r.name: [f.path.name for f in r.files] for r in discover([runs])}
    assert found == {run_dir.name: ["console.log"], msrun_like.name: []}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP], ids=["int", "hup"])
def test_interrupted_foreground_launch_stops_its_runs(tmp_path: Path, sig: signal.Signals) -> None:
    """Ctrl-C, or the terminal closing (SIGHUP, its pipes gone): the running run is stopped and
    the queued one too, both recorded ``stopped`` (not orphaned, not ``lost``)."""
    marker = f"m-int-{sig.name}-{os.getpid()}"
    code = "import time; print('up', flush=True); time.sleep(600)"
    spec = write_spec(
        tmp_path,
        f'command = ["{{python}}", "-c", {json.dumps(code)}, "{marker}"]\n'
        f'env = {{ LAUNCH_TEST_MARKER = "{marker}" }}\n'
        '[[variants]]\nname = "first"\n[[variants]]\nname = "second"\n',
    )
    runs = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "launch", str(spec), "--runs-dir", str(runs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(lambda: runs.is_dir() and len(list(runs.iterdir())) == 2, what="run directories")
    run_dir = next(d for d in sorted(runs.iterdir()) if d.name.startswith("first"))
    wait_until(
        lambda: (
            (run_dir / "console.log").exists() and "up" in (run_dir / "console.log").read_text()
        ),
        what="run up",
    )
    if sig == signal.SIGHUP:  # the terminal is gone: writing progress fails from now on
        assert proc.stdout and proc.stderr
        proc.stdout.close()
        proc.stderr.close()
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    assert sig == signal.SIGHUP or code == 130
    assert [rec["status"] for _d, rec in registry.list_runs(runs)] == ["stopped", "stopped"]
    assert registry.read_run(run_dir)["stop_requested"] is True
    assert processes_mentioning(marker) == []


def test_parallel_runs_at_once(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    code = f"import os, time\nwhile not os.path.exists({str(gate)!r}): time.sleep(0.05)\n"
    spec = write_spec(
        tmp_path,
        f'command = ["{{python}}", "-c", {json.dumps(code)}]\n[matrix]\nn = [1, 2, 3]\n',
    )
    runs = tmp_path / "runs"
    args = ["launch", str(spec), "--runs-dir", str(runs), "--detach", "--parallel", "2"]
    assert main(args) == 0

    def statuses() -> list[str]:
        return sorted(rec["status"] for _p, rec in registry.list_runs(runs))

    wait_until(lambda: statuses() == ["queued", "running", "running"], what="two running")
    gate.touch()
    wait_until(lambda: statuses() == ["finished"] * 3, what="all finished")
