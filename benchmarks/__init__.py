"""Benchmarks: each `*_bench.py` module prints figures beside a baseline measured in the same run."""
