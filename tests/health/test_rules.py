"""Each rule on frames built from records: the problem is found at the right rank and step."""

from __future__ import annotations

import math
from pathlib import Path

from analyzer.discover import Run
from analyzer.health import HealthConfig, check
from analyzer.store import RunData

NOW = 1_800_000_000.0


def make_data(records: list[dict], name: str = "r", path: Path | None = None) -> RunData:
    data = RunData(Run(name, path or Path("/nonexistent") / name))
    for i, rec in enumerate(records, 1):
        rec.setdefault("run", name)
        rec.setdefault("source", f"worker_{rec.get('rank', 0)}.log")
        rec.setdefault("line", i)
    data.append_records(records)
    return data


def steps(ranks=8, n=100, every=1, time_ms=lambda r, s: 1000.0, loss=lambda r, s: 5.0, **kw):
    out = []
    for s in range(every, n * every + 1, every):
        for r in range(ranks):
            rec = {"kind": "step", "rank": r, "step": s, "step_time_ms": time_ms(r, s)}
            rec["loss"] = loss(r, s)
            for key, fn in kw.items():
                rec[key] = fn(r, s)
            out.append(rec)
    return out


def jitter(r: int, s: int) -> float:
    return 1000.0 + ((r * 7 + s * 13) % 11) * 5.0


def rules(findings) -> list[str]:
    return [f.rule for f in findings]


def test_clean_run_has_no_findings():
    data = make_data(steps(time_ms=jitter, loss=lambda r, s: 3 + 5 * math.exp(-s / 30)))
    assert check([data], now=NOW) == []


def test_slow_rank_from_step_50():
    slow = lambda r, s: jitter(r, s) * (1.3 if r == 3 and s >= 50 else 1.0)  # noqa: E731
    found = check([make_data(steps(time_ms=slow))], now=NOW)
    assert [(f.rule, f.rank, f.step) for f in found] == [("slow_rank", 3, 50)]
    assert "1.3" in found[0].message


def test_one_noisy_step_is_not_slow():
    noisy = lambda r, s: jitter(r, s) * (3.0 if (r, s) == (3, 50) else 1.0)  # noqa: E731
    assert check([make_data(steps(time_ms=noisy))], now=NOW) == []


def test_one_rank_with_steps_says_nothing_about_slowness():
    assert check([make_data(steps(ranks=1, time_ms=jitter))], now=NOW) == []


def lagging(rank: int = 6, last: int = 40) -> list[dict]:
    """Steps of 6 s; one rank stops after ``last`` (360 s behind at step 100)."""
    recs = steps(time_ms=lambda r, s: 6000.0)
    return [r for r in recs if not (r["rank"] == rank and r["step"] > last)]


def test_lagging_rank_is_a_hang():
    recs = lagging()
    found = check([make_data(recs)], now=NOW)
    assert [(f.rule, f.rank, f.step) for f in found] == [("hang", 6, 40)]
    assert "worker_6.log" in found[0].evidence


def test_hang_limit_is_configurable():
    recs = [r for r in steps() if not (r["rank"] == 6 and r["step"] > 95)]
    assert check([make_data(recs)], now=NOW) == []  # 5 s behind: under the 300 s floor
    cfg = HealthConfig()
    cfg.set("hang", "floor_s", 2)
    cfg.set("hang", "k", 2)
    assert rules(check([make_data(recs)], config=cfg, now=NOW)) == ["hang"]


def test_finished_run_is_not_hanging():
    recs = lagging()
    recs.append({"kind": "event", "rank": 0, "type": "training_done", "severity": "info"})
    assert check([make_data(recs)], now=NOW) == []


def test_whole_run_silent_while_alive(tmp_path):
    recs = steps(ranks=2, n=10, timestamp=lambda r, s: f"2027-01-15T08:00:{s:02d}")
    data = make_data(recs, path=tmp_path)
    (tmp_path / "run.json").write_text('{"status": "running"}')
    last = data.steps["timestamp"][-1]
    from analyzer.health_common import parse_timestamp

    t = parse_timestamp(last)
    assert check([data], now=t + 200) == []
    found = check([data], now=t + 400)
    assert [(f.rule, f.rank, f.step) for f in found] == [("hang", None, 10)]
    assert "rank 0 last at step 10" in found[0].message and "rank 1" in found[0].message


