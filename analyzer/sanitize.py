"""Making untrusted log text safe for a terminal.

Log lines may carry escape sequences (cursor movement, OSC window titles, hyperlinks, bells);
passing them through would let a log rewrite the user's screen. Everything outside printable
text is removed or shown as a visible placeholder; SGR colour codes can be kept separately by
the TUI, which renders them itself.
"""

from __future__ import annotations

import re

# CSI ... final byte, OSC ... BEL/ST, other two-byte ESC sequences, and C0/C1 controls but TAB.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS/SOS/PM/APC
    r"|\x1b[@-Z\\-_]?"  # other ESC
    r"|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]"
)


def clean_text(text: str | None) -> str | None:
    """``text`` with every escape sequence and control character removed (None stays None)."""
    if text is None:
        return None
    if text.isprintable():
        return text
    return _ESCAPES.sub("", text).replace("\t", "    ")
