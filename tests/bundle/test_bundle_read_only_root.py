"""The bundle on a read-only root file system, as deploy/kubernetes runs it: the whole machine
is remounted read-only for `python entrypoint.py run` and everything under it, except
RUNTIME_DIR and the temporary directory (the pod's two emptyDirs). Real supervisord, health
(gunicorn), watchdog and a worker syncing against the simulator must all run and be healthy."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest
import requests

from jira_sim.seed import BOT, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

TOKEN = f"tok-{uuid.uuid4().hex}"
UNSHARE = shutil.which("unshare")

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or UNSHARE is None,
                                reason="needs root and util-linux unshare for a private mount namespace")


def read_only_root(*writable) -> list[str]:
    """A launcher: a private mount namespace where only `writable` (bound onto themselves, so
    they are mounts of their own) stay writable when / is remounted read-only."""
    binds = " && ".join(f"mount --bind {path} {path}" for path in writable)
    return [UNSHARE, "--mount", "--propagation", "private", "--", "sh", "-c",
            f'{binds} && mount -o remount,bind,ro / && exec "$@"', "read-only-root"]


@pytest.fixture
def sim():
    server = SimulatorServer(demo_seed(pairs=[("ASUP", "ADEV")])).start()
    requests.patch(f"{server.url}/_sim/users/{BOT.account_id}", json={"apiToken": TOKEN}, timeout=5).raise_for_status()
    yield server
    server.stop()


def test_the_confinement_leaves_only_the_named_directories_writable(tmp_path):
    (tmp_path / "runtime").mkdir()
    launcher = read_only_root(tmp_path / "runtime")

    outside = subprocess.run([*launcher, "touch", str(tmp_path / "elsewhere")], capture_output=True, text=True)
    inside = subprocess.run([*launcher, "touch", str(tmp_path / "runtime" / "file")], capture_output=True, text=True)

    assert outside.returncode != 0 and "Read-only file system" in outside.stderr
    assert inside.returncode == 0, inside.stderr
    assert (tmp_path / "runtime" / "file").exists() and not (tmp_path / "elsewhere").exists()


def test_the_bundle_needs_only_its_runtime_dir_and_tmp_to_write(tmp_path, mongo_uri, db_prefix, sim):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control",
                    env={"JIRA_A_TOKEN": TOKEN, "TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1"})
    runtime = bundle.runtime_dir
    bundle.launcher = tuple(read_only_root(runtime, tmp))
    bundle.write_config("sync-a", pair_config("sync-a", sim.url, "ASUP", "ADEV", "JIRA_A_TOKEN"))
    bundle.start()
    try:
        body = bundle.wait_healthy(timeout=60)
        assert [(worker["name"], worker["status"]) for worker in body["workers"]] == [("sync-a", "running")]
        wait_for(lambda: (worker := bundle.health().json()["workers"][0])["lastPass"] and worker["lastPass"]["ok"],
                 30, what="sync-a's first pass")
        # A worker is healthy on its first beat now, before a program's startsecs may have passed.
        wait_for(lambda: {bundle.states()[name] for name in ("sync-a", "health", "watchdog")} == {"RUNNING"}, 30,
                 what="every program RUNNING")
    finally:
        bundle.stop()
    assert (runtime / "supervisord.conf").is_file()
    assert "Read-only file system" not in bundle.logs()
