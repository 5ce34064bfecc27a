"""The candidate mask of the bulk path: lines some parser might claim.

A line is a candidate when it holds one of the parsers' TRIGGERS, is oversized, or lies in a
CONTEXT window after a block opener (:mod:`parsers.prefilter`). Every opener literal holds a
trigger literal (checked here; otherwise the whole chunk is searched), so openers are looked for
among the candidates only, not in every line.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from parsers.prefilter import MAX_LINE_CHARS, context_rules, has_full_triggers, trigger_literals


def _two_byte_codes(lits: list[str]) -> list[str]:
    """The two-byte ``E?`` literals (CANN error code heads), searched as one character class."""
    return [t for t in lits if len(t) == 2 and t[0] == "E"]


@cache
def _trigger_regex() -> str:
    """One regex alternation of every trigger literal (the exact test)."""
    lits = sorted(trigger_literals(), key=len, reverse=True)
    codes = _two_byte_codes(lits)
    rest = [re.escape(t) for t in lits if t not in codes]
    if codes:
        rest.append(_code_class(codes))
    return "|".join(rest)


def _code_class(codes: list[str]) -> str:
    return "E[" + "".join(sorted(re.escape(t[1]) for t in codes)) + "]"


@cache
def _anchor_regexes() -> tuple[str, ...]:
    """A quick superset test: few short substrings that every trigger holds one of (a literal
    set small enough for the regex engine's vectorised search), and the code class apart."""
    lits = trigger_literals()
    codes = _two_byte_codes(lits)
    anchors = _cover([t for t in lits if t not in codes])
    out = ["|".join(re.escape(a) for a in anchors)]
    if codes:
        out.append(_code_class(codes))
    return tuple(out)


def _cover(lits: list[str], lengths: tuple[int, ...] = (4, 5, 6, 3)) -> list[str]:
    """Greedy cover: substrings shared by the most remaining literals, preferring length 4."""
    remaining, anchors = set(lits), []
    while remaining:
        best: tuple[int, str] | None = None
        for n in lengths:
            counts: dict[str, set[str]] = {}
            for t in remaining:
                for i in range(len(t) - n + 1):
                    counts.setdefault(t[i : i + n], set()).add(t)
            for sub, holders in sorted(counts.items()):
                if best is None or len(holders) > best[0]:
                    best = (len(holders), sub)
            if best is not None and best[0] > 1:
                break
        if best is None or best[0] <= 1:
            anchors.extend(sorted(remaining))
            break
        anchors.append(best[1])
        remaining = {t for t in remaining if best[1] not in t}
    return anchors


def _triggered(lines: pl.Series) -> pl.Series:
    """Lines holding a trigger: the quick anchor test, then the exact one on its hits only."""
    regexes = _anchor_regexes()
    rough = lines.str.contains(regexes[0])
    for rx in regexes[1:]:
        rough = rough | lines.str.contains(rx)
    hits = rough.arg_true()
    exact = lines.gather(hits).str.contains(_trigger_regex())
    return pl.zeros(len(lines), dtype=pl.Boolean, eager=True).scatter(hits.filter(exact), True)


@cache
def _openers_are_triggers() -> bool:
    lits = trigger_literals()
    return all(any(t in opener for t in lits) for opener, _w in context_rules())


def candidate_mask(lines: pl.Series, carry: int = 0) -> tuple[pl.Series, pl.Series, int]:
    """Lines a parser might claim: a trigger, an oversized line, or inside a context window.

    ``carry`` lines at the start are still inside a window opened in the previous chunk.
    Returns the mask, the mask of lines holding a trigger (or oversized: fed in any case), and
    how many lines of the next chunk this chunk's windows reach into.
    """
    n = len(lines)
    if not has_full_triggers():
        everything = pl.Series([True] * n)
        return everything, everything, 0
    mask = _triggered(lines) | (lines.str.len_bytes() > MAX_LINE_CHARS)
    triggered = mask
    where = mask.arg_true() if _openers_are_triggers() else pl.int_range(n, eager=True)
    texts = lines.gather(where)
    reach_at = pl.Series([None] * n, dtype=pl.Int64)
    for literal, width in context_rules():
        opens = where.filter(texts.str.contains(literal, literal=True)).cast(pl.Int64)
        if not len(opens):
            continue
        ends = opens + width
        ends = pl.select(pl.max_horizontal(reach_at.gather(opens), ends)).to_series()
        reach_at = reach_at.scatter(opens, ends)
        mask = mask.scatter(opens, True)
    reach = max(0, carry - n)
    last_end = reach_at.max()
    if last_end is not None:
        covered = reach_at.shift(1).forward_fill().cum_max()
        mask = mask | (covered >= pl.int_range(n, eager=True)).fill_null(False)
        reach = max(reach, int(last_end) - (n - 1))
    if carry:
        mask = mask | (pl.int_range(n, eager=True) < carry)
    return mask.fill_null(True), triggered, reach
