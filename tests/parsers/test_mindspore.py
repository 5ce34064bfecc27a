"""MindSpore parser: real msrun output made on this machine (tests/fixtures/mindspore/) and the
shapes MindSpore prints elsewhere (log prefixes, memory summary, Loss/TimeMonitor, dry run)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from parsers.driver import parse_lines
from parsers.mindspore import MindSporeParser
from tests.parsers import feed_alone, mismatch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mindspore"


def parse_fixture(relpath: str, rank: int | None = None) -> list[dict]:
    path = FIXTURES / relpath
    lines = path.read_text(encoding="utf-8").splitlines()
    records, stats = parse_lines(lines, source=path.name, rank=rank)
    assert stats.oversized == 0
    return records


def events(records: list[dict], type_: str) -> list[dict]:
    return [r for r in records if r["kind"] == "event" and r["type"] == type_]


def test_scheduler_lifecycle_of_a_healthy_job() -> None:
    recs = parse_fixture("msrun_ok/scheduler.log")
    registered = events(recs, "node_registered")
    assert [r["rank"] for r in registered] == [1, 0]
    assert registered[1]["extra"]["registered"] == 2
    assert registered[1]["extra"]["expected"] == 2
    ready = events(recs, "cluster_ready")
    assert len(ready) == 1
    assert ready[0]["timestamp"] == "2026-11-22T13:40:18"
    assert [r["extra"]["node_id"] for r in events(recs, "node_unregistered")] == ["0", "1"]
    # Start-up chatter and the 5-second "alive nodes" line give no warnings.
    assert not events(recs, "log_warning")


def test_worker_logs_of_a_healthy_job_have_no_errors() -> None:
    for name in ("worker_0.log", "worker_1.log"):
        recs = parse_fixture(f"msrun_ok/{name}")
        assert [r["type"] for r in recs if r["kind"] == "event"] == ["cluster_ready"]


def test_failed_job_console() -> None:
    recs = parse_fixture("msrun_fail_console.txt")
    (exit_,) = events(recs, "worker_exit")
    # The number msrun prints is the worker's PID (7936 = worker_1's pid), not its rank.
    assert exit_["extra"]["pid"] == 7936
    assert exit_["extra"]["exit_code"] == 1
    assert exit_["severity"] == "error"
    assert "rank" not in exit_ or exit_["rank"] is None
    messages = [r["message"] for r in events(recs, "traceback")]
    assert messages[0] == "RuntimeError: boom on rank 1: simulated failure"
    assert messages[-1].startswith("RuntimeError: Distributed job exited with exception.")
    (timeout,) = events(recs, "comm_timeout")
    assert timeout["rank"] == 1
    assert timeout["extra"]["nodes"] == [1]


def test_failed_job_scheduler_log_claims_mindspore_error_report() -> None:
    path = FIXTURES / "msrun_fail" / "scheduler.log"
    records, stats = parse_lines(path.read_text(encoding="utf-8").splitlines())
    assert stats.unrecognised == 0  # the "- C++ Call Stack" report belongs to the traceback
    assert [r["type"] for r in records] == [
        "node_registered",
        "node_registered",
        "cluster_ready",
        "node_unregistered",
        "comm_timeout",
        "log_error",
        "traceback",
    ]


def test_loss_and_time_monitor_from_real_training() -> None:
    recs = parse_fixture("msrun_train/worker_0.log", rank=0)
    steps = [r for r in recs if r["kind"] == "step"]
    assert [r["step"] for r in steps] == [2, 4, 6, 8, 10, 12, 14, 16]
    assert steps[0]["loss"] == 7.577942371368408
    assert steps[4]["extra"] == {"step_in_epoch": 2}
    assert {r["rank"] for r in steps} == {0}
    timers = [(r["name"], r["ms"], r["step"]) for r in recs if r["kind"] == "timer"]
    assert timers == [
        ("epoch_time", 1379.026, 8),
        ("per_step_time", 172.378, 8),
        ("epoch_time", 323.834, 16),
        ("per_step_time", 40.479, 16),
    ]


def test_glog_info_lines_are_claimed_silently() -> None:
    path = FIXTURES / "glog_v1_worker_0_excerpt.log"
    records, stats = parse_lines(path.read_text(encoding="utf-8").splitlines())
    assert stats.unrecognised == 0
    assert [r["kind"] for r in records] == ["step"]


def test_sim_level_console_is_a_failure_not_a_dry_run_record() -> None:
    recs = parse_fixture("msrun_sim_level_console.txt")
    tracebacks = events(recs, "traceback")
    assert tracebacks[0]["message"].endswith(
        "Dryrun is not supported on CPU device for a distributed job."
    )
    assert "chained_from" not in (tracebacks[1].get("extra") or {})  # two workers, two tracebacks


def test_failure_inside_a_mindspore_prefix_keeps_its_type() -> None:
    line = (
        "[ERROR] DEVICE(115,ffff,python):2024-07-01-09:05:03.930.000 [ge_runtime.cc:40] Run]"
        " EI0002: The wait execution of the Notify register times out."
    )
    records, unclaimed = feed_alone(MindSporeParser(), [line])
    assert not unclaimed
    assert (
        mismatch(
            [
                {
                    "type": "comm_timeout",
                    "timestamp": "2024-07-01T09:05:03",
                    "message": "EI0002: The wait execution of the Notify register times out.",
                    "extra": {"code": "EI0002", "module": "DEVICE"},
                }
            ],
            records,
        )
        is None
    )


def test_unpadded_python_subseconds_parse_to_the_second() -> None:
    for stamp in (
        "2024-07-01-09:05:03.0.",
        "2024-07-01-09:05:03.930.00",
        "2024-07-01-09:05:03.5.123",
    ):
        line = f"[ERROR] ME(1:2,MainProcess):{stamp} [x.py:1] bad"
        (rec,) = feed_alone(MindSporeParser(), [line])[0]
        assert rec["timestamp"] == "2024-07-01T09:05:03"


def test_memory_units_convert_to_megabytes() -> None:
    cases = {"65536M": 65536.0, "64G": 65536.0, "64GB": 65536.0, "512MB": 512.0, "1024KB": 1.0}
    for text, mb in cases.items():
        (rec,) = feed_alone(MindSporeParser(), [f"Device HBM memory size: {text}"])[0]
        assert rec["mb"] == mb, text


def test_dry_run_config_once_per_file_and_not_for_level_zero() -> None:
    lines = ["export MS_SIMULATION_LEVEL=1", "export MS_DRY_RUN=1", "  --sim_level 1"]
    records, _ = feed_alone(MindSporeParser(), lines)
    assert records == [{"kind": "config", "line": 1, "key": "dryrun", "value": "true"}]
    records, _ = feed_alone(MindSporeParser(), ["export MS_SIMULATION_LEVEL=0"])
    assert records == []


def test_adversarial_long_lines_stay_fast() -> None:
    """1 MiB lines built to defeat the regexes finish (pytest-timeout guards; no timing assert)."""
    nasty = [
        "[WARNING] ME(" + "1" * (1 << 20),
        "[ERROR] DEVICE(1,2,python):2024-01-01-00:00:00.0 [" + "a" * (1 << 20),
        "epoch: 1 step: 2, loss is " + "9" * (1 << 20),
        "Device MOC memory size: " + "1" * (1 << 20),
        "rank_1/" * (1 << 17) + " Used peak memory usage (without fragments): 1M",
    ]
    for line in nasty:
        records, _ = feed_alone(MindSporeParser(), [line])
        assert isinstance(records, list)


TRAIN_SCRIPT = """
import numpy as np
import mindspore as ms
from mindspore import nn
from mindspore.communication import init, get_rank, get_group_size
from mindspore.train import Model, LossMonitor, TimeMonitor
import mindspore.dataset as ds
ms.set_device("CPU")
init()
ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)
rng = np.random.default_rng(0)
x = rng.standard_normal((32, 8)).astype(np.float32)
y = (x @ rng.standard_normal((8, 1))).astype(np.float32)
data = ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=False, num_shards=get_group_size(),
                             shard_id=get_rank()).batch(4)
