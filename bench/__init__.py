"""Benchmarks of KIK Desktop; run as modules from the project root (``python -m bench.run``)."""
