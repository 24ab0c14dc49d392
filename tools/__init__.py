"""Build steps run from the repository root, never at run time: `python -m tools.<name> [--check]`.

reference: the configuration reference in README.md; schema: config/sync-rules.schema.json.
Both are generated from the models, and the test suite fails when either is stale.
container_check: scripts/container-check, the container under a real engine (not a build step,
not part of the test suite; CONTRIBUTING.md).
"""
