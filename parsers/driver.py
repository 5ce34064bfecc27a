"""FileParser: feeds one file's lines through every family parser, in order, and stamps records.

The same object serves a one-shot parse and a live tail: the tailer hands it complete lines
as they arrive, with their 1-based line numbers, and calls ``flush`` when the file ends for good.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from parsers.base import LineParser, Record
from parsers.prefix import strip_rank_prefix
from parsers.registry import new_parsers

#: Lines longer than this are counted as oversized and not parsed (a 10 MB line is no log record).
MAX_LINE_CHARS = 1 << 20


@dataclass
class ParseStats:
    """Counts a parse reports: nothing is dropped without being counted here."""

    lines: int = 0
    recognised: int = 0
    unrecognised: int = 0
    oversized: int = 0
    decode_errors: int = 0
    records: dict[str, int] = field(default_factory=dict)

    def add(self, other: ParseStats) -> None:
        self.lines += other.lines
        self.recognised += other.recognised
        self.unrecognised += other.unrecognised
        self.oversized += other.oversized
        self.decode_errors += other.decode_errors
        for kind, n in other.records.items():
            self.records[kind] = self.records.get(kind, 0) + n


class FileParser:
    """Stateful line → record conversion for one file of one run."""

    def __init__(self, *, source: str, run: str, rank: int | None) -> None:
        self.source = source
        self.run = run
        self.rank = rank
        self.stats = ParseStats()
        self._parsers: list[LineParser] = new_parsers()
        self._prev_rank: int | None = None  # rank prefix of the previous line (for closed blocks)

    def feed(self, text: str, lineno: int) -> list[Record]:
        """Parse one complete line (newline already removed)."""
        self.stats.lines += 1
        if len(text) > MAX_LINE_CHARS:
            self.stats.oversized += 1
            return []
        if "\r" in text:
            text = text.rstrip("\r")
        line_rank, body = strip_rank_prefix(text)
        closed, records = self._claim(body, lineno)
        out = self._stamp(closed, self._prev_rank) if closed else []
        self._prev_rank = line_rank
        if records is None:
            self.stats.unrecognised += 1
            return out
        self.stats.recognised += 1
        return out + self._stamp(records, line_rank)

    def flush(self) -> list[Record]:
        """End of the file: close every open multi-line record."""
        out: list[Record] = []
        for parser in self._parsers:
            out.extend(parser.flush())
        return self._stamp(out, self._prev_rank)

    def close_pending(self) -> list[Record]:
        """Close open multi-line records, as a line no parser wants would (used across gaps)."""
        out: list[Record] = []
        for parser in self._parsers:
            if parser.pending:
                out.extend(parser.flush())
        return self._stamp(out, self._prev_rank)

    @property
    def pending(self) -> bool:
        """True while some parser holds an open multi-line record (the next line goes there first)."""
        return any(p.pending for p in self._parsers)

    def parser(self, name: str) -> LineParser:
        """The family parser of that name (the bulk path keeps its state in step)."""
        return next(p for p in self._parsers if p.name == name)

    def count_claimed(self, lines: int, claimed: int, last_rank: int | None) -> None:
        """Count ``lines`` lines, ``claimed`` of them parsed elsewhere (the bulk path's vectorised
        shapes) and the rest proved unclaimable; ``last_rank`` is the rank prefix of the last."""
        self.stats.lines += lines
        self.stats.recognised += claimed
        self.stats.unrecognised += lines - claimed
        self._prev_rank = last_rank

    def skip_lines(self, n: int) -> None:
        """Count ``n`` lines a prefilter proved no parser would claim."""
        self.stats.lines += n
        self.stats.unrecognised += n

    def _claim(self, body: str, lineno: int) -> tuple[list[Record], list[Record] | None]:
        """Offer the line to a parser with an open record first, then to all in order.

        Returns the records of blocks this line closed, and this line's records (None: unclaimed).
        """
        closed: list[Record] = []
        for parser in self._parsers:
            if parser.pending:
                got = parser.feed(body, lineno)
                if got is not None:
                    return closed, got
                # Not a continuation: the open record is complete; collect it, then go on.
                closed.extend(parser.flush())
        for parser in self._parsers:
            got = parser.feed(body, lineno)
            if got is not None:
                return closed, got
        return closed, None

    def _stamp(self, records: list[Record], line_rank: int | None) -> list[Record]:
        for rec in records:
            rec["run"] = self.run
            rec["source"] = self.source
            if rec.get("rank") is None:
                rec["rank"] = line_rank if line_rank is not None else self.rank
            kind = rec["kind"]
            self.stats.records[kind] = self.stats.records.get(kind, 0) + 1
        return records


def parse_lines(
    lines: Iterable[str],
    *,
    source: str = "<lines>",
    run: str = "run",
    rank: int | None = None,
    start: int = 1,
) -> tuple[list[Record], ParseStats]:
    """Parse an iterable of lines (newlines optional) to records; the one-shot entry point."""
    fp = FileParser(source=source, run=run, rank=rank)
    out: list[Record] = []
    for i, line in enumerate(lines, start):
        out.extend(fp.feed(line.rstrip("\n"), i))
    out.extend(fp.flush())
    return out, fp.stats
