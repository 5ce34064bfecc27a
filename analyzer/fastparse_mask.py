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
    # Two-byte anchors slow the long alternation's search down (measured): they go with the
    # code class, a search that starts from a single byte anyway.
    short = [re.escape(a) for a in anchors if len(a) <= 2]
    out = ["|".join(re.escape(a) for a in anchors if len(a) > 2)]
    if codes:
        short.append(_code_class(codes))
    if short:
        out.append("|".join(short))
    return tuple(out)


#: Fragments of everyday English too common in log noise to be anchors: "tion" (from a new
#: trigger "Exception: ") matched 20 times more lines than the anchors it displaced, and every
#: extra line is tested again with the exact regex (parse throughput fell 15%).
_COMMON = frozenset(
    [
        "tion",
        "atio",
        "ions",
        "ctio",
        "sion",
        "ment",
        "ting",
        "ring",
        "ding",
        "ning",
        "ence",
        "ance",
        "able",
        "ical",
        "ally",
        "ated",
        "ture",
        "that",
        "ther",
        "with",
        "this",
        "here",
        "from",
        "have",
        "they",
        "were",
        "ever",
        "over",
        "ough",
        "ight",
        "othe",
        "inte",
        "nter",
    ]
) | {"ing ", "ion ", " the", "the ", "and ", " and", "ent ", "ed t", "s of", " of "}


def _cover(lits: list[str], lengths: tuple[int, ...] = (4, 5, 6)) -> list[str]:
    """Greedy cover: substrings shared by the most remaining literals, preferring length 4 and
    never a common English fragment (a literal left with none is its own anchor)."""
    remaining, anchors = set(lits), []
    while remaining:
        best: tuple[int, str] | None = None
        for n in lengths:
            counts: dict[str, set[str]] = {}
            for t in remaining:
                for i in range(len(t) - n + 1):
                    counts.setdefault(t[i : i + n], set()).add(t)
            for sub, holders in sorted(counts.items()):
                if sub.lower() in _COMMON:
                    continue
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
    triggered = mask.clone()  # scatter below writes in place
    where = mask.arg_true() if _openers_are_triggers() else pl.int_range(n, eager=True)
    opens, ends = _openers(lines.gather(where), where)
    reach = max(0, carry - n)
    if len(opens):
        mask = mask.scatter(opens, True)
        inside = pl.int_ranges(opens + 1, ends.clip(upper_bound=n - 1) + 1, eager=True).explode()
        inside = inside.drop_nulls()
        if len(inside):
            mask = mask.scatter(inside, True)
        reach = max(reach, int(ends.max()) - (n - 1))  # type: ignore[arg-type]
    if carry:
        mask = mask.scatter(pl.int_range(min(carry, n), eager=True), True)
    return mask.fill_null(True), triggered, reach


def _openers(texts: pl.Series, where: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Block openers among ``texts`` (lines ``where``): their line and the last line their
    window covers (the widest rule of a line wins). One search for any opener literal first,
    then each rule among those lines only."""
    rules = context_rules()
    hit = texts.str.contains("|".join(re.escape(lit) for lit, _w in rules))
    texts, where = texts.filter(hit), where.filter(hit).cast(pl.Int64)
    parts = []
    for literal, width in rules:
        opens = where.filter(texts.str.contains(literal, literal=True))
        if len(opens):
            parts.append(pl.DataFrame({"open": opens, "end": opens + width}))
    if not parts:
        empty = pl.Series([], dtype=pl.Int64)
        return empty, empty
    both = pl.concat(parts).group_by("open").agg(pl.col("end").max()).sort("open")
    return both["open"], both["end"]