def test_nan_names_first_rank_and_step():
    bad = lambda r, s: math.nan if (s >= 120 and r == 4) or s >= 121 else 3.0  # noqa: E731
    found = check([make_data(steps(n=150, loss=bad))], now=NOW)
    nan = [f for f in found if f.rule == "nan"]
    assert (nan[0].rank, nan[0].step) == (4, 120)
    assert nan[1].step == 121 and "7 ranks" in nan[1].message


def test_nan_count_and_skipped():
    recs = steps(n=10, every=100, nan_count=lambda r, s: 0, skipped=lambda r, s: 0)
    recs = [r for r in recs if r["rank"] == 0]
    recs[0]["skipped"] = 15  # loss-scaler warm-up in the first interval: not a finding
    assert check([make_data(recs)], now=NOW) == []
    recs[5]["skipped"] = 30
    recs[7]["nan_count"] = 2
    found = check([make_data(recs)], now=NOW)
    assert sorted((f.rule, f.severity, f.step) for f in found) == [
        ("nan", "error", 800),
        ("nan", "warning", 600),
    ]


def test_loss_spike_found_once():
    loss = lambda r, s: 3.0 * (3 if s in (150, 151) else 1) + (s % 3) * 0.01  # noqa: E731
    found = check([make_data(steps(n=200, loss=loss))], now=NOW)
    assert [(f.rule, f.rank, f.step) for f in found] == [("loss_spike", 0, 150)]
    assert "8 ranks" in found[0].message


def test_divergence():
    loss = lambda r, s: 3.0 if s < 100 else 3.0 + (s - 100) * 0.02  # noqa: E731
    found = check([make_data(steps(ranks=1, n=200, loss=loss))], now=NOW)
    assert rules(found) == ["divergence"]
    assert 100 <= found[0].step <= 120


def test_loss_scale_collapse():
    scale = lambda r, s: 65536.0 if s < 60 else 65536.0 / 2 ** (s - 59)  # noqa: E731
    found = check([make_data(steps(ranks=1, loss_scale=scale))], now=NOW)
    assert [(f.rule, f.step) for f in found] == [("loss_scale_collapse", 69)]


def _event(rank, type_, line, ts=None, **extra):
    rec = {"kind": "event", "rank": rank, "type": type_, "severity": "error", "line": line}
    rec.update(message=f"{type_} on {rank}", timestamp=ts, extra=extra or None)
    return rec


def test_crash_root_cause_by_timestamp():
    recs = [_event(r, "comm_timeout", 10, f"2027-01-15T09:{30 + r:02d}:00") for r in range(8)]
    recs = [r for r in recs if r["rank"] != 5]
    recs += [
        _event(5, "traceback", 20, "2027-01-15T09:00:00"),
        _event(5, "oom", 21, "2027-01-15T09:00:00"),
        _event(None, "worker_exit", 3, "2027-01-15T09:45:00", exit_code=1),
        _event(None, "worker_exit", 4, "2027-01-15T09:46:00", exit_code=0),
    ]
    found = check([make_data(recs)], now=NOW)
    assert all(f.rule == "crash" for f in found)
    assert (found[0].rank, "likely root cause" in found[0].message) == (5, True)
    assert "out of memory" in found[0].message and found[0].evidence == "worker_5.log:21"
    # rank 5; 7 comm timeouts as one; one exit code 1 without a rank; exit code 0 is no failure
    assert len(found) == 3
    assert all("consequence" in f.message for f in found[1:])
    assert "communication timeout on 7 ranks: 0-4, 6-7, after rank 5" in found[1].message
    assert found[2].message.startswith("a process without a rank: worker exited with an error")


