"""Synthetic sample logs reproducing published results; ``python -m sample_logs.generate`` writes them."""
