"""JSON encoding of records: non-finite numbers become the strings "nan", "inf", "-inf", and
C1 control characters (U+0080-U+009F) are written as ``\\u`` escapes: JSON allows them raw,
but some terminals take U+009B for an escape sequence, and log text is untrusted."""

from __future__ import annotations

import json
import math
import re
from typing import Any

_C1 = {c: f"\\u{c:04x}" for c in range(0x80, 0xA0)}
_HAS_C1 = re.compile("[\x80-\x9f]")


def escape_c1(text: str) -> str:
    """``text`` (JSON) with every C1 control character as a ``\\u`` escape (same value)."""
    return text.translate(_C1) if _HAS_C1.search(text) else text


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def dumps(record: dict[str, Any]) -> str:
    """One record as one JSON line (no trailing newline), keys in a stable order."""
    return escape_c1(json.dumps(_clean(record), ensure_ascii=False, allow_nan=False, default=str))
