"""The `analyzer tui` application: state, data messages, screen switching, palette entries.

Data arrives from :class:`analyzer.tui.source.DataSource` on a background thread as immutable
snapshots; the app posts each as a :class:`SnapshotReady` message (a newer one replaces an
unhandled older one) and the handler updates the active screen. Nothing here parses or blocks.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from analyzer.tui.alerts import FindingAlerts, Notice
from analyzer.tui.colors import RunColours
from analyzer.tui.screens import ScreenEntry, screen_entries
from analyzer.tui.snapshot import Snapshot, build_snapshot
from analyzer.tui.source import DataSource


class SnapshotReady(Message):
    """A new snapshot from the data thread; an unhandled older one is dropped."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)


class AnalyzerApp(App[int]):
    """All runs under ``paths``, live (``watch=True``) or read once."""

    TITLE = "analyzer"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        paths: Sequence[str],
        *,
        watch: bool = True,
        poll: float = 1.0,
        health_config: Any = None,
        bell: bool = False,
    ) -> None:
        self.entries: list[ScreenEntry] = screen_entries()
        self.MODES = {e.mode: e.factory for e in self.entries}
        super().__init__()
        self.paths = [str(p) for p in paths]
        self.watch_files = watch
        self.poll = poll
        #: Health rule parameters and silences (``analyzer.health.HealthConfig``; None: defaults).
        self.health_config = health_config
        #: Ring the terminal bell when a new finding appears (``tui --bell``).
        self.ring_bell = bell
        self.alerts = FindingAlerts()
        #: The notices shown so far (newest last, at most 50): what the toasts said.
        self.notices: list[Notice] = []
        self.snapshot = Snapshot(watched=tuple(self.paths))
        self.colours = RunColours()
        self.marked: set[str] = set()
        self.focus_run: str | None = None
        self.snapshots_seen = 0
        self.source: DataSource | None = None
        for e in self.entries:
            self.bind(e.key, f"switch_mode('{e.mode}')", description=e.title, show=False)
        self.bind("question_mark", "help", description="Help")
        self.bind("q", "quit", description="Quit")

    # lifecycle -------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.switch_mode(self.entries[0].mode)
        if self.watch_files:
            self.source = DataSource(
                self.paths, self._from_thread, poll=self.poll, health_config=self.health_config
            )
            self.source.start()
        else:
            self.load_once()

    def on_unmount(self) -> None:
        if self.source is not None:
            self.source.stop()

    @work(thread=True, exclusive=True, group="load")
    def load_once(self) -> None:
        """Read the paths once (no tailing): tests, snapshots, `--once`."""
        from analyzer.discover import discover
        from analyzer.load import load_runs

        runs = [r for r in discover(self.paths) if r.files]
        datas = load_runs(runs) if runs else []
        records = sum(sum(d.stats.records.values()) for d in datas)
        for with_core in (False, True):  # paint the frames at once, then the core's numbers
            snap = build_snapshot(
                datas,
                watched=self.paths,
                records=records,
                mode="read once",
                with_core=with_core,
                health_config=self.health_config,
            )
            self.post_message(SnapshotReady(snap))

    def _from_thread(self, snapshot: Snapshot) -> None:
        self.post_message(SnapshotReady(snapshot))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        self.snapshot = message.snapshot
        self.snapshots_seen += 1
        self.colours.assign(self.snapshot.runs)
        self.marked &= set(self.snapshot.runs)
        if self.focus_run not in self.snapshot.runs:
            self.focus_run = next(iter(sorted(self.snapshot.runs)), None)
        self.refresh_screen()
        self._announce(self.snapshot)

    def _announce(self, snap: Snapshot) -> None:
        """A notification for findings that are new since the first paint (and the bell)."""
        notice = self.alerts.update(snap.findings, complete=snap.complete, caught_up=snap.caught_up)
        if notice is None:
            return
        self.notices = [*self.notices[-49:], notice]
        timeout = 10.0 if notice.severity == "error" else None
        self.notify(
            notice.message,
            title=notice.title,
            severity=notice.severity,  # type: ignore[arg-type]
            timeout=timeout,
            markup=False,  # log text: never markup
        )
        if notice.bell and self.ring_bell:
            self.bell()

    def refresh_screen(self) -> None:
        screen = self.screen
        if hasattr(screen, "data_changed") and screen.is_mounted:
            screen.data_changed()

    # state used by the screens ----------------------------------------------------------------
    def screen_entries(self) -> list[tuple[str, str, str]]:
        return [(e.mode, e.key, e.title) for e in self.entries]

    def chosen_runs(self) -> list[str]:
        """The marked runs, or every run when none is marked (in name order)."""
        names = sorted(self.snapshot.runs)
        return [n for n in names if n in self.marked] or names

    def toggle_mark(self, run: str) -> None:
        self.marked ^= {run}

    # actions ---------------------------------------------------------------------------------
    def action_help(self) -> None:
        from analyzer.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for e in self.entries:
            yield SystemCommand(f"Go to {e.title}", e.help, lambda m=e.mode: self.switch_mode(m))
        yield SystemCommand("Help: every key", "show all key bindings", self.action_help)
        yield SystemCommand(
            "Export comparison", "write the comparison table to a file", self._export
        )
        yield SystemCommand("Clear marks", "unmark every run", self._clear_marks)

    def _export(self) -> None:
        from analyzer.tui.screens.dialogs import ExportDialog

        self.push_screen(ExportDialog(baseline=None))

    def _clear_marks(self) -> None:
        self.marked.clear()
        self.refresh_screen()


#: Seconds after SIGHUP/SIGTERM at which the TUI process leaves even if Textual has not.
HANGUP_EXIT_AFTER = 45.0


def quit_on_hangup(app: App, before: Callable[[], None] | None = None) -> None:
    """SIGHUP (the terminal closed) or SIGTERM: quit ``app`` as ``q`` does (runs started from
    the Launch screen are stopped on the way out), after ``before``, instead of dying at once
    and leaving running jobs without their supervisor."""

    def handler(signum: int, _frame: object) -> None:
        if before is not None:
            before()
        threading.Thread(target=lambda: app.call_from_thread(app.exit), daemon=True).start()
        # Textual's shutdown can hang writing to the vanished terminal (seen 1 in 10): once
        # runs had their grace to stop (the default stop grace is 30 s), leave regardless.
        timer = threading.Timer(HANGUP_EXIT_AFTER, os._exit, args=(128 + signum,))
        timer.daemon = True  # a clean exit does not wait for it
        timer.start()

    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, handler)


def run_app(paths: list[str], *, health_config: Any = None, bell: bool = False) -> int:
    """Run the TUI until the user quits (or the terminal closes); the exit code."""
    app = AnalyzerApp(paths or ["."], health_config=health_config, bell=bell)
    quit_on_hangup(app)
    result = app.run()
    return int(result or 0)


__all__ = ["AnalyzerApp", "Binding", "SnapshotReady", "quit_on_hangup", "run_app"]
