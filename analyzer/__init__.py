"""analyzer: launch, tail, parse, compare and health-check distributed LLM training runs."""

__version__ = "0.1.0"
