"""Finding columns by header name and turning profiler text cells into numbers.

Profiler CSVs are read with every column as text (``analyzer.profile``), because cells
carry ``N/A``, padding, and (in 2025 kernel_details.csv) a TAB inside quoted timestamps.
"""

from __future__ import annotations

import re

import polars as pl

_SPACES = re.compile(r"\s+")


def canonical(name: str) -> str:
    """A header compared loosely: case, BOM, surrounding and repeated spaces ignored."""
    return _SPACES.sub(" ", name.replace("\ufeff", "").strip()).lower()


def pick_column(columns: list[str], *aliases: str) -> str | None:
    """The first column whose header matches one of ``aliases`` (loosely), else None."""
    index = {canonical(c): c for c in columns}
    for alias in aliases:
        hit = index.get(canonical(alias))
        if hit is not None:
            return hit
    return None


def numeric(column: str) -> pl.Expr:
    """A text column as Float64: whitespace (TABs too) stripped, N/A and junk → null."""
    return (
        pl.col(column)
        .cast(pl.String)
        .str.strip_chars()
        .str.strip_chars('"')
        .cast(pl.Float64, strict=False)
    )


def text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars()
