"""Vectorised (polars) parsing of the high-volume Megatron shapes, for the bulk path.

Only lines of a strictly checked shape are taken here: printable ASCII, a known head (iteration
line, ``time (ms) | ...`` timer line, ``[Rank N] (after K iterations) memory (MB) | ...``
report), and every ``key: value`` pair with a plain decimal number (``-12.5E+01``; ints as
plain digits) that Python's ``float`` and polars' cast read alike. Anything else (``nan``,
``1,234``, ``85%``, GB memory keys, a timestamp with a fraction, a key with a quote) is left to
the Python parser. The field tables come from :mod:`parsers.megatron_fields`, so both paths use
one set; the caller (:mod:`analyzer.fastparse`) decides which safe lines may be taken (no parser
may hold an open block at that point) and keeps the parsers' state in step.
"""

from __future__ import annotations

import polars as pl

from parsers.driver import MAX_LINE_CHARS
from parsers.megatron_fields import ITERATION_FIELDS, MEMORY_GB_FIELDS, MEMORY_REPORT_FIELDS

#: Candidate kinds: 0 = the Python parser, else a vectorised shape.
PYTHON, ITERATION, TIMER, MEMORY = 0, 1, 2, 3

_RANK = r"^(?:\[(?:default|rank) ?([0-9]{1,9})\]: ?)?"
_ITERATION = (
    _RANK + r"(?: {0,40}\[([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2}:[0-9]{2})\])? {0,40}"
    r"iteration( {0,40}([0-9]{1,12}) {0,40}/ {0,40}([0-9]{0,12}) {0,40})(\|(?:.*\|)?) *$"
)
_TIMER = _RANK + r"time \(ms\)( \|.*)$"
_MEMORY = _RANK + r"\[Rank ([0-9]{1,9})\] \(after ([0-9]{1,12}) iterations\) memory \(MB\)(.*)$"
_NUMBER = r"^-?[0-9]{1,30}(?:\.[0-9]{1,30})?(?:[eE][-+]?[0-9]{1,2})?$"
_INT = r"^-?[0-9]{1,15}$"
_PRINTABLE = r"^[ -~]*$"
#: Bytes no vectorised shape may hold (they steer the Python parser elsewhere).
_FORBIDDEN_TIMER = ("iteration", "memory (MB)", "arguments")

_FLOAT_FIELDS = sorted({f for f, t in ITERATION_FIELDS.values() if t is float})
_INT_FIELDS = sorted({f for f, t in ITERATION_FIELDS.values() if t is int})
_FIELD_OF = {k: f for k, (f, _t) in ITERATION_FIELDS.items()}
_INT_KEYS = [k for k, (_f, t) in ITERATION_FIELDS.items() if t is int]


def _pairs(frame: pl.DataFrame, body: str) -> pl.DataFrame:
    """``| a: 1 | b: 2 |`` per row → one row per pair (row, pos, key, value); as parse_pairs."""
    seg = (
        frame.select("row", pl.col(body).str.split("|").alias("seg"))
        .explode("seg")
        .with_columns(pos=pl.int_range(pl.len()))
        .filter(pl.col("seg").str.contains(":", literal=True))
    )
    parts = pl.col("seg").str.splitn(":", 2)
    return seg.select(
        "row",
        "pos",
        key=parts.struct.field("field_0").str.strip_chars(" ").str.replace_all("  +", " "),
        value=parts.struct.field("field_1").str.strip_chars(" "),
    )


def _bad_rows(pairs: pl.DataFrame, bad: pl.Expr) -> pl.Series:
    return pairs.filter(bad)["row"].unique()


def classify(texts: pl.Series) -> pl.Series:
    """Per candidate line: which vectorised shape it is safely of (PYTHON when none)."""
    ok = texts.str.contains(_PRINTABLE) & (texts.str.len_bytes() <= MAX_LINE_CHARS)
    kind = pl.select(
        pl.when(~ok)
        .then(PYTHON)
        .when(texts.str.contains(_ITERATION))
        .then(ITERATION)
        .when(
            texts.str.contains(_TIMER)
            & ~texts.str.contains_any(list(_FORBIDDEN_TIMER))
        )
        .then(TIMER)
        .when(texts.str.contains(_MEMORY))
        .then(MEMORY)
        .otherwise(PYTHON)
        .cast(pl.Int8)
    ).to_series()
    return kind


def iteration_rows(texts: pl.Series, rows: pl.Series) -> pl.DataFrame:
    """Iteration lines → step columns (row, rank prefix, step, fields, extra); unsafe rows dropped.

    ``rows`` are the candidates' positions (kept as ``row``).
    """
    g = pl.DataFrame({"row": rows, "t": texts}).select(
        "row", pl.col("t").str.extract_groups(_ITERATION).alias("g")
    ).unnest("g")
    g.columns = ["row", "prefix_rank", "date", "clock", "head", "step", "total", "body"]
    g = g.filter(pl.col("head").str.len_bytes() <= 40)
    pairs = _pairs(g, "body")
    field = pl.col("key").replace_strict(_FIELD_OF, default=None)
    bad = (
        (pl.col("key") == "")
        | pl.col("key").str.contains_any(['"', "\\"])
        | pl.col("key").is_in(list(MEMORY_GB_FIELDS))
        | ~pl.col("value").str.contains(_NUMBER)
        | (pl.col("key").is_in(_INT_KEYS) & ~pl.col("value").str.contains(_INT))
    )
    g = g.filter(~pl.col("row").is_in(_bad_rows(pairs, bad).implode()))
    pairs = pairs.filter(pl.col("row").is_in(g["row"].implode())).with_columns(field=field)
    known = pairs.filter(pl.col("field").is_not_null())
    wide = _known_fields(known)
    extra = _extra_json(pairs.filter(pl.col("field").is_null()))
    out = g.select(
        "row",
        pl.col("prefix_rank").cast(pl.Int64),
        pl.col("step").cast(pl.Int64),
        pl.when(pl.col("total") != "").then(pl.col("total")).cast(pl.Int64).alias("total_steps"),
        pl.when(pl.col("date").is_not_null())
        .then(pl.concat_str("date", pl.lit("T"), "clock"))
        .alias("timestamp"),
    )
    return out.join(wide, on="row", how="left").join(extra, on="row", how="left")


