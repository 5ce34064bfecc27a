"""The registry of log-family parsers, in the order they are offered each line.

Order matters only for lines two families could both claim; each parser's SAMPLES are tested
to be claimed by no other parser, so in practice the order is a speed choice (most common first).
"""

from __future__ import annotations

from parsers.base import LineParser
from parsers.failures import FailureParser
from parsers.hf_deepspeed import HfDeepSpeedParser
from parsers.megatron import MegatronParser
from parsers.mindformers import MindFormersParser
from parsers.mindspeed_core_ms import MindSpeedCoreMsParser
from parsers.mindspore import MindSporeParser

PARSER_CLASSES: tuple[type, ...] = (
    MegatronParser,
    MindSporeParser,
    MindFormersParser,
    MindSpeedCoreMsParser,
    HfDeepSpeedParser,
    FailureParser,
)


def new_parsers() -> list[LineParser]:
    """Fresh parser instances (they hold per-file multi-line state)."""
    return [cls() for cls in PARSER_CLASSES]


def parser_names() -> list[str]:
    return [cls.name for cls in PARSER_CLASSES]
