"""`analyzer watch`: follow training logs live and print each record as a JSON line."""

from __future__ import annotations

import argparse
import json
import math
import select
import signal
import sys
import threading
import time
from types import FrameType
from typing import TextIO

from analyzer.commands.check import add_health_options, build_config, health_options_given
from analyzer.errors import InputError
from analyzer.jsonl import dumps, escape_c1

#: Polling intervals accepted (finer busy-loops a core; coarser is not live).
MIN_POLL, MAX_POLL = 0.01, 3600.0

EXAMPLES = """examples:
  analyzer watch runs/tp2pp4/                  # existing records, then live ones
  analyzer watch runs/ --from-end              # only what is written from now on
  analyzer watch run_dir/ --idle-exit 30 > records.jsonl
  analyzer watch /nfs/job42/ --poll 2          # poll every 2 s (automatic on NFS/Lustre/...)
  analyzer watch runs/ --alerts                # plus health findings as records of kind "alert"
  analyzer watch runs/ --alerts --rule-param hang.floor_s=120 --silence divergence

New rank files and run directories appearing under PATH are picked up (msrun_log/ created after
launch, ranks starting late). A PATH that does not exist yet is waited for if its parent
directory exists. Rotated logs are read to their end; a truncated log is read again from the
start after an event record of type log_truncated. Parsed records are cached in
$XDG_CACHE_HOME/analyzer (default ~/.cache/analyzer) so a restart parses only new bytes.
SIGINT/SIGTERM end the watch cleanly (exit 0).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch",
        help="follow logs live, print records as JSON lines",
        description="Follow training logs as they are written; print each record as a JSON line.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", default="jsonl", choices=["jsonl"])
    p.add_argument("--from-end", action="store_true", help="skip records already in the files")
    p.add_argument("--idle-exit", type=float, metavar="SECONDS", help="exit after SECONDS quiet")
    p.add_argument("--poll", type=float, metavar="SECONDS", help="poll instead of inotify")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the parse cache")
    p.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")
    p.add_argument(
        "--alerts",
        action="store_true",
        help='also print health findings (see `analyzer check`) as records of kind "alert"',
    )
    add_health_options(p)  # for --alerts, as in `analyzer check`
    p.set_defaults(func=run)


_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str).encode
_INFINITIES = (math.inf, -math.inf)


def fast_dumps(record: dict) -> str:
    """``analyzer.jsonl.dumps`` output, skipping its per-value copy for flat finite records."""
    for value in record.values():
        if type(value) is float:
            if value != value or value in _INFINITIES:
                return dumps(record)
        elif isinstance(value, dict | list):
            return dumps(record)
    return escape_c1(_ENCODE(record))


class _Printer:
    """Writes each batch's records as JSON lines and flushes; notes go to stderr."""

    def __init__(self, out: TextIO, quiet: bool) -> None:
        self.out, self.quiet = out, quiet
        self.broken = threading.Event()

    def __call__(self, batch) -> None:  # type: ignore[no-untyped-def]
        from analyzer.sanitize import clean_text

        if not self.quiet:
            for note in batch.notes:
                print(f"analyzer: note: {clean_text(note)}", file=sys.stderr, flush=True)
        if not batch.count or self.broken.is_set():
            return
        try:
            self.out.write(batch.jsonl(fast_dumps))
            self.out.flush()
        except BrokenPipeError:
            self.broken.set()


def _check_args(args: argparse.Namespace) -> None:
    if health_options_given(args) and not args.alerts:
        raise InputError("--config, --rule-param and --silence apply to --alerts: add --alerts")
    if args.poll is not None and not MIN_POLL <= args.poll <= MAX_POLL:
        raise InputError(
            f"--poll {args.poll:g}: the interval must be {MIN_POLL:g} to {MAX_POLL:g} seconds"
        )
    if args.idle_exit is not None and not 0 < args.idle_exit < math.inf:
        raise InputError(f"--idle-exit {args.idle_exit:g}: must be a positive number of seconds")


def _reader_gone(stream: TextIO) -> bool:
    """True when nobody reads our stdout any more (``watch | head`` after head exited, or a
    hung-up terminal), so a quiet run does not keep us waiting for a write to find out."""
    try:
        poller = select.poll()
        poller.register(stream.fileno(), 0)  # errors and hang-ups are always reported
        return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _idle(session, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    """Nothing new for ``seconds``, and nothing known to be unread (not idle while catching up)."""
    quiet = time.monotonic() - session.last_activity >= seconds
    return quiet and session.ready.is_set() and session.backlog() == 0


def run(args: argparse.Namespace) -> int:
    from analyzer.live import LiveSession

    _check_args(args)
    config = build_config(args) if args.alerts else None
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    session = LiveSession(
        args.paths,
        poll=args.poll,
        use_cache=not args.no_cache,
        from_end=args.from_end,
        batch_interval=0.0,
        keep_frames=args.alerts,  # printed records need not stay in memory unless checked
    )
    printer = _Printer(sys.stdout, args.quiet)
    # --alerts: new health findings join the stream as "alert" records (analyzer.health_live).
    feed = None
    if args.alerts:
        from analyzer.health_live import AlertFeed, AlertTracker

        feed = AlertFeed(session, printer, AlertTracker(config))
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        session.start(feed.on_batch if feed else printer)
        while not stop.is_set() and session.running and not printer.broken.is_set():
            if args.idle_exit and _idle(session, args.idle_exit):
                break
            if _reader_gone(sys.stdout):
                break
            if feed:
                feed.tick()
            stop.wait(0.2)
    finally:
        session.stop(finish=True)
        if feed:
            feed.tick(force=True)
        for s, handler in old.items():
            signal.signal(s, handler)
    if session.error is not None:
        raise InputError(f"watch failed: {session.error}")
    return 0
