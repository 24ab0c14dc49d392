"""What the bundle's per-pair processes import, read from `sys.modules` in a fresh interpreter:
not a timing, so a regression shows on any machine (bench.bundle_startup measures the time and
the memory it costs; bench/README.md has the figures per import).

A launcher starts for every program at once with the bundle, one per pair; an active worker
stays in memory as long as its pair syncs. Neither may import what it does not use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from app.leases.ticket import HOLD, Ticket, write_ticket
from testbed.bundle import ROOT

# The settings model and the config models: pydantic and pydantic-settings, ~0.35 CPU-s and
# ~15 MB each time; the launcher reads CONFIG_DIR and scans the pair files with the standard library.
# Nor the standard library's dearer modules that a launcher or a standby has no use for: dataclasses
# (with inspect, ast, dis, tokenize), typing (annotations are mypy's alone), argparse (gettext,
# locale, shutil) for the command line app.bundle.render writes, logging (app.redaction) but to
# refuse, socket but without a bundle id.
LEAN_STDLIB_DENIED = frozenset({
    "dataclasses", "inspect", "ast", "dis", "tokenize", "typing", "argparse", "gettext", "locale", "shutil",
    "socket",
})
LAUNCHER_DENIED = LEAN_STDLIB_DENIED | {
    "pydantic", "pydantic_core", "pydantic_settings", "pymongo", "requests", "jinja2", "pythonjsonlogger",
    "app.settings", "app.config.models", "app.config.loader", "app.config.errors", "logging", "app.redaction",
    "app.logs",
}
# A standby waits on its ticket with the standard library alone: no Jira client, no MongoDB, no
# settings model; nor the logging the active worker sets up, nor ctypes (the launcher's prctl);
# nor pathlib (with urllib.parse and ipaddress), where os.path does (the launcher's secret scan
# walks the config directory with app.config.source, whose paths are pathlib's).
STANDBY_DENIED = LAUNCHER_DENIED | {
    "app.config", "ctypes", "app.sync.worker", "app.sync.engine", "pathlib", "urllib", "ipaddress",
}
# What a pass never uses: the health service's web stack, the bundle's rendering and supervisord
# client, the command line, the trace pages, a process inspector.
WORKER_DENIED = frozenset({
    "flask", "werkzeug", "jinja2", "markupsafe", "gunicorn", "prometheus_client", "supervisor", "psutil",
    "xmlrpc", "app.health", "app.cli", "app.bundle", "app.trace", "app.demo", "app.supervisord",
})


def imported(probe: str, env: dict[str, str] | None = None, site: bool = True) -> set[str]:
    """The names in sys.modules once `probe` has run in a fresh interpreter (it prints them);
    without `site`, only the probe's own (a development install's finder imports pathlib), and
    only the standard library and app (from ROOT) to be had."""
    options = () if site else ("-S",)
    result = subprocess.run([sys.executable, *options, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
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
                       "main(['--', 'true'])", site=False)

    assert "app.config.secrets" in modules, "the probe ran the launcher's secret scan"
    assert denied(modules, LAUNCHER_DENIED) == []


def test_a_standby_becomes_the_worker_on_the_standard_librarys_lean_modules(tmp_path):
    # A ticket that hands it the lease at once; its exec replaced by a print, as the launcher's.
    write_ticket(tmp_path, Ticket("sync-ab", "this-bundle", 3, HOLD))
    config = tmp_path / "sync-ab.json"
    config.write_text(json.dumps({"name": "sync-ab"}), encoding="utf-8")
    env = {**os.environ, "RUNTIME_DIR": str(tmp_path), "BUNDLE_ID": "this-bundle"}
    modules = imported("import os, sys\n"
                       "os.execv = lambda _, argv: (print(' '.join(sys.modules)), sys.exit(argv[-1] != '3'))\n"
                       "from app.sync.standby import main\n"
                       f"main(['--config', {str(config)!r}])", env, site=False)

    assert {"app.leases.ticket", "app.sync.start_backoff", "app.runtime_settings"} <= modules, "the probe ran it"
    assert denied(modules, STANDBY_DENIED) == []


def test_an_active_worker_imports_nothing_a_pass_does_not_use():
    modules = imported("import sys, app.sync.worker; print(' '.join(sys.modules))")

    assert {"pymongo", "requests", "pydantic", "app.sync.engine"} <= modules, "the probe imported the worker"
    assert denied(modules, WORKER_DENIED) == []
