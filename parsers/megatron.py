"""Parser for the Megatron family: Megatron-LM/-Core, Pai-Megatron-Patch, MindSpeed-LLM,
AscendSpeed/ModelLink and Megatron-DeepSpeed.

Line shapes and field tables live in :mod:`parsers.megatron_fields` (iteration and memory
lines) and :mod:`parsers.megatron_setup` (arguments dump, parallel sizes, timers, events);
this class only routes lines and keeps the state a few multi-line shapes need.
"""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record
from parsers.megatron_fields import (
    ITERATION_MARK,
    iteration_head,
    iteration_records,
    memory_report_records,
    timestamp_in,
)
from parsers.megatron_samples import MEGATRON_SAMPLES
from parsers.megatron_setup import (
    ARGS_END,
    MICRO_BATCHES,
    argument_line,
    checkpoint_line,
    event,
    initialized_line,
    is_args_banner,
    is_minmax_header,
    micro_batches_line,
    minmax_line,
    timer_line,
    validation_line,
    world_size_line,
)


class MegatronParser(BaseParser):
    """Lines of the Megatron family (see the module docstring)."""

    name: ClassVar[str] = "megatron"
    #: A line holding none of these literals is not looked at further (outside the arguments dump).
    TRIGGERS: ClassVar[tuple[str, ...]] = (
        ITERATION_MARK,
        "memory (MB)",
        "time (ms)",
        "time across ranks (ms):",
        "arguments",
        "using world size:",
        "> initialized ",
        MICRO_BATCHES,
        "validation loss at ",
        "checkpoint",
        "] datetime:",
    )
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = MEGATRON_SAMPLES
    #: Block openers whose following lines are claimed without a trigger (see parsers.prefilter):
    #: the arguments dump, the (min, max) timer block, the second line of a wrapped record.
    CONTEXT: ClassVar[tuple[tuple[str, int], ...]] = (
        (" arguments ---", 2000),
        ("time across ranks (ms):", 200),
        (ITERATION_MARK, 1),
    )

    def __init__(self) -> None:
        self._in_args = False
        self._timer_header: str | None = None
        self._wrapped: tuple[str, int] | None = None
        self._last_step: int | None = None

    @property
    def pending(self) -> bool:
        return self._wrapped is not None or self._timer_header is not None

    @property
    def last_step(self) -> int | None:
        """The step of the last iteration line (timer records carry it)."""
        return self._last_step

    @property
    def in_arguments(self) -> bool:
        """Inside the arguments dump: lines holding no trigger may be claimed."""
        return self._in_args

    def note_iteration(self, step: int) -> None:
        """An iteration line parsed elsewhere (the bulk path): the state ``_iteration`` keeps."""
        self._last_step = step
        self._in_args = False

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        if self._wrapped is not None:
            return self._continue_wrapped(text)
        if self._timer_header is not None:
            got = minmax_line(text, lineno, self._last_step, self._timer_header)
            if got is None:
                self._timer_header = None
            return got
        if self._in_args:
            got = self._argument(text, lineno)
            if got is not None:
                return got
        if not any(t in text for t in self.TRIGGERS):
            return None
        return self._dispatch(text, lineno)

    def flush(self) -> list[Record]:
        self._timer_header = None
        if self._wrapped is None:
            return []
        text, lineno = self._wrapped
        self._wrapped = None
        return self._iteration(text, lineno) or []

    def _argument(self, text: str, lineno: int) -> list[Record] | None:
        if ARGS_END in text and is_args_banner(text.strip()):
            self._in_args = False
            return []
        return argument_line(text, lineno) if text.startswith(" ") else None

    def _dispatch(self, text: str, lineno: int) -> list[Record] | None:
        if ITERATION_MARK in text and iteration_head(text) is not None:
            if not text.rstrip().endswith("|"):
                self._wrapped = (text, lineno)  # wrapped record: wait for its second line
                return []
            return self._iteration(text, lineno)
        if "memory (MB)" in text:
            return memory_report_records(text, lineno)
        stripped = text.strip()
        if is_minmax_header(stripped):
            self._timer_header = stripped
            return []
        got = timer_line(text, lineno, self._last_step)
        if got is not None:
            return got
        return self._other(text, stripped, lineno)

    def _other(self, text: str, stripped: str, lineno: int) -> list[Record] | None:
        if is_args_banner(stripped):
            self._in_args = ARGS_END not in stripped
            return []
        handlers = (
            validation_line,
            checkpoint_line,
            world_size_line,
            initialized_line,
            micro_batches_line,
        )
        for handler in handlers:
            got = handler(text, lineno)
            if got is not None:
                return got
        if stripped.startswith("[") and "] datetime:" in stripped:
            if stripped.startswith("[after training is done]"):
                stamp = timestamp_in(stripped)
                return [event("training_done", stripped, lineno, timestamp=stamp)]
            return []
        return None

    def _iteration(self, text: str, lineno: int) -> list[Record] | None:
        records = iteration_records(text, lineno)
        if records:
            self._last_step = records[0]["step"]
            self._in_args = False
        return records

    def _continue_wrapped(self, text: str) -> list[Record] | None:
        """Second physical line of a wrapped iteration record, or None (the driver flushes)."""
        first, lineno = self._wrapped or ("", 0)
        stripped = text.strip()
        if (
            not stripped.endswith("|")
            or ":" not in stripped
            or stripped.startswith("[")
            or iteration_head(stripped) is not None
        ):
            return None
        self._wrapped = None
        tail = first.rstrip().rpartition("|")[2]
        joiner = "" if ":" in tail else " "  # cut inside a value: glue; inside a key: a space
        return self._iteration(first.rstrip() + joiner + stripped, lineno)
