"""Benchmarks: each prints its figure and its ratio to the raw database doing the same work.
Run from the command line (``python -m bench``), never in the test suite."""
