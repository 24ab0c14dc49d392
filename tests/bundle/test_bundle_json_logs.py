"""LOG_FORMAT=json through a real bundle: every line it writes is one JSON object with time,
level, program and message — supervisord's process state changes, gunicorn's start-up, `run`'s
own lines, a worker killed with -9 and restarted, the stop — and the state changes are there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from jira_sim.seed import BOT
from testbed.bundle import ROOT, Bundle, pair_config
from testbed.waiting import wait_for

REQUIRED = {"time", "level", "program", "message"}


def records(text: str) -> list[dict]:
    """Every non-empty line as the JSON object it must be (the line itself when it is not one)."""
    parsed = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = line
        parsed.append(record if isinstance(record, dict) and set(record) >= REQUIRED else {"not json": line})
    return parsed


def test_every_line_is_one_json_object_over_start_kill_restart_and_stop(tmp_path, db_prefix, sim):
    bundle = Bundle(tmp_path, None, f"{db_prefix}_control", env={"JIRA_AB_TOKEN": BOT.api_token, "LOG_FORMAT": "json"})
    bundle.write_config("sync-ab", pair_config("sync-ab", sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN"))
    bundle.start()
    try:
        bundle.wait_syncing(timeout=90)
        # Healthy on its first beat, which under load may come before startsecs made it RUNNING:
        # killed while STARTING, supervisord would log BACKOFF, not the EXITED this test reads.
        wait_for(lambda: bundle.states()["sync-ab"] == "RUNNING", 30, what="sync-ab RUNNING")
        first = bundle.pid("sync-ab")
        os.kill(first, signal.SIGKILL)
        # One answer: read apart, the state could be the killed process's and the pid its successor's.
        wait_for(lambda: (again := bundle.program("sync-ab")).statename == "RUNNING" and again.pid != first, 60,
                 what="sync-ab started again after kill -9")
        bundle.rpc().restart("sync-ab")  # supervisorctl restart sync-ab
        bundle.wait_syncing(timeout=90)
    finally:
        assert bundle.stop() == 0
    logged = records(bundle.logs())

    not_json = [record["not json"] for record in logged if "not json" in record]
    assert not_json == [], "\n".join(not_json)
    programs = {record["program"] for record in logged}
    assert {"run", "supervisord", "health", "leases", "sync-ab"} <= programs, programs
    changes = [(record["process"], record["state"]) for record in logged if record["program"] == "supervisord"
               and "state" in record]
    assert ("sync-ab", "EXITED") in changes and changes.count(("sync-ab", "RUNNING")) >= 3, changes
    assert ("health", "STOPPED") in changes, "the stop is reported too"
    assert any(record["program"] == "health" and "Listening at" in record["message"] for record in logged), \
        "gunicorn's own start-up lines, as JSON"


@pytest.mark.parametrize("module", ["app.leases.keeper", "app.sync.worker --config sync-ab.json", "app.bundle.mongodb"])
def test_a_program_whose_settings_do_not_load_says_so_in_one_json_line(tmp_path, module):
    env = {**os.environ, "LOG_FORMAT": "json", "LEASE_SECONDS": "1", "RUNTIME_DIR": str(tmp_path)}  # 5 at least

    done = subprocess.run([sys.executable, "-m", *module.split()], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)

    assert done.returncode != 0
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    logged = [json.loads(line) for line in lines]  # every line parses
    # One line names the variable and why (app.settings.program_settings), no traceback; a worker
    # adds its `start failed` line (a failed start: the next one waits).
    [record] = [record for record in logged if record["level"] in ("ERROR", "CRITICAL")]
    assert record["level"] == "ERROR" and record["message"].startswith("settings: LEASE_SECONDS: ")
    assert "exc_info" not in record and set(record) >= REQUIRED
    assert [record["message"] for record in logged if record["level"] == "INFO"] == (
        ["start failed"] if module.startswith("app.sync.worker") else [])
