"""Escaping untrusted text (run names, labels, notes) for each output format."""

from __future__ import annotations

from analyzer.sanitize import clean_text

_MARKDOWN_SPECIAL = set("\\`*_[]<>|$~")
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def one_line(text: str) -> str:
    """Terminal-safe single line: escape sequences and controls removed, line breaks to spaces."""
    cleaned = clean_text(text) or ""
    return " ".join(cleaned.splitlines()) if ("\n" in cleaned or "\r" in cleaned) else cleaned


def markdown_escape(text: str) -> str:
    """Text that renders literally in a (GitHub) Markdown table cell."""
    out = []
    for ch in one_line(text):
        if ch == "&":
            out.append("&amp;")
        elif ch in _MARKDOWN_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def latex_escape(text: str) -> str:
    """Text that typesets literally in LaTeX (text mode)."""
    return "".join(_LATEX.get(ch, ch) for ch in one_line(text))


def csv_cell(text: str | None) -> str | None:
    """A string cell a spreadsheet will not evaluate as a formula (OWASP CSV injection)."""
    if text is None:
        return None
    text = one_line(text)
    return "'" + text if text.startswith(_FORMULA_START) else text
