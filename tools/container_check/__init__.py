"""`scripts/container-check`: the container, run as an operator runs it, under a real engine.

Standard library only (the host's python3 runs it, not the project's venv). Modules:
engine (apt, dockerd, the stand-in images), workspace (the temporary copy of the repository
and the operator's edits to it), jira (the simulated Jira site's REST API), probes (reading the
running container), steps (each check, PASS or FAIL) and __main__ (order, summary, clean-up).
"""
