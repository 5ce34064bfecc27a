"""Every parser's own SAMPLES parse to the declared fields and are claimed by no other parser."""

from __future__ import annotations

import pytest

from parsers.registry import PARSER_CLASSES
from tests.parsers import feed_alone, mismatch

CASES = [
    pytest.param(cls, i, text, expected, id=f"{cls.name}-{i}")
    for cls in PARSER_CLASSES
    for i, (text, expected) in enumerate(cls.SAMPLES)
]


@pytest.mark.parametrize("cls", PARSER_CLASSES, ids=lambda c: c.name)
def test_each_parser_has_samples(cls: type) -> None:
    assert len(cls.SAMPLES) >= 3, f"{cls.name} declares {len(cls.SAMPLES)} samples, want >= 3"


@pytest.mark.parametrize(("cls", "index", "text", "expected"), CASES)
def test_sample_parses_to_declared_fields(cls: type, index: int, text: str, expected: list) -> None:
    records, unclaimed = feed_alone(cls(), text.split("\n"))
    assert not unclaimed, f"{cls.name} sample {index}: lines {unclaimed} not claimed"
    problem = mismatch(expected, records)
    assert problem is None, f"{cls.name} sample {index}: {problem}"
    for rec in records:
        assert rec["kind"] in {"step", "memory", "timer", "event", "config"}
        assert isinstance(rec["line"], int)


@pytest.mark.parametrize(("cls", "index", "text", "expected"), CASES)
def test_sample_claimed_by_no_other_parser(
    cls: type, index: int, text: str, expected: list
) -> None:
    for other in PARSER_CLASSES:
        if other is cls:
            continue
        for line in text.split("\n"):
            got = other().feed(line, 1)
            assert got is None, (
                f"{other.name} claims {cls.name} sample {index} line {line!r}: {got}"
            )