def test_64_rank_oom_gives_one_consequence_finding():
    recs = [_event(r, "comm_timeout", 10, f"2027-01-15T09:30:{r:02d}") for r in range(64) if r != 5]
    recs.append(_event(5, "oom", 21, "2027-01-15T09:00:00"))
    root, merged = check([make_data(recs)], now=NOW)
    assert root.rank == 5 and "the first of 64 failing ranks: likely root cause" in root.message
    assert merged.message.startswith("communication timeout on 63 ranks: 0-4, 6-63, after rank 5")
    assert (merged.rank, merged.evidence) == (0, "worker_0.log:10")  # the first to time out
    more = [*recs, _event(64, "comm_timeout", 10, "2027-01-15T09:31:00")]
    assert check([make_data(more)], now=NOW)[1].key == merged.key  # a rank more: not new


def test_memory_leak_and_near_total():
    recs = []
    for s in range(10, 201, 10):
        for r in range(4):
            grow = 200.0 * max(0, (s - 50) // 10 + 1) if r == 1 else 0.0
            recs.append(
                {
                    "kind": "memory",
                    "rank": r,
                    "step": s,
                    "metric": "allocated",
                    "mb": 20000.0 + grow + (s % 20),
                }
            )
    found = check([make_data(recs)], now=NOW)
    assert [(f.rule, f.rank, f.step) for f in found] == [("memory_growth", 1, 50)]
    recs += [
        {"kind": "memory", "rank": 2, "metric": "device_total", "mb": 65536.0},
        {"kind": "memory", "rank": 2, "metric": "peak_actual", "mb": 64000.0},
    ]
    found = check([make_data(recs)], now=NOW)
    assert any(f.rank == 2 and "98%" in f.message for f in found)


def test_silence_by_rule_and_run():
    recs = lagging()
    a, b = make_data(list(recs), "run_a"), make_data([dict(r) for r in recs], "run_b")
    cfg = HealthConfig()
    cfg.silence("hang:run_a")
    assert [f.run for f in check([a, b], config=cfg, now=NOW)] == ["run_b"]
    cfg.silence("hang")
    assert check([a, b], config=cfg, now=NOW) == []


def test_alert_tracker_reports_each_finding_once():
    from analyzer.health_live import AlertTracker, alert_record

    tracker = AlertTracker(interval=0.0)
    data = make_data(lagging())
    (first,) = tracker.new_findings([data], now=NOW)
    assert tracker.new_findings([data], now=NOW) == []
    rec = alert_record(first)
    assert rec["kind"] == "alert" and (rec["source"], rec["line"]) == ("worker_6.log", 319)


def test_slow_rank_from_per_rank_timers_when_steps_come_from_one_rank():
    recs = steps(ranks=1, time_ms=jitter)  # Megatron: iteration lines from the last rank only
    for s in range(1, 101):
        for r in range(8):
            ms = 800.0 + (r * 3 + s) % 7 * 4 + (200.0 if r == 2 and s >= 30 else 0.0)
            recs.append(
                {"kind": "timer", "rank": r, "step": s, "name": "forward-compute", "ms": ms}
            )
    found = check([make_data(recs)], now=NOW)
    assert [(f.rule, f.rank, f.step) for f in found] == [("slow_rank", 2, 30)]
    assert "'forward-compute' time" in found[0].message


def test_dead_process_from_run_json_is_no_whole_run_hang(tmp_path):
    recs = steps(ranks=2, n=10, timestamp=lambda r, s: f"2027-01-15T08:00:{s:02d}")
    data = make_data(recs, path=tmp_path)
    (tmp_path / "run.json").write_text('{"status": "running", "pid": 999999999}')
    assert check([data], now=NOW) == []
    (tmp_path / "run.json").write_text('{"status": "finished"}')
    assert check([data], now=NOW) == []


def test_a_leak_whose_onset_moves_is_alerted_once():
    """As memory reports arrive, the leak's onset step moves (170, then 320): one alert, and
    Finding.key is the identity AlertTracker uses."""
    import random

    from analyzer.health_live import AlertTracker

    rng, mb, values = random.Random(1), 20000.0, []
    for s in range(10, 401, 10):
        mb += rng.choice([300, 300, 300, -100]) if s > 100 else rng.choice([50, -50])
        values.append({"kind": "memory", "rank": 0, "step": s, "metric": "allocated", "mb": mb})
    tracker, alerts, onsets = AlertTracker(interval=0.0), [], set()
    for n in range(5, len(values) + 1):
        fresh = tracker.new_findings([make_data([dict(v) for v in values[:n]])], now=NOW)
        alerts += fresh
        onsets |= {f.step for f in check([make_data([dict(v) for v in values[:n]])], now=NOW)}
    assert len(onsets) > 1  # the onset did move
    assert [f.rule for f in alerts] == ["memory_growth"]
    assert alerts[0].key == ("memory_growth", "r", "leak rank 0")
    assert "topic" not in alerts[0].to_dict()


def test_growing_run_silent_as_a_whole_is_a_hang_unless_done_or_failed():
    """A live session saw the run grow (HealthConfig.growing): alive, so whole-run silence is a
    hang; not when every rank logged its last step, nor for a rank that logged a failure."""
    from dataclasses import replace

    stamp = lambda r, s: f"2026-06-01T08:00:{s:02d}"  # noqa: E731
    recs = steps(ranks=2, n=10, total_steps=lambda r, s: 50, timestamp=stamp)
    live = replace(HealthConfig(), growing=frozenset({"r"}))
    assert check([make_data([dict(r) for r in recs])], now=NOW) == []  # finished copy of logs
    found = check([make_data([dict(r) for r in recs])], config=live, now=NOW)
    assert [(f.rule, f.rank, f.step) for f in found] == [("hang", None, 10)]
    done = steps(ranks=2, n=50, total_steps=lambda r, s: 50, timestamp=stamp)
    assert check([make_data(done)], config=live, now=NOW) == []
    failed = [dict(r) for r in recs] + [_event(1, "oom", 99)]
    found = check([make_data(failed)], config=live, now=NOW)
    assert sorted((f.rule, f.rank) for f in found) == [("crash", 1), ("hang", 0)]


def _launched_run(tmp_path, status: str, code) -> Path:
    """A launched msrun run: run.json, console.log, worker logs with steps and no failure."""
    import json

    from analyzer.load import load_paths

    run = tmp_path / "fail-20261122-182730"
    (run / "msrun_log").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"status": status, "exit_code": code}))
    (run / "console.log").write_text(
        "Start worker process with rank id:0\n"
        "[ERROR] ME(1:2,MainProcess):2026-11-22-18:27:44.940.00 [_api.py:365] Worker process 3"
        " exit with exception. Error code: 3.\n"
        "RuntimeError: Distributed job exited with exception. Please check logs in msrun_log.\n\n"
    )
    line = " iteration        1/       5 | elapsed time per iteration (ms): 2107.5 | lm loss: 5.6 |"
    (run / "msrun_log" / "worker_0.log").write_text(line + "\n")
    return load_paths([run], use_cache=False)[0]


def test_failed_launched_run_without_failure_in_its_logs_is_a_crash(tmp_path):
    data = _launched_run(tmp_path, "failed", 1)
    (f,) = check([data], now=NOW)
    assert (f.rule, f.rank, f.step) == ("crash", None, 1)
    assert f.message.startswith("the launched run failed with exit code 1 (run.json)")
    assert f.message.endswith(
        "console.log ends: RuntimeError: Distributed job exited with"
        " exception. Please check logs in msrun_log."
    )
    assert f.evidence == f"{tmp_path / 'fail-20261122-182730' / 'console.log'}:3"


def test_finished_or_stopped_launched_runs_are_no_crash(tmp_path):
    assert check([_launched_run(tmp_path / "a", "finished", 0)], now=NOW) == []
    assert check([_launched_run(tmp_path / "b", "stopped", None)], now=NOW) == []
