"""The distribution works outside the repository: a wheel built from a copy of the repository,
installed (not editable) into a fresh virtual environment, runs `jira-sync` from a directory
that is not the repository and finds every resource it ships.

The fresh environment borrows its *dependencies* from the test environment (a path line in a
.pth file, which adds the directory without running the .pth files in it, so the test
environment's editable install of this project stays out): tests do not download packages.
Whatever `app` the fresh environment imports is the installed wheel's, and the test checks it.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from app.demo.settings import DEMO_BOT_EMAIL, DEMO_TOKEN
from testbed.ports import free_port
from testbed.waiting import terminate, wait_for

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "runtime",
                                     ".pytest_cache", ".hypothesis", "test-artifacts")
# Run inside the fresh environment: where its resources come from, and the demo's files written.
PROBE = """
import json, sys
from importlib.resources import files
from pathlib import Path

import app
from app.cli.bundle import render_bundle
from app.config import load_configs
from app.demo.files import EXAMPLE_CONFIG
from app.demo.launch import prepare
from datetime import datetime, timezone
from app.health.assess import HealthSnapshot, assess
from app.health.dashboard import render_dashboard
from app.settings import Settings

launch = prepare(Settings(runtime_dir=Path(sys.argv[1]), mongo_uri=None), int(sys.argv[2]), environ={})
result = load_configs(launch.settings.config_dir, environ={"JIRA_DEMO_TOKEN": "t"})
programs, conf = render_bundle(launch.settings, result, None, launch.extra_programs)
simulator = next(program for program in programs if program.name == "jira-sim")
launched = simulator.command[simulator.command.index("--") + 1:]  # what app.bundle.launch execs
print(json.dumps({
    "app": app.__file__,
    "example": str(EXAMPLE_CONFIG),
    "pairs": [pair.name for pair in result.pairs], "errors": [str(error) for error in result.errors],
    "sections": [line for line in conf.splitlines() if line.startswith("[program:")],
    "simulator": list(simulator.command),
    "simulator_seeds": sorted(entry.name for entry in (files(launched[2]) / "seeds").iterdir()),
    "dashboard": "<html" in render_dashboard(assess(HealthSnapshot(now=datetime.now(timezone.utc), pairs=[]), 30.0)),
    "dashboard_static": sorted(entry.name for entry in (files("app.health") / "static").iterdir()),
}))
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """The fresh virtual environment with the wheel installed; returns its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "source", symlinks=True, ignore=NOT_SOURCES)  # a build writes into its source
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(work / "source")])
    [wheel] = (work / "dist").glob("jira_sync-*.whl")
    run([sys.executable, "-m", "venv", "--without-pip", str(work / "venv")])
    python = work / "venv" / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)])
    fresh_site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    (fresh_site / "test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python.parent


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    return done


def outside(tmp_path: Path, **variables: str) -> dict[str, str]:
    """An environment that points nowhere near the repository."""
    clean = {key: value for key, value in os.environ.items()
             if key not in ("PYTHONPATH", "CONFIG_DIR", "RUNTIME_DIR", "MONGO_URI", "VIRTUAL_ENV")}
    return {**clean, "RUNTIME_DIR": str(tmp_path / "runtime"), **variables}


def test_the_installed_package_is_the_wheel_and_finds_its_resources(venv, tmp_path):
    jira_port = free_port()

    done = run([str(venv / "python"), "-c", PROBE, str(tmp_path / "runtime"), str(jira_port)], cwd=tmp_path,
               env=outside(tmp_path))

    facts = json.loads(done.stdout)
    prefix = str(venv.parent)
    assert facts["app"].startswith(prefix) and facts["example"].startswith(prefix), facts
    assert not facts["app"].startswith(str(ROOT))
    assert facts["pairs"] == ["sync-ab", "sync-cd"] and facts["errors"] == []
    assert {"[program:sync-ab]", "[program:jira-sim]", "[program:demo-actor]", "[program:health]"} <= set(facts["sections"])
    assert "demo.json" in facts["simulator_seeds"]
    assert facts["dashboard"]
    assert facts["dashboard_static"] == ["dashboard.css", "dashboard.js"], "the page's script and style ship"
    # The demo's simulator, started as supervisord would start it, serves the seed written above.
    simulator = subprocess.Popen([str(venv / "python"), *facts["simulator"][1:]], cwd=tmp_path, env=outside(tmp_path),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def answers():
            try:
                return requests.get(f"http://127.0.0.1:{jira_port}/rest/api/3/myself",
                                    auth=(DEMO_BOT_EMAIL, DEMO_TOKEN), timeout=2).status_code == 200
            except requests.ConnectionError:
                assert simulator.poll() is None, "the simulator exited"
                return False

        wait_for(answers, timeout=30, what="the installed simulator to answer /myself")
    finally:
        terminate(simulator)


def test_jira_sync_validate_and_render_from_outside_the_repository(venv, tmp_path):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    shipped = run([str(venv / "python"), "-c", "from app.demo.files import EXAMPLE_CONFIG; print(EXAMPLE_CONFIG.read_text())"],
                  cwd=tmp_path, env=outside(tmp_path)).stdout
    (config_dir / "sync-ab.json").write_text(shipped)  # as README says: copy the example, one file per pair
    (config_dir / "sync-bad.json").write_text("[]")
    env = outside(tmp_path, CONFIG_DIR=str(config_dir), JIRA_AB_TOKEN="tok-wheel")

    validate = run([str(venv / "jira-sync"), "validate"], cwd=tmp_path, env=env, check=False)
    render = run([str(venv / "jira-sync"), "render"], cwd=tmp_path, env=env)

    assert validate.returncode == 1
    assert validate.stdout.splitlines() == [
        f"OK sync-ab ({config_dir / 'sync-ab.json'}): ABSUP <-> ABDEV, 6 rules",
        f"ERROR {config_dir / 'sync-bad.json'}: the top level must be a JSON object, not an array",
    ]
    assert "[program:sync-ab]" in render.stdout and "[program:mongodb]" in render.stdout
    assert f"{venv / 'python'} -m app.sync.standby --config {config_dir / 'sync-ab.json'}" in render.stdout
    assert "sync-bad.json" in render.stderr
    assert "tok-wheel" not in validate.stdout + render.stdout + render.stderr
