"""Vectorised (polars) parsing of MindSpore's own log lines, for the bulk path.

``[WARNING] ME(4003:1398...,MainProcess):2025-03-12-10:05:12.12.0 [mindspore/ops/x.py:12] msg``
and the C++ form with a function name before the message. A line is taken here only when it is
printable ASCII, has the prefix and a ``[source]``, holds no trigger of a parser that comes
before MindSpore's, and its message names nothing the MindSpore parser looks for further (a
lifecycle marker, memory, a dry run, a failure gate, a traceback, start-up chatter): then the
parser's answer is fixed, a ``log_warning``/``log_error`` event (WARNING/ERROR) or a claim
without a record (INFO/DEBUG). Every literal comes from the parsers' own tables.
"""

from __future__ import annotations

import re

import polars as pl

from parsers.failures_lines import _GATE_LITERALS
from parsers.megatron import MegatronParser
from parsers.mindspore import _INFO_MARKERS, _ROUTINE, _SILENT

#: The prefix up to the message, all printable ASCII (captured whole, then its parts).
_LOG = (
    r"^(\[(WARNING|ERROR|INFO|DEBUG)\] ([A-Z_]+)\(([0-9]{1,9})(?:[,:][0-9a-fA-Fx]+)?,"
    r"[ -(*-~]{0,64}\):([0-9]{4}-[0-9]{2}-[0-9]{2})-([0-9]{2}:[0-9]{2}:[0-9]{2})[.0-9]* "
    r"\[([!#-\[^-~]{1,300})\] )"  # source: printable, no space, quote, backslash or ]
)
_PRINTABLE = r"^[ -~]*$"
_CPP_FUNC = r"^[^\s\]]{1,200}\] "
#: Messages the MindSpore parser looks at further (markers, memory, failures): left to Python.
_FURTHER = [
    "memory",
    "Cluster is successfully initialized",
    "registered successfully",
    "has unregistered",
    "Worker process",
    "Time out nodes are",
    "The node: ",
    "Traceback",
    *_GATE_LITERALS,
]
_DRYRUN = r"(?i:dryrun|dry run|sim_level|simulation_level)"
_CODE = r"E[0-9A-Z][0-9]{4}"
#: One test over the whole line (a superset of what each check needs: only more lines go to
#: Python): a Megatron trigger (that parser comes first), an INFO marker, a further look.
_ROUTE = "|".join(
    [
        *(
            re.escape(t)
            for t in sorted(
                {*MegatronParser.TRIGGERS, *_FURTHER, *_INFO_MARKERS}, key=len, reverse=True
            )
        ),
        _DRYRUN,
        _CODE,
    ]
)
_STARTS = "^(?:" + "|".join(re.escape(s) for s in (*_SILENT, *_ROUTINE)) + ")"
_SEVERITY = {"WARNING": "warning", "ERROR": "error"}
_TYPE = {"WARNING": "log_warning", "ERROR": "log_error"}

HEAD = r"^\[(?:WARNING|ERROR|INFO|DEBUG)\] "


def log_rows(texts: pl.Series, rows: pl.Series) -> pl.DataFrame:
    """MindSpore log lines → event columns (``quiet``: an INFO/DEBUG line claimed without a
    record); lines not safely of the plain shape are dropped (they go to Python)."""
    t = pl.col("t")
    g = (
        pl.DataFrame({"row": rows, "t": texts})
        .filter(~t.str.contains(_ROUTE) & t.str.contains(_PRINTABLE))
        .select("row", "t", t.str.extract_groups(_LOG).alias("g"))
        .unnest("g")
    )
    g.columns = ["row", "t", "head", "level", "module", "pid", "date", "clock", "src"]
    g = g.filter(pl.col("level").is_not_null()).with_columns(
        rest=pl.col("t").str.slice(pl.col("head").str.len_bytes())
    )
    cpp = ~pl.col("src").str.ends_with(".py") & pl.col("rest").str.contains(_CPP_FUNC)
    msg = (
        pl.when(cpp)
        .then(pl.col("rest").str.replace(_CPP_FUNC, ""))
        .otherwise(pl.col("rest"))
        .str.strip_chars(" ")
    )
    info = pl.col("level").is_in(["INFO", "DEBUG"])
    g = g.with_columns(msg=msg).filter(info | ~pl.col("msg").str.contains(_STARTS))
    return g.select(
        pl.col("row").cast(pl.UInt32),
        pl.lit(None, pl.Int64).alias("prefix_rank"),
        pl.col("level").replace_strict(_SEVERITY, default=None).alias("severity"),
        pl.col("level").replace_strict(_TYPE, default=None).alias("type"),
        pl.col("msg").alias("message"),
        pl.concat_str("date", pl.lit("T"), "clock").alias("timestamp"),
        pl.concat_str(
            pl.lit('{"module": "'),
            "module",
            pl.lit('", "pid": '),
            pl.col("pid").cast(pl.Int64).cast(pl.String),
            pl.lit(', "source": "'),
            "src",
            pl.lit('"}'),
        ).alias("extra"),
        info.alias("quiet"),
    )