net = nn.Dense(8, 1)
model = Model(net, nn.MSELoss(), nn.SGD(net.trainable_params(), 0.01))
model.train(1, data, callbacks=[LossMonitor(1), TimeMonitor()], dataset_sink_mode=False)
"""


@pytest.mark.msrun
@pytest.mark.slow
def test_live_msrun_job_parses(tmp_path: Path) -> None:
    """A real 2-worker msrun job on the CPU: every log parses, nothing unrecognised but the script's own prints."""
    pytest.importorskip("mindspore")
    bindir = Path(sys.executable).parent
    msrun = bindir / "msrun"
    if not msrun.exists():
        pytest.skip("msrun not installed")
    script = tmp_path / "train.py"
    script.write_text(TRAIN_SCRIPT, encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    logs = tmp_path / "msrun_log"
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    cmd = [str(msrun), "--worker_num=2", "--local_worker_num=2", f"--master_port={port}"]
    cmd += [f"--log_dir={logs}", "--join=True", str(script)]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=240)
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]
    assert sorted(p.name for p in logs.iterdir()) == [
        "scheduler.log",
        "worker_0.log",
        "worker_1.log",
    ]
    sched, stats = parse_lines((logs / "scheduler.log").read_text().splitlines())
    assert stats.unrecognised == 0
    assert sorted(r["rank"] for r in events(sched, "node_registered")) == [0, 1]
    assert len(events(sched, "cluster_ready")) == 1
    for rank in (0, 1):
        recs, stats = parse_lines((logs / f"worker_{rank}.log").read_text().splitlines(), rank=rank)
        assert stats.unrecognised == 0
        steps = [r for r in recs if r["kind"] == "step"]
        assert [r["step"] for r in steps] == [1, 2, 3, 4]
        assert all(r["rank"] == rank and r["loss"] >= 0 for r in steps)
        assert len(events(recs, "cluster_ready")) == 1
        assert not events(recs, "log_error") and not events(recs, "traceback")


def test_time_monitor_with_a_dot_for_a_number_is_not_claimed() -> None:
    """Found by the property test: ``.`` matched the number class and float('.') raised."""
    records, stats = parse_lines(["Train epoch time: . ms, per step time: 172.378 ms"])
    assert records == [] and stats.unrecognised == 1
