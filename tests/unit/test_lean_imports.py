"""What the bundle's per-pair processes import, read from `sys.modules` in a fresh interpreter:
not a timing, so a regression shows on any machine (bench.bundle_startup measures the time and
the memory it costs; bench/README.md has the figures per import).

A launcher starts for every program at once with the bundle, one per pair; an active worker
stays in memory as long as its pair syncs. Neither may import what it does not use."""

from __future__ import annotations

import subprocess
import sys

from testbed.bundle import ROOT

# The settings model and the config models: pydantic and pydantic-settings, ~0.35 CPU-s and
# ~15 MB each time; the launcher reads CONFIG_DIR and scans the pair files with the standard library.
LAUNCHER_DENIED = frozenset({
    "pydantic", "pydantic_core", "pydantic_settings", "pymongo", "requests", "jinja2", "pythonjsonlogger",
    "app.settings", "app.config.models", "app.config.loader", "app.config.errors",
})
# What a pass never uses: the health service's web stack, the bundle's rendering and supervisord
# client, the command line, the trace pages, a process inspector.
WORKER_DENIED = frozenset({
    "flask", "werkzeug", "jinja2", "markupsafe", "gunicorn", "prometheus_client", "supervisor", "psutil",
    "xmlrpc", "app.health", "app.cli", "app.bundle", "app.trace", "app.demo", "app.supervisord",
})


def imported(probe: str) -> set[str]:
    """The names in sys.modules once `probe` has run in a fresh interpreter (it prints them)."""
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def denied(modules: set[str], deny: frozenset[str]) -> list[str]:
    """The modules of `modules` that are, or sit under, a name of `deny`."""
    return sorted(name for name in modules
                  if any(name == banned or name.startswith(banned + ".") for banned in deny))


def test_the_launcher_execs_without_pydantic_or_the_settings():
    # Its exec replaced by a print: what it has imported at the moment it would exec.
    modules = imported("import os, sys\n"
                       "os.execvpe = lambda *_: (print(' '.join(sys.modules)), sys.exit(0))\n"
                       "from app.bundle.launch import main\n"
                       "main(['--', 'true'])")

    assert "app.config.secrets" in modules, "the probe ran the launcher's secret scan"
    assert denied(modules, LAUNCHER_DENIED) == []


def test_an_active_worker_imports_nothing_a_pass_does_not_use():
    modules = imported("import sys, app.sync.worker; print(' '.join(sys.modules))")

    assert {"pymongo", "requests", "pydantic", "app.sync.engine"} <= modules, "the probe imported the worker"
    assert denied(modules, WORKER_DENIED) == []
