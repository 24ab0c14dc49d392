"""`reload` through the real bundle: a running pair keeps its last good config while its file has
a problem (a copy, a symlink, a half-written save), and the problem is reported."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from app.bundle.rendered import read_programs
from jira_sim.seed import BOT, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import ROOT, Bundle, pair_config
from testbed.mongo import drop_databases
from testbed.waiting import wait_for

TOKEN = f"tok-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def sim():
    server = SimulatorServer(demo_seed(pairs=[("ASUP", "ADEV"), ("BSUP", "BDEV")])).start()
    requests.patch(f"{server.url}/_sim/users/{BOT.account_id}", json={"apiToken": TOKEN}, timeout=5).raise_for_status()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, mongo_uri, sim):
    prefix = f"t{uuid.uuid4().hex[:10]}"
    running = Bundle(tmp_path_factory.mktemp("reload"), mongo_uri, f"{prefix}_control", env={"JIRA_TOKEN": TOKEN})
    for name, user, dev in (("sync-a", "ASUP", "ADEV"), ("sync-b", "BSUP", "BDEV")):
        running.write_config(name, pair_config(name, sim.url, user, dev, "JIRA_TOKEN"))
    running.start()
    running.wait_healthy(timeout=60)
    yield running
    running.stop()
    drop_databases(mongo_uri, prefix)


def section(bundle: Bundle, name: str):
    return read_programs((bundle.runtime_dir / "supervisord.conf").read_text())[name]


def reload_keeps_sync_a(bundle: Bundle, problem_files: set[str]) -> None:
    """`reload` with sync-a's file in trouble: sync-a runs on untouched, the problem is reported."""
    pid, rendered = bundle.pid("sync-a"), section(bundle, "sync-a")

    result = bundle.cli("reload")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept on their last good config: sync-a" in result.stdout
    assert "config error (sync-a keeps running on its last good config): " in result.stdout
    after = bundle.program("sync-a")
    assert (after.statename, after.pid) == ("RUNNING", pid)
    assert section(bundle, "sync-a") == rendered
    # /health scans the directory again within its cache time (5 s).
    wait_for(lambda: (response := bundle.health()).status_code == 200
             and {os.path.basename(item["file"]) for item in response.json()["invalidConfigs"]} == problem_files,
             20, what=f"/health 200 listing {sorted(problem_files)} under invalidConfigs")
    validate = bundle.cli("validate")
    assert validate.returncode == 1
    assert {line.split()[1].rsplit("/", 1)[-1].rstrip(":") for line in validate.stdout.splitlines()
            if line.startswith("ERROR")} == problem_files


def reload_after_repair(bundle: Bundle) -> None:
    pid = bundle.pid("sync-a")

    result = bundle.cli("reload")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "restarted: -; kept on their last good config: -" in result.stdout
    assert bundle.pid("sync-a") == pid, "the same file as before: nothing to restart"
    wait_for(lambda: (response := bundle.health()).status_code == 200 and not response.json()["invalidConfigs"]
             and len(response.json()["workers"]) == 2, 20, what="both pairs healthy, no invalid config")


class TestAGoodPairKeepsRunning:
    def test_when_a_copy_of_its_file_appears(self, bundle):
        copy = bundle.config_dir / "sync-a-copy.json"
        copy.write_bytes((bundle.config_dir / "sync-a.json").read_bytes())
        try:
            reload_keeps_sync_a(bundle, {"sync-a.json", "sync-a-copy.json"})
        finally:
            copy.unlink()
        reload_after_repair(bundle)

    def test_when_a_symlink_to_its_file_appears(self, bundle):
        link = bundle.config_dir / "sync-link.json"
        link.symlink_to(bundle.config_dir / "sync-a.json")
        try:
            reload_keeps_sync_a(bundle, {"sync-a.json", "sync-link.json"})
        finally:
            link.unlink()
        reload_after_repair(bundle)

    def test_when_its_file_is_saved_half_written(self, bundle):
        path = bundle.config_dir / "sync-a.json"
        good = path.read_bytes()
        path.write_bytes(good[: len(good) // 2])
        try:
            reload_keeps_sync_a(bundle, {"sync-a.json"})
        finally:
            path.write_bytes(good)
        reload_after_repair(bundle)


class TestOnePairPerProject:
    """Issue 17, finding 1, in the order the probe found it: a second pair on sync-a's projects,
    refused; then a same-name copy of sync-a's file, which refuses sync-a's files for their name.
    The second pair must stay refused whatever else is wrong with the files that claim its projects."""

    def test_a_second_pair_stays_out_through_a_copy_of_the_first_and_nothing_restarts_after(self, bundle, sim):
        shared = bundle.write_config("sync-shared", pair_config("sync-shared", sim.url, "ASUP", "ADEV", "JIRA_TOKEN"))
        copy = bundle.config_dir / "sync-a-copy.json"
        pid = bundle.pid("sync-a")
        try:
            first = bundle.cli("reload")
            assert first.returncode == 0, first.stdout + first.stderr
            assert "added: -;" in first.stdout and "sync-shared" not in bundle.states()

            copy.write_bytes((bundle.config_dir / "sync-a.json").read_bytes())
            second = bundle.cli("reload")

            assert second.returncode == 0, second.stdout + second.stderr
            assert "added: -;" in second.stdout, second.stdout
            assert "kept on their last good config: sync-a" in second.stdout
            assert "sync-shared" not in bundle.states()
            assert bundle.pid("sync-a") == pid
            validate = bundle.cli("validate", "--offline")
            assert validate.returncode == 1
            refused = {line.split()[1].rsplit("/", 1)[-1].rstrip(":") for line in validate.stdout.splitlines()
                       if line.startswith("ERROR")}
            assert refused == {"sync-a.json", "sync-a-copy.json", "sync-shared.json"}, validate.stdout
            assert not [line for line in validate.stdout.splitlines() if line.startswith("OK") and "sync-shared" in line]
        finally:
            copy.unlink(missing_ok=True)
            shared.unlink()
        reload_after_repair(bundle)
        assert "sync-shared" not in bundle.states()


def test_a_reload_run_by_another_spelling_of_the_interpreter_restarts_nothing(bundle):
    """Issue 17: after the clash was resolved, `reload` restarted sync-good though its file had not
    changed: its section came back with the interpreter path of the `reload` command (`python3`
    here, `python` for `run`), which changes every freshly rendered section."""
    pids = {name: bundle.pid(name) for name in ("sync-a", "sync-b", "health", "leases")}
    interpreter = Path(sys.executable)
    other = interpreter.with_name("python" if interpreter.name != "python" else "python3")  # a venv has both
    assert other.exists() and other.resolve() == interpreter.resolve()

    result = subprocess.run([str(other), str(ROOT / "entrypoint.py"), "reload"], cwd=ROOT, env=bundle.env,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "added: -; removed: -; restarted: -;" in result.stdout, result.stdout
    assert {name: bundle.pid(name) for name in pids} == pids
