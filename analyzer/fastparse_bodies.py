"""Iteration and timer lines with their ``| key: value |`` bodies read by the compiled
:mod:`analyzer._bodies`, when it is built: the same rows as :mod:`analyzer.fastparse_vec`'s
polars functions, which stay the reference and the fallback (``ANALYZER_NATIVE=0``, or no C
compiler at install). Heads (rank prefix, step, total, timestamp) are still read by polars.

What each raw key means is decided here, by the parser's own ``norm_key`` and field tables,
and handed to the C side once per distinct key (see ``_Keys``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import Any

import polars as pl

from analyzer.fastparse_vec import (
    _EXTRA,
    _FIELDS,
    _GB,
    _INT_FIELDS,
    _code,
    _extra_json,
    _frame,
    _iteration_heads,
    step_heads,
)
from analyzer.fastparse_vec import iteration_rows as polars_iteration_rows
from analyzer.fastparse_vec import timer_rows as polars_timer_rows
from parsers.megatron_fields import norm_key

#: Codes of the C side: a field's column (>= 0), an extra / a timer name, or "send to Python".
_NAME, _BAD = -1, -2
_INT_MASK = bytes(int(f in _INT_FIELDS) for f in _FIELDS)


class _Keys:
    """One compiled parser and what its key ids mean (``code_of`` gives a new key's code)."""

    def __init__(self, bodies: Any, code_of: Callable[[str], int]) -> None:
        self.bodies = bodies
        self.code_of = code_of
        self.names: list[str] = []  #: id -> normalised key

    def parse(
        self, texts: pl.Series, rows: pl.Series, raw: bytes | None, nfields: int, ints: bytes
    ) -> tuple[Any, ...]:
        """The C parse of ``texts`` (at least one line; they are lines ``rows`` of the scanner's
        ``raw`` candidates when given, read there without a copy), new keys coded first."""
        source = texts.str.join("\n").item() if raw is None else raw
        lines = None if raw is None else rows.to_list()
        while True:
            got = self.bodies.parse(source, lines, nfields, ints)
            if isinstance(got, tuple):
                return got
            for key_id in got:
                raw = self.bodies.key(key_id).decode("utf-8")
                while len(self.names) <= key_id:
                    self.names.append("")
                self.names[key_id] = norm_key(raw)
                self.bodies.set_code(key_id, self.code_of(self.names[key_id]))


def _iteration_code(key: str) -> int:
    code = _code(key)
    return _BAD if code == _GB else _NAME if code == _EXTRA else code


def _timer_code(key: str) -> int:
    return _BAD if key == "" else _NAME


@cache
def _keys() -> tuple[_Keys, _Keys] | None:
    """The iteration and timer parsers, or None (not built, or ``ANALYZER_NATIVE=0``)."""
    if os.environ.get("ANALYZER_NATIVE", "1") == "0":
        return None
    try:
        from analyzer._bodies import Bodies  # type: ignore[import-not-found]
    except ImportError:
        return None
    return _Keys(Bodies(), _iteration_code), _Keys(Bodies(), _timer_code)


def native() -> bool:
    """True when the compiled body parser is in use."""
    return _keys() is not None


def iteration_rows(texts: pl.Series, rows: pl.Series, raw: bytes | None = None) -> pl.DataFrame:
    """As :func:`analyzer.fastparse_vec.iteration_rows`, bodies read by the C parser (from the
    scanner's ``raw`` candidate text when given: ``rows`` are line numbers there)."""
    keys = _keys()
    g = _iteration_heads(_frame(texts, rows, body=False), "t")
    if keys is None or not g.height:
        return polars_iteration_rows(texts, rows)
    ok, values, pair_line, pair_key, pair_value = keys[0].parse(
        g["t"], g["row"], raw, len(_FIELDS), _INT_MASK
    )
    n, vals = len(_FIELDS), pl.Series(values)
    wide = {  # NaN: the line has no such field (a checked number is never NaN)
        f: vals.gather_every(n, i).fill_nan(None).cast(pl.Int64 if f in _INT_FIELDS else pl.Float64)
        for i, f in enumerate(_FIELDS)
    }
    out = g.with_columns(ok=pl.Series(ok), **wide).filter(pl.col("ok") == 1)
    out = out.select(*step_heads(), *_FIELDS)
    return out.join(
        _extras(keys[0], g["row"], pair_line, pair_key, pair_value), on="row", how="left"
    )


def _extras(
    keys: _Keys, rows: pl.Series, pair_line: Any, pair_key: Any, pair_value: Any
) -> pl.DataFrame:
    """Extra pairs (line, key id, value) → the ``extra`` JSON per row, as the polars path."""
    values = pl.Series(pair_value)
    text = {v: repr(v) for v in values.unique().to_list() if v != 0}
    zero = pl.when(1.0 / values < 0).then(pl.lit("-0.0")).otherwise(pl.lit("0.0"))
    names = pl.Series(keys.names, dtype=pl.String)
    pairs = pl.DataFrame(
        {
            "row": rows.gather(pl.Series(pair_line)),
            "key": names.gather(pl.Series(pair_key)),
            "value": values,
        }
    ).with_columns(  # repr of each distinct value (-0.0 is not 0.0, though they compare equal)
        value=pl.when(pl.col("value") == 0)
        .then(zero)
        .otherwise(pl.col("value").replace_strict(text, default=None, return_dtype=pl.String))
    )
    return _extra_json(pairs)


def timer_rows(texts: pl.Series, rows: pl.Series, raw: bytes | None = None) -> pl.DataFrame:
    """As :func:`analyzer.fastparse_vec.timer_rows`, bodies read by the C parser."""
    keys = _keys()
    if keys is None or not len(texts):
        return polars_timer_rows(texts, rows)
    g = _frame(texts, rows, body=False)
    _ok, _values, pair_line, pair_key, pair_value = keys[1].parse(g["t"], g["row"], raw, 0, b"")
    line = pl.Series(pair_line)
    return pl.DataFrame(
        {
            "row": g["row"].gather(line),
            "prefix_rank": g["prefix_rank"].gather(line),
            "name": pl.Series(keys[1].names, dtype=pl.String).gather(pl.Series(pair_key)),
            "ms": pl.Series(pair_value),
        }
    )
