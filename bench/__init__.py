"""Benchmark scripts: `.venv/bin/python -m bench.<name>`; each prints its figures (see bench/README.md)."""
