"""What the tests and the benchmarks both drive: real bundles (`entrypoint.py run` under
supervisord), the embedded MongoDB, one pair's engine against the simulator, and waiting for
a condition instead of sleeping. Beside the product, not in its wheel; `tests/support` keeps
what only the tests use."""
