"""Helpers shared by the parser tests: feed one parser alone, compare records to expectations."""

from __future__ import annotations

import math
from typing import Any

from parsers.base import LineParser, Record


def feed_alone(parser: LineParser, lines: list[str]) -> tuple[list[Record], list[int]]:
    """Feed lines to one parser as the driver would; (records, line numbers it did not claim)."""
    records: list[Record] = []
    unclaimed: list[int] = []
    for lineno, text in enumerate(lines, 1):
        if parser.pending:
            got = parser.feed(text, lineno)
            if got is not None:
                records.extend(got)
                continue
            records.extend(parser.flush())
        got = parser.feed(text, lineno)
        if got is None:
            unclaimed.append(lineno)
        else:
            records.extend(got)
    records.extend(parser.flush())
    return records, unclaimed


def same_value(expected: Any, actual: Any) -> bool:
    """Equality with nan == nan, floats compared to 1e-9 relative, dicts as subsets."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and same_value(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, float) and isinstance(actual, int | float):
        if math.isnan(expected):
            return math.isnan(actual)
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=0.0) or expected == actual
    return type(expected) is type(actual) and expected == actual


def mismatch(expected: list[Record], actual: list[Record]) -> str | None:
    """Why ``actual`` does not carry every expected field (in order), or None when it does."""
    if len(expected) != len(actual):
        return f"{len(actual)} records, expected {len(expected)}: {actual}"
    for i, (exp, act) in enumerate(zip(expected, actual, strict=True)):
        for key, value in exp.items():
            if key not in act or not same_value(value, act[key]):
                return f"record {i} field {key!r}: got {act.get(key)!r}, expected {value!r}"
    return None
