"""The TUI tells about health findings: one summary of those there at start, then a
notification (and, with ``--bell``, the terminal bell) for each burst of new ones."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from analyzer.health_common import Finding
from analyzer.tui.alerts import FindingAlerts
from analyzer.tui.app import AnalyzerApp
from tests.health.make_runs import make_run as make_health_run
from tests.tui.conftest import iteration_line, make_run, wait_for


class BellCountingApp(AnalyzerApp):
    """The real app; the bell (a no-op when headless) is counted."""

    CSS_PATH = str(Path(__file__).parents[2] / "analyzer" / "tui" / "app.tcss")
    bells = 0

    def bell(self) -> None:
        self.bells += 1
        super().bell()


def _ready(app: AnalyzerApp, step: int) -> bool:
    snap = app.snapshot
    return snap.complete and snap.caught_up and any(r.step == step for r in snap.rows)


def _nan_lines(steps: range) -> str:
    lines = (iteration_line(i, 60, loss=2.5, ms=1800.0, tflops=120.0) for i in steps)
    return "".join(line.replace("lm loss: 2.500000E+00", "lm loss: nan") for line in lines)


async def test_a_new_finding_in_a_growing_run_is_notified_and_rings(tmp_path: Path) -> None:
    pytest.importorskip("analyzer.live")
    run = make_run(tmp_path, "grows", steps=40, total=60)
    app = BellCountingApp([str(tmp_path)], watch=True, poll=0.1, bell=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: _ready(app, 40))
        assert app.notices == [] and app.bells == 0  # a clean run: nothing to say
        with (run / "worker_3.log").open("a") as fh:
            fh.write(_nan_lines(range(41, 46)))
        await wait_for(pilot, lambda: bool(app.notices))
        (notice,) = app.notices
        assert notice.title == "New finding" and notice.severity == "error"
        assert notice.message.startswith("nan grows rank3 step41: loss is nan")
        assert app.bells == 1
        assert any(n.title == "New finding" for n in app._notifications)
        with (run / "worker_3.log").open("a") as fh:  # more of the same: nothing new
            fh.write(_nan_lines(range(46, 50)))
        await wait_for(pilot, lambda: _ready(app, 49))
        assert len(app.notices) == 1 and app.bells == 1


async def test_findings_there_at_start_are_summarised_once_without_bell(tmp_path: Path) -> None:
    pytest.importorskip("analyzer.live")
    make_health_run(tmp_path, "oom")
    make_health_run(tmp_path, "nan")
    app = BellCountingApp([str(tmp_path)], watch=True, poll=0.1, bell=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: _ready(app, 200) and bool(app.notices))
        (notice,) = app.notices
        assert notice.title.endswith("findings in 2 runs") and notice.severity == "error"
        assert app.bells == 0
        seen, source = app.snapshots_seen, app.source
        assert source is not None
        await asyncio.to_thread(source._emit, source._session.runs, force=True)  # checks again
        await wait_for(pilot, lambda: app.snapshots_seen > seen)
        assert len(app.notices) == 1


def _finding(rule: str, rank: int, step: int, severity: str = "warning") -> Finding:
    return Finding(rule, severity, "r", rank, step, f"{rule} on \x1b[2J{rank}", f"w{rank}.log:1")


def test_notices_coalesce_a_burst_and_wait_for_the_backlog() -> None:
    alerts = FindingAlerts()
    early = [_finding("nan", 1, 5, "error")]
    assert alerts.update(early, complete=False, caught_up=True) is None  # no checks yet
    assert alerts.update(early, complete=True, caught_up=False) is None  # still reading
    first = alerts.update(early, complete=True, caught_up=True)
    assert first is not None and (first.title, first.bell) == ("1 finding in 1 run", False)
    burst = early + [_finding("slow_rank", r, 50) for r in range(5)]
    notice = alerts.update(burst, complete=True, caught_up=True)
    assert notice is not None and notice.title == "5 new findings" and notice.bell
    assert notice.severity == "warning" and "\x1b" not in notice.message
    assert notice.message.count("\n") == 3 and notice.message.endswith("2 more (Events: 5)")
    assert alerts.update(burst[:2], complete=True, caught_up=True) is None
    assert alerts.update(burst, complete=True, caught_up=True) is None  # back again: not new


async def test_silenced_findings_do_not_show_in_the_tui(tmp_path: Path) -> None:
    from analyzer.health_config import HealthConfig

    make_health_run(tmp_path, "oom")
    make_health_run(tmp_path, "nan")
    config = HealthConfig()
    config.silence("crash")
    app = AnalyzerApp([str(tmp_path)], watch=False, health_config=config)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.complete and bool(app.snapshot.rows))
        assert {f.rule for f in app.snapshot.findings} == {"nan"}
        alerts = {r.run: r.alerts for r in app.snapshot.rows}
        assert alerts["oom"] == 0 and alerts["nan"] > 0


def test_tui_rejects_bad_health_options_before_starting(tmp_path: Path, capsys) -> None:
    from analyzer.cli import main

    assert main(["tui", str(tmp_path), "--rule-param", "divergence.block=0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "divergence.block = 0 is out of range" in err
