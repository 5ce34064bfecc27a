"""Vectorised (polars) parsing of the high-volume Megatron shapes, for the bulk path.

Only lines of a strictly checked shape are taken here: a known head matched from the start of
the line (iteration line, ``time (ms) | ...`` timer line, ``[Rank N] (after K iterations)
memory (MB) | ...`` report; printable ASCII up to the first ``|``), a tail of spaces after
the last ``|``, and every ``key: value`` pair the parser reads holding a plain decimal number
(``-12.5E+01``; ints as plain digits) that Python's ``float`` and polars' cast read alike.
Keys are normalised by the parser's own ``norm_key`` (over the few distinct raw keys). Anything
else (``nan``, ``1,234``, ``85%``, GB memory keys, a timestamp with a fraction) is left to the
Python parser. The field tables come from :mod:`parsers.megatron_fields`, so both paths use
one set; the caller (:mod:`analyzer.fastparse`) decides which safe lines may be taken (no parser
may hold an open block at that point) and keeps the parsers' state in step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial

import polars as pl

from analyzer.fastparse_ms import HEAD as LOG_HEAD
from analyzer.fastparse_ms import log_rows
from parsers.driver import MAX_LINE_CHARS
from parsers.megatron_fields import (
    ITERATION_FIELDS,
    MEMORY_GB_FIELDS,
    MEMORY_REPORT_FIELDS,
    norm_key,
)

#: Candidate kinds: 0 = the Python parser, else a vectorised shape.
PYTHON, ITERATION, TIMER, MEMORY, LOG = 0, 1, 2, 3, 4

_RANK = r"^(?:\[(?:default|rank) ?([0-9]{1,9})\]: ?| {0,5}([0-9]{1,6}): )?"
_DATE = r"\[([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2}:[0-9]{2})\]"
#: Heads, matched from the start of the line (the parts before the first ``|``).
_ITERATION = (
    _RANK + r"(?: {0,40}" + _DATE + r")? {0,40}"
    r"iteration {0,40}[0-9]{1,12} {0,40}/ {0,40}[0-9]{0,12} {0,40}\|"
)
_TIMER = _RANK + r"time \(ms\) \|"
_MEMORY = _RANK + r"\[Rank [0-9]{1,9}\] \(after [0-9]{1,12} iterations\) memory \(MB\) \|"
_TAIL = r"\| *$"
#: The rank of a torchrun (``[default3]:``) or srun --label (`` 3: ``) prefix: group 1 or 2.
_PREFIX_RANK = r"^(?:\[(?:default|rank) ?([0-9]{1,9})\]:| {0,5}([0-9]{1,6}): )"
_PREFIX_DATE = r"^(?:\[(?:default|rank) ?[0-9]{1,9}\]: ?| {0,5}[0-9]{1,6}: )? {0,40}" + _DATE
_NUMBER = r"^-?[0-9]{1,30}(?:\.[0-9]{1,30})?(?:[eE][-+]?[0-9]{1,2})?$"
_INT = r"^-?[0-9]{1,15}$"
#: Literals a timer line may not hold (the Megatron parser would look at it as another shape);
#: one regex alternation, which polars searches five times faster than ``contains_any``.
_FORBIDDEN_TIMER = "|".join(re.escape(t) for t in ["iteration", "memory (MB)"])

_FLOAT_FIELDS = sorted({f for f, t in ITERATION_FIELDS.values() if t is float})
_INT_FIELDS = sorted({f for f, t in ITERATION_FIELDS.values() if t is int})
_FIELD_OF = {k: f for k, (f, _t) in ITERATION_FIELDS.items()}


def _pairs(frame: pl.DataFrame, body: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """``| a: 1 | b: 2 |`` per row → one row per pair (row, raw key, value), as ``parse_pairs``,
    and ``norm_key`` of every distinct raw key (the parser's own function, on few strings).

    Segments without ``:`` are dropped; the key is cut at the first ``:``; the value is stripped
    of spaces (other whitespace then fails the number check and sends the line to Python).
    """
    seg = frame.select("row", seg=pl.col(body).str.split("|")).explode("seg")
    parts = (
        seg.select("row", kv=pl.col("seg").str.splitn(":", 2))
        .unnest("kv")
        .filter(pl.col("field_1").is_not_null())
    )
    pairs = pl.DataFrame(
        {
            "row": parts["row"],
            "raw": parts["field_0"],
            "value": parts["field_1"].str.strip_chars(" "),
        }
    )
    return pairs, {k: norm_key(k) for k in pairs["raw"].unique().to_list()}


def _normalised(pairs: pl.DataFrame, keys: dict[str, str]) -> pl.DataFrame:
    return pairs.with_columns(key=pl.col("raw").replace_strict(keys, return_dtype=pl.String))


def _bad_rows(pairs: pl.DataFrame, bad: pl.Expr) -> pl.Series:
    return pairs.filter(bad)["row"].unique().implode()


#: Per shape: a cheap literal every such line holds (or an anchored regex), then the strict head.
_SHAPES: tuple[tuple[int, str, str], ...] = (
    (ITERATION, "iteration", _ITERATION),
    (TIMER, "time (ms) |", _TIMER),
    (MEMORY, "memory (MB) |", _MEMORY),
    (LOG, "", LOG_HEAD),
)


def classify(texts: pl.Series) -> pl.Series:
    """Per candidate line: which vectorised shape its head (and tail) are of (PYTHON if none).
    Each shape looks only among the lines no earlier shape took."""
    kinds = pl.zeros(len(texts), dtype=pl.Int8, eager=True)
    rest = pl.int_range(len(texts), dtype=pl.UInt32, eager=True)  # lines not taken yet
    for kind, literal, pattern in _SHAPES:
        pool = texts if len(rest) == len(texts) else texts.gather(rest)
        has = pool.str.contains(literal, literal=True) if literal else pool.str.contains(pattern)
        hit = has.arg_true()
        if not len(hit):
            continue
        sub = pool.gather(hit)
        ok = sub.str.len_bytes() <= MAX_LINE_CHARS
        if literal:
            ok = ok & sub.str.contains(pattern)
        if kind == ITERATION:  # a line not ending in ``|`` is a wrapped record's first half
            ok = ok & sub.str.contains(_TAIL)
        if kind == TIMER:
            ok = ok & ~sub.str.contains(_FORBIDDEN_TIMER)
        taken = hit.filter(ok)
        where = rest.gather(taken)
        kinds = kinds.scatter(where, pl.repeat(kind, len(where), dtype=pl.Int8, eager=True))
        rest = rest.filter(pl.repeat(True, len(pool), eager=True).scatter(taken, False))
    return kinds


def _frame(texts: pl.Series, rows: pl.Series, *, body: bool = True) -> pl.DataFrame:
    """(row, prefix rank, body from the first ``|``, head before it) of lines whose head is
    checked; with ``body=False`` the whole text ``t`` instead of the body."""
    t = pl.col("t")
    return pl.DataFrame({"row": rows, "t": texts}).select(
        "row",
        pl.coalesce(t.str.extract(_PREFIX_RANK, 1), t.str.extract(_PREFIX_RANK, 2))
        .cast(pl.Int64)
        .alias("prefix_rank"),
        t.str.slice(t.str.find("|", literal=True)).alias("body") if body else t,
        head=t.str.slice(0, t.str.find("|", literal=True)),
    )


def iteration_rows(texts: pl.Series, rows: pl.Series) -> pl.DataFrame:
    """Iteration lines → step columns (row, rank prefix, step, fields, extra); unsafe rows dropped.

    ``rows`` are the candidates' positions (kept as ``row``). The head is checked, so plain
    string offsets find its parts: the first ``iteration`` and the first ``|``.
    """
    g = _iteration_heads(_frame(texts, rows))
    pairs, keys = _pairs(g, "body")
    # One small integer per distinct raw key: a field's index, EXTRA, or GB (left to Python).
    code = {r: _code(k) for r, k in keys.items()}
    codes = pl.col("raw").replace_strict(code, return_dtype=pl.Int8) if code else pl.lit(0)
    pairs = pairs.with_columns(code=codes.cast(pl.Int8))
    ints = [c for c in set(code.values()) if 0 <= c < len(_FIELDS) and _FIELDS[c] in _INT_FIELDS]
    bad = (pl.col("code") == _GB) | ~pl.col("value").str.contains(_NUMBER)
    bad_rows = pl.concat(
        [
            pairs.filter(bad)["row"],
            pairs.filter(pl.col("code").is_in(ints) & ~pl.col("value").str.contains(_INT))["row"],
        ]
    ).unique()
    g = g.filter(~pl.col("row").is_in(bad_rows.implode()))
    pairs = pairs.filter(pl.col("row").is_in(g["row"].implode()))
    wide = _known_fields(pairs.filter(pl.col("code") >= 0))
    extra = _extra_json(_normalised(pairs.filter(pl.col("code") == _EXTRA), keys))
    out = g.select(step_heads())
    return out.join(wide, on="row", how="left").join(extra, on="row", how="left")


def step_heads() -> list[pl.Expr]:
    """Step columns of checked iteration heads: row, rank prefix, step, total, timestamp."""
    return [
        pl.col("row"),
        pl.col("prefix_rank"),
        pl.col("step"),
        pl.when(pl.col("total") != "").then(pl.col("total")).cast(pl.Int64).alias("total_steps"),
        pl.when(pl.col("date").is_not_null())
        .then(pl.concat_str("date", pl.lit("T"), "clock"))
        .alias("timestamp"),
    ]


_FIELDS = [*_FLOAT_FIELDS, *_INT_FIELDS]
_EXTRA, _GB = -1, -2


def _code(key: str) -> int:
    """A normalised iteration key → its step field's index in ``_FIELDS``, _EXTRA or _GB."""
    if key in MEMORY_GB_FIELDS:
        return _GB
    field = _FIELD_OF.get(key)
    return _EXTRA if field is None else _FIELDS.index(field)


def _iteration_heads(g: pl.DataFrame, text: str = "body") -> pl.DataFrame:
    """Step, total and timestamp from checked heads; ``a/ b`` spans at most 40 characters.
    ``text``: the column of text kept beside them."""
    h = pl.col("head")
    after = h.str.slice(h.str.find("iteration", literal=True) + len("iteration"))
    parts = after.str.splitn("/", 2)
    return g.select(
        "row",
        "prefix_rank",
        text,
        step=parts.struct.field("field_0").str.strip_chars(" ").cast(pl.Int64),
        total=parts.struct.field("field_1").str.strip_chars(" "),
        date=h.str.extract(_PREFIX_DATE, 1),
        clock=h.str.extract(_PREFIX_DATE, 2),
        span=after.str.len_bytes(),
    ).filter(pl.col("span") <= 40)


def _known_fields(known: pl.DataFrame) -> pl.DataFrame:
    """Known keys → one column per step field, the last value on the line winning."""
    value, code = pl.col("value"), pl.col("code")
    return known.group_by("row", maintain_order=True).agg(
        value.filter(code == i).last().cast(pl.Int64 if f in _INT_FIELDS else pl.Float64).alias(f)
        for i, f in enumerate(_FIELDS)
    )


def _extra_json(pairs: pl.DataFrame) -> pl.DataFrame:
    """Other numeric pairs → the JSON of ``json.dumps(extra, sort_keys=True)`` (last value wins).

    Keys and values are written by ``json.dumps`` and ``repr(float)`` over their distinct values.
    """
    if not pairs.height:
        return pl.DataFrame(schema={"row": pl.UInt32, "extra": pl.String})
    keys = {k: json.dumps(k) for k in pairs["key"].unique().to_list()}
    values = {v: repr(float(v)) for v in pairs["value"].unique().to_list()}
    items = (
        pairs.unique(subset=["row", "key"], keep="last", maintain_order=True)
        .sort(["row", "key"])
        .select(
            "row",
            item=pl.concat_str(
                pl.col("key").replace_strict(keys, return_dtype=pl.String),
                pl.lit(": "),
                pl.col("value").replace_strict(values, return_dtype=pl.String),
            ),
        )
    )
    return items.group_by("row", maintain_order=True).agg(
        pl.concat_str(pl.lit("{"), pl.col("item").str.join(", "), pl.lit("}")).alias("extra")
    )


def timer_rows(texts: pl.Series, rows: pl.Series) -> pl.DataFrame:
    """Timer lines → one row per (name, ms) pair, in line order; unsafe lines dropped."""
    g = _frame(texts, rows)
    pairs = _normalised(*_pairs(g, "body"))
    bad = (pl.col("key") == "") | ~pl.col("value").str.contains(_NUMBER)
    keep = g.filter(~pl.col("row").is_in(_bad_rows(pairs, bad)))
    keep = keep.filter(pl.col("row").is_in(pairs["row"].unique().implode()))
    pairs = pairs.filter(pl.col("row").is_in(keep["row"].implode()))
    return pairs.join(keep.select("row", "prefix_rank"), on="row", how="left").select(
        "row",
        "prefix_rank",
        pl.col("key").alias("name"),
        pl.col("value").cast(pl.Float64).alias("ms"),
    )


def memory_rows(texts: pl.Series, rows: pl.Series) -> pl.DataFrame:
    """Memory reports → one row per known metric, in line order; unsafe lines dropped."""
    g = _frame(texts, rows)
    h = pl.col("head")
    g = g.with_columns(
        rank=h.str.extract(r"\[Rank ([0-9]+)\]", 1).cast(pl.Int64),
        step=h.str.extract(r"\(after ([0-9]+) iterations", 1).cast(pl.Int64),
    )
    pairs = _normalised(*_pairs(g, "body")).filter(pl.col("key").is_in(list(MEMORY_REPORT_FIELDS)))
    bad = ~pl.col("value").str.contains(_NUMBER)
    keep = g.filter(~pl.col("row").is_in(_bad_rows(pairs, bad)))
    keep = keep.filter(pl.col("row").is_in(pairs["row"].unique().implode()))
    pairs = pairs.filter(pl.col("row").is_in(keep["row"].implode()))
    return pairs.join(
        keep.select("row", "prefix_rank", "rank", "step"), on="row", how="left"
    ).select(
        "row",
        "prefix_rank",
        pl.col("key").replace_strict(MEMORY_REPORT_FIELDS, return_dtype=pl.String).alias("metric"),
        pl.col("value").cast(pl.Float64).alias("mb"),
        "step",
        "rank",
    )


_EMPTY: dict[int, pl.DataFrame] = {}


def shape_rows(
    texts: pl.Series, kinds: pl.Series, raw: bytes | None = None
) -> dict[int, pl.DataFrame]:
    """Rows of every vectorised shape; ``row`` is the candidate's position in ``texts``.
    ``raw``: the same lines as the compiled scanner wrote them, for the compiled body parser."""
    from analyzer import fastparse_bodies  # it builds on this module's helpers

    rows = pl.int_range(len(texts), dtype=pl.UInt32, eager=True)
    makers: dict[int, Callable[[pl.Series, pl.Series], pl.DataFrame]] = {
        ITERATION: iteration_rows,
        TIMER: timer_rows,
        MEMORY: memory_rows,
        LOG: log_rows,
    }
    if fastparse_bodies.native():
        makers[ITERATION] = partial(fastparse_bodies.iteration_rows, raw=raw)
        makers[TIMER] = partial(fastparse_bodies.timer_rows, raw=raw)
    out: dict[int, pl.DataFrame] = {}
    for kind, make in makers.items():
        sel = kinds == kind
        if sel.any():
            out[kind] = make(texts.filter(sel), rows.filter(sel))
        else:
            if kind not in _EMPTY:  # the columns of a shape with no lines (built once)
                _EMPTY[kind] = make(texts.clear(), rows.clear())
            out[kind] = _EMPTY[kind]
    return out
