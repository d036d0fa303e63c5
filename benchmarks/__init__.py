"""Benchmarks: matching quality against baselines, latency and memory, end-to-end throughput.

Run them all with `make bench` (or `python -m benchmarks`); `--json` prints machine-readable
results. They measure; the pass/fail floors for quality live in the test suite.
"""
