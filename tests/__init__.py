"""Test suite of analyzer (a package, so tests/parsers/ cannot shadow the real parsers/)."""
