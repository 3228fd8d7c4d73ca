"""Benchmarks of the call hot path: `make bench` (see run.py), `make bench-inprocess`."""
