"""Window-only candidates the bulk path's walk skips: lines that are candidates only because
they lie inside a context window (the lines after a traceback, say), skipped while no parser
holds an open block, without ending the run of vectorised lines around them."""

from __future__ import annotations


class Skipped:
    """Window-only candidates skipped inside the run being gathered: a run may hold them (they
    are counted unclaimed), but must end on a claimed candidate (its rank prefix is kept)."""

    def __init__(self) -> None:
        self.trail: int | None = None  #: first of the skipped positions ending the run so far
        self.last = -2

    def run_end(self, q: int) -> int:
        """Where the run ending before position ``q`` really ends; forgets the run."""
        end = self.trail if self.trail is not None and self.last == q - 1 else q
        self.trail, self.last = None, -2
        return end


class WindowBlocks:
    """The Python candidates (positions ``py_pos``) that lie only inside a context window, as
    blocks of consecutive ones, so that a block is skipped in one step."""

    def __init__(self, py_pos: list[int], window_only: set[int]) -> None:
        m = len(py_pos)
        self.py_pos = py_pos
        self.only = [q in window_only for q in py_pos] if window_only else [False] * m
        #: next[k]: the first index >= k that is not window-only (m if none)
        self.next = [m] * (m + 1)
        for k in range(m - 1, -1, -1):
            self.next[k] = self.next[k + 1] if self.only[k] else k
        #: run[k]: where the stretch of adjacent window-only positions holding k starts
        self.run = list(range(m))
        for k in range(1, m):
            if self.only[k] and self.only[k - 1] and py_pos[k] == py_pos[k - 1] + 1:
                self.run[k] = self.run[k - 1]

    def skip(self, k: int, skipped: Skipped) -> int:
        """Skip the block from index ``k`` (nothing was skipped since the last run ended);
        returns the index after it."""
        end = self.next[k]
        skipped.trail = self.py_pos[max(self.run[end - 1], k)]
        skipped.last = self.py_pos[end - 1]
        return end
