"""Launch: pick a spec, see its variants and their runs, start, stop, reorder and pause the queue.

Specs are the ``*.toml`` launch specs in (and one level below) the watched directories, plus the
bundled MindSpore CPU sweep. Runs go into the first watched directory when it already holds
launched runs or the spec itself, else into its ``runs/`` subdirectory, so the other screens
pick them up live. The queue lives in this process: quitting the TUI stops what it started.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from analyzer.errors import InputError
from analyzer.launch import registry
from analyzer.launch.livequeue import RunQueue
from analyzer.launch.spec import WORKLOADS_DIR, Spec, Variant, load_spec
from analyzer.launch.sweep import expand
from analyzer.sanitize import clean_text
from analyzer.tui.colors import STATUS_STYLE
from analyzer.tui.screens.base import AnalyzerScreen

BUNDLED = (WORKLOADS_DIR / "sweep.toml").resolve()


@dataclass
class SpecEntry:
    path: Path
    spec: Spec | None
    error: str | None = None


def find_specs(paths: list[str]) -> list[SpecEntry]:
    """Launch specs under the paths (invalid TOML files that look like specs show their error)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file() and p.suffix == ".toml":
            files.append(p)
        elif p.is_dir():
            files += sorted(p.glob("*.toml")) + sorted(p.glob("*/*.toml"))
    files.append(WORKLOADS_DIR / "sweep.toml")
    out: list[SpecEntry] = []
    seen: set[Path] = set()
    for f in files:
        key = f.resolve()
        if key in seen or f.name == "pyproject.toml" or f.name.endswith(".resolved.toml"):
            continue
        seen.add(key)
        try:
            out.append(SpecEntry(key, load_spec(key)))
        except InputError as exc:
            if "command" in f.read_text(errors="replace"):
                out.append(SpecEntry(key, None, str(exc)))
    names = {e.spec.name for e in out if e.spec and e.path != BUNDLED}
    # `analyzer demo` copies the bundled spec beside its runs: list that copy once
    return [e for e in out if not (e.path == BUNDLED and e.spec and e.spec.name in names)]


def short_path(path: Path | str) -> str:
    """``path`` relative to the working directory when below it, else with ``~`` for home."""
    p = Path(path)
    with contextlib.suppress(ValueError, OSError):
        rel = p.resolve().relative_to(Path.cwd().resolve())
        return str(rel) if str(rel) != "." else "."
    with contextlib.suppress(ValueError):
        return str(Path("~") / p.relative_to(Path.home()))
    return str(p)


def varying_params(spec: Spec) -> dict[str, str]:
    """Per variant, the parameters that differ between the variants (the rest is shared)."""
    variants = expand(spec)[0]
    keys = sorted({k for v in variants for k in v.params})
    varying = [k for k in keys if len({repr(v.params.get(k)) for v in variants}) > 1]
    first = ("tp", "pp", "vpp", "cp", "dp", "ep", "sp", "recompute", "seq")
    varying.sort(
        key=lambda k: (
            first.index(k) if k in first else len(first),
            max(len(_param_text(v.params.get(k))) for v in variants),
        )
    )
    sizes = {v.name: launcher_sizes(spec, v) for v in variants}
    size_keys = [k for k in LAUNCHER_SIZES if len({sizes[v.name].get(k) for v in variants}) > 1]
    out: dict[str, str] = {}
    for v in variants:
        parts = [f"{k}={sizes[v.name].get(k)}" for k in size_keys]
        parts += [f"{k}={_param_text(v.params.get(k))}" for k in varying if k in v.params]
        if v.dry_run:
            parts.insert(0, "dry-run")
        out[v.name] = " ".join(parts)
    return out


#: Launcher settings that change a run's size, shown in "differs in" when variants differ there.
LAUNCHER_SIZES = ("worker_num", "nproc_per_node", "nnodes")


def launcher_sizes(spec: Spec, variant: Variant) -> dict[str, object]:
    """The variant's msrun ``worker_num`` or torchrun ``nproc_per_node``/``nnodes`` (defaults 1)."""
    if spec.launcher == "msrun":
        return {"worker_num": {**spec.msrun, **variant.msrun}.get("worker_num", 1)}
    if spec.launcher == "torchrun":
        cfg = {**spec.torchrun, **variant.torchrun}
        return {k: cfg.get(k, 1) for k in ("nproc_per_node", "nnodes")}
    return {}