def _known_fields(known: pl.DataFrame) -> pl.DataFrame:
    """Known keys → one column per step field, the last value on the line winning."""
    last = known.group_by(["row", "field"], maintain_order=True).agg(pl.col("value").last())
    cols = [pl.lit(None, pl.String).alias(f) for f in [*_FLOAT_FIELDS, *_INT_FIELDS]]
    if last.height:
        wide = last.pivot(on="field", index="row", values="value", aggregate_function="last")
    else:
        wide = pl.DataFrame(schema={"row": pl.UInt32})
    missing = [c for c in cols if c.meta.output_name() not in wide.columns]
    wide = wide.with_columns(missing)
    return wide.select(
        pl.col("row").cast(pl.UInt32),
        *(pl.col(f).cast(pl.Float64) for f in _FLOAT_FIELDS),
        *(pl.col(f).cast(pl.Int64) for f in _INT_FIELDS),
    )


def _extra_json(pairs: pl.DataFrame) -> pl.DataFrame:
    """Other numeric pairs → the JSON of ``json.dumps(extra, sort_keys=True)`` (last value wins)."""
    if not pairs.height:
        return pl.DataFrame(schema={"row": pl.UInt32, "extra": pl.String})
    uniq = pairs["value"].unique().to_list()
    reprs = {v: repr(float(v)) for v in uniq}  # Python's float repr, as json.dumps writes it
    items = (
        pairs.unique(subset=["row", "key"], keep="last", maintain_order=True)
        .sort(["row", "key"])
        .select(
            "row",
            item=pl.concat_str(
                pl.lit('"'), "key", pl.lit('": '), pl.col("value").replace_strict(reprs)
            ),
        )
    )
    return items.group_by("row", maintain_order=True).agg(
        pl.concat_str(pl.lit("{"), pl.col("item").str.join(", "), pl.lit("}")).alias("extra")
    )


def timer_rows(texts: pl.Series, rows: pl.Series) -> pl.DataFrame:
    """Timer lines → one row per (name, ms) pair, in line order; unsafe lines dropped."""
    g = pl.DataFrame({"row": rows, "t": texts}).select(
        "row", pl.col("t").str.extract_groups(_TIMER).alias("g")
    ).unnest("g")
    g.columns = ["row", "prefix_rank", "body"]
    pairs = _pairs(g, "body")
    bad = (pl.col("key") == "") | ~pl.col("value").str.contains(_NUMBER)
    keep = g.filter(~pl.col("row").is_in(_bad_rows(pairs, bad).implode()))
    keep = keep.filter(pl.col("row").is_in(pairs["row"].unique().implode()))
    pairs = pairs.filter(pl.col("row").is_in(keep["row"].implode()))
    return pairs.join(keep.select("row", "prefix_rank"), on="row", how="left").select(
        pl.col("row").cast(pl.UInt32),
        pl.col("prefix_rank").cast(pl.Int64),
        pl.col("key").alias("name"),
        pl.col("value").cast(pl.Float64).alias("ms"),
    )


def memory_rows(texts: pl.Series, rows: pl.Series) -> pl.DataFrame:
    """Memory reports → one row per known metric, in line order; unsafe lines dropped."""
    g = pl.DataFrame({"row": rows, "t": texts}).select(
        "row", pl.col("t").str.extract_groups(_MEMORY).alias("g")
    ).unnest("g")
    g.columns = ["row", "prefix_rank", "rank", "step", "body"]
    pairs = _pairs(g, "body").filter(pl.col("key").is_in(list(MEMORY_REPORT_FIELDS)))
    bad = ~pl.col("value").str.contains(_NUMBER)
    keep = g.filter(~pl.col("row").is_in(_bad_rows(pairs, bad).implode()))
    keep = keep.filter(pl.col("row").is_in(pairs["row"].unique().implode()))
    pairs = pairs.filter(pl.col("row").is_in(keep["row"].implode()))
    return pairs.join(keep, on="row", how="left").select(
        pl.col("row").cast(pl.UInt32),
        pl.col("prefix_rank").cast(pl.Int64),
        pl.col("key").replace_strict(MEMORY_REPORT_FIELDS).alias("metric"),
        pl.col("value").cast(pl.Float64).alias("mb"),
        pl.col("step").cast(pl.Int64),
        pl.col("rank").cast(pl.Int64),
    )


def shape_rows(texts: pl.Series, kinds: pl.Series) -> dict[int, pl.DataFrame]:
    """Rows of every vectorised shape; ``row`` is the candidate's position in ``texts``."""
    rows = pl.int_range(len(texts), dtype=pl.UInt32, eager=True)
    makers = {ITERATION: iteration_rows, TIMER: timer_rows, MEMORY: memory_rows}
    out: dict[int, pl.DataFrame] = {}
    for kind, make in makers.items():
        sel = kinds == kind
        out[kind] = make(texts.filter(sel), rows.filter(sel))
    return out
