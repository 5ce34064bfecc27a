"""Frames to JSON lines in polars: the bytes :func:`analyzer.output.jsonl_text` writes, fast.

Writing a million records one ``json.dumps`` at a time costs seconds; here each column is
turned into JSON text once per distinct value, and the lines are assembled by
``concat_str``, nulls left out. Python still formats every distinct value (``float.__repr__``,
``json.dumps`` for strings), so the text is exactly the record path's:

- floats: ``repr``, non-finite ones as the strings ``"nan"``, ``"inf"``, ``"-inf"``;
- strings: as ``json.dumps(s, ensure_ascii=False)`` with C1 controls escaped; those without
  quotes, backslashes or control characters need no Python at all;
- ``extra`` (JSON stored with ``sort_keys`` and ASCII escapes): written as stored when that is
  what decoding and re-encoding it gives (no ``\\u`` escape, no NaN/Infinity), else re-encoded.

Records are ordered as :func:`analyzer.output.merged_records` orders them: by run, source and
line, kinds in frame order and rows in row order among equals.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl

from analyzer.jsonl import dumps

_PLAIN = r'^[^"\\\x00-\x1f\x80-\x9f]*$'
_REENCODE = r"\\u|NaN|Infinity"


def _by_distinct(col: pl.Series, encode: object) -> pl.Series:
    """``encode`` applied once per distinct non-null value, mapped back over the column."""
    uniques = col.drop_nulls().unique()
    if not len(uniques):
        return pl.Series(col.name, [None] * len(col), dtype=pl.String)
    texts = [encode(v) for v in uniques.to_list()]  # type: ignore[operator]
    return col.replace_strict(uniques, pl.Series(texts, dtype=pl.String), return_dtype=pl.String)


def _float_json(value: float) -> str:
    """``json.dumps`` of a float (its ``repr``), infinities as the record path writes them."""
    return repr(value) if math.isfinite(value) else dumps(value)  # type: ignore[arg-type]


def _float_text(col: pl.Series) -> pl.Series:
    """NaN never equals itself and -0.0 equals 0.0 when values are matched: both set apart."""
    nan = col.is_nan().fill_null(False)
    negative_zero = ((col == 0.0) & (1.0 / col < 0.0)).fill_null(False)
    apart = nan | negative_zero
    text = _by_distinct(col.set(apart, None), _float_json)
    return text.set(nan, '"nan"').set(negative_zero, "-0.0")


def _string_text(col: pl.Series) -> pl.Series:
    plain = col.str.contains(_PLAIN).fill_null(True)
    quoted = ('"' + col + '"').alias(col.name)
    if plain.all():
        return quoted
    tricky = _by_distinct(col.set(plain, None), dumps)
    return tricky.zip_with(~plain, quoted)


def _extra_text(col: pl.Series) -> pl.Series:
    again = col.str.contains(_REENCODE).fill_null(False)
    if not again.any():
        return col
    redone = _by_distinct(col.set(~again, None), lambda v: dumps(json.loads(v)))
    return redone.zip_with(again, col)


def _column_text(col: pl.Series) -> pl.Series:
    if col.name == "extra" and col.dtype == pl.String:
        return _extra_text(col)
    if col.dtype == pl.String:
        return _string_text(col)
    if col.dtype.is_float():
        return _float_text(col)
    if col.dtype.is_integer():
        return col.cast(pl.String)
    return _by_distinct(col, lambda v: dumps(v))  # type: ignore[arg-type]


def _constant(col: pl.Series) -> tuple[bool, object]:
    """(True, value) when every row holds the same value (nulls included), else (False, None)."""
    first = col[0]
    if first is None:
        return col.null_count() == len(col), None
    if isinstance(first, float) and (math.isnan(first) or first == 0.0):
        return False, None  # NaN never equals itself, and 0.0 equals -0.0: not worth it
    same = col.eq_missing(pl.Series([first], dtype=col.dtype)).all()
    return bool(same), first


def _piece(name: str, col: pl.Series) -> pl.Expr | pl.Series | None:
    """``, "name": value`` per row (null where the value is null); a literal when constant."""
    constant, value = _constant(col)
    if constant:
        if value is None:
            return None
        return pl.lit(f', "{name}": ' + _column_text(col.head(1))[0])
    return (f', "{name}": ' + _column_text(col)).alias(f"_t_{name}")


def _kind_lines(kind: str, frame: pl.DataFrame, order: int) -> pl.DataFrame:
    """(run, source, line, order, row, text) for one kind's frame."""
    pieces: list[pl.Expr] = [pl.lit(dumps({"kind": kind})[:-1])]
    texts: list[pl.Series] = []
    for name in frame.columns:
        got = _piece(name, frame[name])
        if isinstance(got, pl.Series):
            texts.append(got)
            pieces.append(pl.col(got.name))
        elif got is not None:
            pieces.append(got)
    keys = frame.select(
        pl.col("run").fill_null(""),
        pl.col("source").fill_null(""),
        pl.col("line").fill_null(0),
        pl.lit(order, pl.Int64).alias("order"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
    )
    both = keys.hstack(texts)
    return both.select(
        "run", "source", "line", "order", "row", text=pl.concat_str(pieces, ignore_nulls=True) + "}"
    )


def jsonl_lines(frames: dict[str, pl.DataFrame]) -> pl.Series:
    """Every record of ``frames`` as one JSON text per row, in record order."""
    parts = [_kind_lines(k, f, i) for i, (k, f) in enumerate(frames.items()) if f.height]
    if not parts:
        return pl.Series("text", [], dtype=pl.String)
    both = pl.concat(parts)
    keys = [k for k in ("run", "source") if both[k].n_unique() > 1]
    return both.sort(*keys, "line", "order", "row")["text"]


def frames_jsonl(frames: dict[str, pl.DataFrame]) -> str:
    """Every record of ``frames`` as JSON lines (each ending in a newline), in record order."""
    return "".join(f"{text}\n" for text in jsonl_lines(frames).to_list())


#: Records written per slice by :func:`write_frames_jsonl`: a rank file's million records
#: turned into JSON at once took about 800 MB in a parse worker.
SLICE_ROWS = 200_000


def _one_source(frames: dict[str, pl.DataFrame]) -> bool:
    """True when every record has the same run and source (record order is then line order)."""
    seen: set[tuple[object, object]] = set()
    for frame in frames.values():
        if frame.height:
            seen.update(frame.select("run", "source").unique().iter_rows())
    return len(seen) <= 1


def _line_slices(frames: dict[str, pl.DataFrame], rows: int) -> list[dict[str, pl.DataFrame]]:
    """The frames cut into consecutive line ranges of about ``SLICE_ROWS`` records (a missing
    line number sorts as 0, as in :func:`jsonl_lines`)."""
    lines = pl.concat([f["line"].fill_null(0) for f in frames.values() if f.height])
    count = -(-rows // SLICE_ROWS)
    bounds = sorted({int(b) for b in lines.sort().gather_every(-(-len(lines) // count))[1:]})
    out = []
    lo: int | None = None
    for hi in [*bounds, None]:
        line = pl.col("line").fill_null(0)
        keep = pl.lit(True) if lo is None else line >= lo
        if hi is not None:
            keep = keep & (line < hi)
        out.append({k: f.filter(keep) for k, f in frames.items()})
        lo = hi
    return out


def write_frames_jsonl(frames: dict[str, pl.DataFrame], path: Path) -> None:
    """:func:`frames_jsonl` written to ``path`` by polars' writer (no Python string of it all),
    in slices of consecutive lines when there are many records of one source."""
    rows = sum(f.height for f in frames.values())
    slices = [frames]
    if rows > SLICE_ROWS and _one_source(frames):
        slices = _line_slices(frames, rows)
    with open(path, "wb") as fh:
        for part in slices:
            lines = jsonl_lines(part)
            if len(lines):
                lines.to_frame().write_csv(fh, include_header=False, quote_style="never")
