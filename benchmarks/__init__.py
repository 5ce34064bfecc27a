"""Benchmarks: `make bench` runs every `bench_*.py` module (each prints figures and a same-run baseline ratio)."""
