"""Heavy view computations off the UI thread, one at a time, coalesced.

A screen asks for a recomputation whenever its inputs change (a new snapshot, a key). The
inputs are captured on the UI thread, the computation runs in a Textual thread worker, and the
result is applied back on the UI thread. While one computation runs, further requests only
mark it stale: when it ends, one more runs with the inputs of that moment. So a burst of
snapshots costs at most two computations, the UI thread never waits for one, and what is shown
always catches up with the latest data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Generic, TypeVar

from textual.app import App
from textual.dom import DOMNode

Inputs = TypeVar("Inputs")
Result = TypeVar("Result")


class Coalesced(Generic[Inputs, Result]):
    """``capture()`` (UI thread) → ``compute(inputs)`` (worker) → ``apply(result)`` (UI)."""

    def __init__(
        self,
        owner: DOMNode,
        name: str,
        capture: Callable[[], Inputs],
        compute: Callable[[Inputs], Result],
        apply: Callable[[Result], None],
    ) -> None:
        self.owner, self.name = owner, name
        self.capture, self.compute, self.apply = capture, compute, apply
        self.running = False
        self.stale = False
        #: Results applied so far (tests wait on it).
        self.applied = 0

    def request(self) -> None:
        """Recompute soon; coalesced with a computation already under way."""
        if self.running:
            self.stale = True
            return
        self.running, self.stale = True, False
        inputs, app = self.capture(), self.owner.app
        self.owner.run_worker(
            lambda: self._work(app, inputs), name=self.name, group=self.name, thread=True
        )

    def _work(self, app: App, inputs: Inputs) -> None:
        result, ok = None, False
        try:
            result, ok = self.compute(inputs), True
        finally:  # an error still propagates to the worker (and is reported by the app)
            with contextlib.suppress(RuntimeError):  # the app is closing
                app.call_from_thread(self._finish, result, ok)

    def _finish(self, result: Result | None, ok: bool) -> None:
        self.running = False
        if not self.owner.is_attached:
            return
        if ok:
            self.apply(result)  # type: ignore[arg-type]
            self.applied += 1
        if self.stale:
            self.request()