def _param_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as the spec writes it
    if isinstance(value, list):
        return " ".join(str(x) for x in value) or "[]"
    return str(value)


def launcher_text(spec: Spec | None) -> str:
    """``msrun ×8`` / ``torchrun ×2`` / ``command``."""
    if spec is None:
        return "-"
    settings = spec.msrun if spec.launcher == "msrun" else spec.torchrun
    workers = settings.get("worker_num") or settings.get("nproc_per_node")
    return f"{spec.launcher} ×{workers}" if workers else spec.launcher


def runs_dir_for(paths: list[str], spec_path: Path) -> Path:
    """Where launched runs go (see the module docstring)."""
    first = next((Path(p) for p in paths if Path(p).is_dir()), Path("."))
    first = first.resolve()
    if spec_path.parent == first or any(first.glob(f"*/{registry.RUN_FILE}")):
        return first
    return first / "runs"


class LaunchScreen(AnalyzerScreen):
    MODE = "launch"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Start"),
        Binding("a", "start_all", "Start all"),
        Binding("x", "stop", "Stop"),
        Binding("K", "move(-1)", "Queue up"),
        Binding("J", "move(1)", "Queue down"),
        Binding("p", "pause", "Pause queue"),
        Binding("R", "rescan", "Rescan specs", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.specs: list[SpecEntry] = []
        self.queue: RunQueue | None = None
        self.latest: dict[str, tuple[Path, dict]] = {}
        self.message = ""

    def compose_body(self) -> ComposeResult:
        yield Static(id="launch-head")
        with Vertical(id="launch-body"):
            yield DataTable(id="launch-specs", cursor_type="row")
            yield DataTable(id="launch-variants", cursor_type="row")
        yield Static(id="launch-detail")

    def on_mount(self) -> None:
        specs = self.query_one("#launch-specs", DataTable)
        specs.add_columns("spec", "variants", "launcher", "file", "description")
        variants = self.query_one("#launch-variants", DataTable)
        variants.add_columns("queue", "variant", "status", "run", "differs in")
        self.action_rescan()
        variants.focus()
        self.set_interval(1.0, self.refresh_data)

    def on_unmount(self) -> None:
        if self.queue is not None:
            self.queue.on_change = lambda: None  # the widgets are going away
            self.queue.close()

    # data --------------------------------------------------------------------------------------
    @property
    def current(self) -> SpecEntry | None:
        table = self.query_one("#launch-specs", DataTable)
        if not self.specs:
            return None
        return self.specs[min(max(table.cursor_row, 0), len(self.specs) - 1)]

    def variant_names(self) -> list[str]:
        entry = self.current
        if entry is None or entry.spec is None:
            return []
        return [v.name for v in expand(entry.spec)[0]]

    def runs_dir(self) -> Path | None:
        entry = self.current
        return runs_dir_for(self.tui.paths, entry.path) if entry else None

    def _latest_runs(self) -> None:
        self.latest = {}
        entry, runs_dir = self.current, self.runs_dir()
        if entry is None or entry.spec is None or runs_dir is None:
            return
        for path, rec in registry.list_runs(runs_dir):
            if rec.get("name") == entry.spec.name:
                self.latest[str(rec.get("variant"))] = (path, rec)

    def action_rescan(self) -> None:
        self.specs = find_specs(self.tui.paths)
        table = self.query_one("#launch-specs", DataTable)
        table.clear()
        for e in self.specs:
            label = e.spec.name if e.spec else e.path.name
            count = str(len(expand(e.spec)[0])) if e.spec else "invalid"
            where = "bundled demo" if e.path == BUNDLED else short_path(e.path)
            about = str(e.spec.raw.get("description", "")) if e.spec else (e.error or "")
            table.add_row(
                clean_text(label),
                count,
                launcher_text(e.spec),
                clean_text(where),
                clean_text(about),
            )
        self.refresh_data()

    def refresh_data(self) -> None:
        if not self.is_mounted:
            return
        self._latest_runs()
        table = self.query_one("#launch-variants", DataTable)
        cursor = table.cursor_row
        table.clear()
        pending = [p.name for p in self.queue.pending] if self.queue else []
        entry = self.current
        params = varying_params(entry.spec) if entry and entry.spec else {}
        for i, name in enumerate(self.variant_names()):
            path, rec = self.latest.get(name, (None, {}))
            status = str(rec.get("status", "-"))
            if status == "failed" and rec.get("exit_code") is not None:
                status = f"failed ({rec['exit_code']})"
            order = str(pending.index(path.name) + 1) if path and path.name in pending else ""
            table.add_row(
                order,
                clean_text(name),
                Text(status, style=STATUS_STYLE.get(status.split()[0], "dim")),
                clean_text(path.name.removeprefix(f"{name}-")) if path else "-",
                clean_text(params.get(name, "")),
                key=f"{i}:{name}",
            )
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor, animate=False)
        self._head()

    def _head(self) -> None:
        entry = self.current
        head = Text(no_wrap=True, overflow="ellipsis")
        if entry is not None:
            head.append("runs go to ", style="dim")
            head.append(clean_text(short_path(self.runs_dir() or ".")) or "", style="bold")
            head.append("  enter starts the variant, a all of them, x stops", style="dim")
        if self.queue is not None and self.queue.paused:
            head.append("  queue paused (p)", style="yellow")
        self.query_one("#launch-head", Static).update(head)
        detail = entry.error if entry is not None and entry.error else self.message
        self.query_one("#launch-detail", Static).update(Text(clean_text(detail or "")))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "launch-specs":
            self.refresh_data()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a variant starts it (the table takes Enter before the screen's binding)."""
        if event.data_table.id == "launch-variants":
            self.action_start()

    class QueueChanged(Message):
        """The queue started, reaped or stopped a run (posted from its thread)."""

    def _changed(self) -> None:
        """From the queue's thread: ask the UI thread to refresh. Posting never waits, so the
        queue thread cannot block on a UI thread that is itself waiting for it in ``close``."""
        self.post_message(self.QueueChanged())

    def on_launch_screen_queue_changed(self, _message: QueueChanged) -> None:
        self.refresh_data()

    def _queue(self) -> RunQueue:
        if self.queue is None:
            self.queue = RunQueue(on_change=self._changed)
        return self.queue

    # actions -----------------------------------------------------------------------------------
    def _selected_variant(self) -> str | None:
        names = self.variant_names()
        row = self.query_one("#launch-variants", DataTable).cursor_row
        return names[row] if 0 <= row < len(names) else None

    def _launch(self, names: list[str]) -> None:
        from analyzer.launch.session import prepare_sweep

        entry, runs_dir = self.current, self.runs_dir()
        if entry is None or entry.spec is None or runs_dir is None or not names:
            return
        try:
            run_dirs, _ = prepare_sweep(entry.spec, runs_dir, names)
        except InputError as exc:
            self.message = str(exc)
            self.notify(clean_text(str(exc)), severity="error")
            return
        self._queue().add(run_dirs)
        self.message = f"queued {', '.join(names)} in {runs_dir}"
        self.refresh_data()

    def action_start(self) -> None:
        name = self._selected_variant()
        if name:
            self._launch([name])

    def action_start_all(self) -> None:
        self._launch(self.variant_names())

    def action_stop(self) -> None:
        name = self._selected_variant()
        path, rec = self.latest.get(name or "", (None, {}))
        if path is None or rec.get("status") not in registry.ACTIVE:
            self.message = f"{name}: nothing to stop"
        else:
            self._queue().stop(path)
            self.message = f"stopping {path.name}"
        self.refresh_data()

    def action_move(self, delta: int) -> None:
        name = self._selected_variant()
        path = self.latest.get(name or "", (None, {}))[0]
        if self.queue is not None and path is not None and self.queue.move(path, delta):
            self.refresh_data()

    def action_pause(self) -> None:
        queue = self._queue()
        queue.set_paused(not queue.paused)
        self.refresh_data()
