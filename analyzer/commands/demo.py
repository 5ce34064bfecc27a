"""`analyzer demo`: a real MindSpore strategy sweep on the CPU under msrun, watched live.

The bundled spec (``analyzer/launch/workloads/sweep.toml``) is written into a fresh runs
directory and launched there; the TUI opens on that directory while the runs train, or with
``--headless`` the runs are waited for and the comparison table printed.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.sanitize import clean_text

INSTALL_HINT = (
    "analyzer demo needs MindSpore, which is an optional extra: "
    "pip install -e '.[mindspore]' (or: make demo)"
)
EXAMPLES = """examples:
  analyzer demo                          # launch the sweep and watch it in the TUI
  analyzer demo --headless --steps 20    # wait for the runs, print the comparison table
  analyzer demo --variant dp2 --variant dp1 --runs-dir /tmp/demo
then: analyzer compare DIR, analyzer runs --runs-dir DIR, analyzer launch DIR/sweep.toml
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="a real MindSpore CPU strategy sweep under msrun, watched live",
        description="Launch the bundled MindSpore CPU sweep (msrun, 2 workers) and watch it.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--headless", action="store_true", help="no TUI: wait, print the comparison")
    p.add_argument("--steps", type=int, default=20, help="training steps per run (default 20)")
    p.add_argument(
        "--runs-dir", type=Path, help="where the runs go (default ./analyzer-demo/<timestamp>)"
    )
    p.add_argument("--variant", action="append", metavar="NAME", help="only this variant")
    p.add_argument("--force", action="store_true", help="overwrite DIR/sweep.toml if it exists")
    p.set_defaults(func=run)


def check_mindspore() -> None:
    """MindSpore must import (an optional extra): otherwise say how to install it, exit 2."""
    try:
        import mindspore  # noqa: F401
    except Exception as exc:
        raise InputError(f"{INSTALL_HINT} ({type(exc).__name__}: {exc})") from None


def write_spec(runs_dir: Path, steps: int) -> Path:
    """Copy the bundled sweep into ``runs_dir`` with ``steps`` filled in; returns its path."""
    from analyzer.launch.spec import WORKLOADS_DIR

    text = (WORKLOADS_DIR / "sweep.toml").read_text(encoding="utf-8")
    text, n = re.subn(r"\bsteps = [0-9]+", f"steps = {steps}", text, count=1)
    if n != 1:
        raise InputError(f"{WORKLOADS_DIR / 'sweep.toml'}: no 'steps = N' parameter to set")
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def print_comparison(runs_dir: Path) -> None:
    from analyzer.formats import render
    from analyzer.load import load_paths
    from analyzer.summary import compare_table

    comparison = compare_table(load_paths([runs_dir]))
    sys.stdout.write(render(comparison, "table"))


def print_profiles(run_dirs: list[Path]) -> None:
    """Where the profiled runs' profiler output is, and the command that reads it."""
    from analyzer.discover import run_from_dir

    for run_dir in run_dirs:
        found = run_from_dir(run_dir).profiler_dirs
        if found:
            where = clean_text(str(found[0].parent if len(found) > 1 else found[0]))
            print(f"profile of {clean_text(run_dir.name)}: {where}")
            print(f"  read it with: analyzer profile {clean_text(str(run_dir))}")


def print_progress(batch: Any) -> None:
    """Rank 0's first, every 5th and last step of each run, as the live tail parses them."""
    for rec in batch.records:
        step, total = rec.get("step"), rec.get("total_steps")
        if rec.get("kind") != "step" or rec.get("rank") not in (0, None) or step is None:
            continue
        if step == 1 or step % 5 == 0 or step == total:
            loss, ms = rec.get("loss"), rec.get("step_time_ms")
            print(
                f"  {clean_text(str(rec.get('run')))}: step {step}/{total or '?'}"
                + (f"  loss {loss:.4f}" if isinstance(loss, float) else "")
                + (f"  {ms:.0f} ms" if isinstance(ms, float) else ""),
                file=sys.stderr,
                flush=True,
            )


def _headless(run_dirs: list[Path], runs_dir: Path) -> int:
    from analyzer.commands.launch import print_event
    from analyzer.launch.session import run_foreground
    from analyzer.live import LiveSession

    started = time.monotonic()
    live = LiveSession([runs_dir], use_cache=False)
    live.start(print_progress)
    try:
        records, interrupted = run_foreground(run_dirs, on_event=print_event)
    finally:
        live.stop()
    took = time.monotonic() - started
    print(f"{len(run_dirs)} runs in {took:.0f} s; logs in {runs_dir}", file=sys.stderr)
    if interrupted:
        return 130
    print_comparison(runs_dir)
    print_profiles(run_dirs)
    return 1 if any(r.get("status") != "finished" for r in records.values()) else 0


def _say(text: str) -> None:
    with contextlib.suppress(OSError):  # the terminal may be gone
        print(text, file=sys.stderr, flush=True)


def _with_tui(run_dirs: list[Path], runs_dir: Path) -> int:
    from analyzer.launch.supervisor import run_queue

    try:
        from analyzer.tui.app import AnalyzerApp, quit_on_hangup
    except ImportError:
        print("the TUI is not available; showing progress instead", file=sys.stderr)
        return _headless(run_dirs, runs_dir)
    stop = threading.Event()
    app = AnalyzerApp([str(runs_dir)])
    worker = threading.Thread(
        target=run_queue, args=(run_dirs,), kwargs={"stop": stop}, name="demo-queue", daemon=True
    )
    worker.start()
    quit_on_hangup(app, before=stop.set)
    try:
        code = int(app.run() or 0)
    finally:
        if worker.is_alive():
            _say("stopping the demo runs that are still going...")
        stop.set()
        worker.join()
    _say(f"runs kept in {runs_dir} (analyzer compare {runs_dir})")
    return code


def run(args: argparse.Namespace) -> int:
    if args.steps < 1:
        raise InputError(f"--steps {args.steps}: must be at least 1")
    check_mindspore()
    from analyzer.atomic import check_writable
    from analyzer.launch.session import prepare_sweep
    from analyzer.launch.spec import WORKLOADS_DIR, load_spec
    from analyzer.launch.sweep import expand, select

    runs_dir = args.runs_dir or Path("analyzer-demo") / time.strftime("%Y%m%d-%H%M%S")
    select(expand(load_spec(WORKLOADS_DIR / "sweep.toml"))[0], args.variant)  # before any write
    check_writable(runs_dir / "sweep.toml", force=args.force)
    spec = load_spec(write_spec(runs_dir, args.steps))
    run_dirs, _skipped = prepare_sweep(spec, runs_dir, args.variant)
    print(f"demo: {len(run_dirs)} runs of {spec.name} in {runs_dir}", file=sys.stderr)
    if args.headless:
        return _headless(run_dirs, runs_dir)
    return _with_tui(run_dirs, runs_dir)
