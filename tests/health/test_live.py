"""Live: tail a run while one rank goes silent; the hang finding appears within the limit."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from analyzer.health import HealthConfig, check
from analyzer.live import LiveSession
from tests.health.make_runs import make_run, step_lines
from tests.tail_helpers import wait_until

RANKS = 4
PACE_S = 0.05
SILENT_RANK, SILENT_AFTER = 3, 20


def write_run(run_dir: Path, stop: threading.Event, silenced: threading.Event) -> None:
    """Every rank writes a step line each PACE_S; SILENT_RANK stops after SILENT_AFTER steps."""
    with contextlib.ExitStack() as stack:
        files = [
            stack.enter_context(open(run_dir / f"worker_{r}.log", "a", encoding="utf-8"))
            for r in range(RANKS)
        ]
        step = 0
        while not stop.is_set() and step < 2000:
            step += 1
            for rank, fh in enumerate(files):
                if rank == SILENT_RANK and step > SILENT_AFTER:
                    continue
                fh.write(step_lines(datetime.now(), step, 2000, 3.0, PACE_S * 1000, 1.0) + "\n")
                fh.flush()
            if step == SILENT_AFTER:
                silenced.set()
            stop.wait(PACE_S)


def test_live_hang_seen_within_configured_time(tmp_path):
    run_dir = tmp_path / "live_run"
    run_dir.mkdir()
    for r in range(RANKS):
        (run_dir / f"worker_{r}.log").touch()
    cfg = HealthConfig()
    cfg.set("hang", "floor_s", 1.5)
    cfg.set("hang", "k", 2.0)
    stop, silenced = threading.Event(), threading.Event()
    writer = threading.Thread(target=write_run, args=(run_dir, stop, silenced), daemon=True)
    session = LiveSession([tmp_path], use_cache=False)
    session.start(lambda batch: None)
    writer.start()
    found: list = []

    def hang_seen() -> bool:
        with session.lock:
            datas = list(session.runs.values())
            found[:] = [f for f in check(datas, config=cfg) if f.rule == "hang"]
        return bool(found)

    try:
        wait_until(silenced.is_set, what="the writer to silence a rank")
        silent_since = time.time()
        wait_until(hang_seen, timeout=20.0, what="a hang finding")
        seen_after = time.time() - silent_since
    finally:
        stop.set()
        writer.join()
        session.stop()
    assert [(f.run, f.rank, f.step) for f in found] == [("live_run", SILENT_RANK, SILENT_AFTER)]
    assert found[0].evidence.endswith("worker_3.log:39")  # 2 lines a step: step 20
    assert seen_after >= 1.4  # not before the 1.5 s limit


def test_watch_alerts_adds_alert_records(tmp_path):
    """`analyzer watch --alerts`: parsed records, then each finding once as a kind "alert" record."""
    make_run(tmp_path, "oom")
    cmd = [sys.executable, "-m", "analyzer", "watch", str(tmp_path / "oom")]
    cmd += ["--alerts", "--idle-exit", "1", "--no-cache"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    alerts = [r for r in records if r["kind"] == "alert"]
    assert any(r["kind"] == "step" for r in records)
    assert len(alerts) == 2 and alerts[0]["rank"] == 5 and alerts[0]["rule"] == "crash"
    assert "likely root cause" in alerts[0]["message"]
    assert alerts[0]["source"].endswith("worker_5.log") and alerts[0]["line"] == 182
    assert len({(a["rule"], a["rank"]) for a in alerts}) == len(alerts)  # each reported once


def test_live_whole_run_hang_without_run_json(tmp_path):
    """Every rank stops at once and nothing says the job is alive (no run.json): a run that grew
    while watched is alive, so the whole-run silence is a hang (check alone cannot know)."""
    from analyzer.health_live import AlertTracker

    run_dir = tmp_path / "whole"
    run_dir.mkdir()
    for r in range(RANKS):  # some history before the session starts (its backlog)
        lines = [step_lines(datetime.now(), s, 2000, 3.0, PACE_S * 1000, 1.0) for s in (1, 2)]
        (run_dir / f"worker_{r}.log").write_text("\n".join(lines) + "\n")
    cfg = HealthConfig()
    cfg.set("hang", "floor_s", 1.5)
    cfg.set("hang", "k", 2.0)
    tracker = AlertTracker(cfg, interval=0.0)
    session = LiveSession([tmp_path], use_cache=False)
    session.start(lambda batch: None)
    found: list = []

    def poll(caught_up: bool = True) -> bool:
        with session.lock:
            found.extend(tracker.new_findings(list(session.runs.values()), caught_up=caught_up))
        return any(f.rule == "hang" for f in found)

    try:
        wait_until(lambda: session.ready.is_set() and session.backlog() == 0, what="backlog")
        wait_until(lambda: "whole" in session.runs, what="the run")
        assert not poll()  # sizes noted: the backlog is not growth
        with contextlib.ExitStack() as stack:
            files = [
                stack.enter_context(open(run_dir / f"worker_{r}.log", "a")) for r in range(RANKS)
            ]
            for step in range(3, 13):
                for fh in files:
                    fh.write(step_lines(datetime.now(), step, 2000, 3.0, PACE_S * 1000, 1.0) + "\n")
                    fh.flush()
                time.sleep(PACE_S)  # the writer's pace (a training loop), not a wait for a result
        silent_since = time.time()
        wait_until(poll, timeout=20.0, what="a whole-run hang finding")
        seen_after = time.time() - silent_since
    finally:
        session.stop()
    (hang,) = [f for f in found if f.rule == "hang"]
    assert (hang.run, hang.rank, hang.step) == ("whole", None, 12)
    assert "no new step from any rank" in hang.message
    assert seen_after >= 1.4


def test_old_logs_read_live_are_not_alive(tmp_path):
    """Reading the backlog of a finished, copied run is not growth: no hang, however long."""
    from analyzer.health_live import GrowthWatch

    watch = GrowthWatch()
    assert watch.observe({"a": 10}, caught_up=False) == frozenset()
    assert watch.observe({"a": 500}, caught_up=False) == frozenset()  # still reading
    assert watch.observe({"a": 500}) == frozenset()  # first size once caught up
    assert watch.observe({"a": 500, "b": 3}) == frozenset()
    assert watch.observe({"a": 501, "b": 3}) == frozenset({"a"})
    assert watch.observe({"a": 501, "b": 3}) == frozenset({"a"})  # once grown, alive


def test_watch_alerts_takes_check_options(tmp_path):
    """`watch --alerts` accepts --config/--rule-param/--silence, checked like `check`'s."""
    make_run(tmp_path, "oom")
    base = [sys.executable, "-m", "analyzer", "watch", str(tmp_path / "oom"), "--no-cache"]
    quick = ["--idle-exit", "1"]
    proc = subprocess.run(
        [*base, *quick, "--alerts", "--silence", "crash:oom"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    kinds = {json.loads(line)["kind"] for line in proc.stdout.splitlines()}
    assert "step" in kinds and "alert" not in kinds
    for bad, needle in [
        (["--alerts", "--rule-param", "loss_spike.window=0"], "loss_spike.window = 0"),
        (["--silence", "crash"], "add --alerts"),
    ]:
        proc = subprocess.run([*base, *bad], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and needle in proc.stderr
