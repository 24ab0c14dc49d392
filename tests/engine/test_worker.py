"""`python -m app.sync.worker --config FILE` as supervisord runs it: start-up checks, beats, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from app.health.assess import HealthSnapshot, assess
from app.heartbeats import HeartbeatStore, WorkerState
from app.instants import utc_now
from app.supervisord import ProcessInfo
from app.sync.start_backoff import backoff_seconds, read_failures
from jira_sim.seed import BOT
from testbed.bundle import ROOT, pair_config
from testbed.waiting import wait_for

BUNDLE = "worker-test"


@pytest.fixture
def control(mongo_client, db_prefix):
    return HeartbeatStore(mongo_client[f"{db_prefix}_control"], bundle=BUNDLE)


def start_worker(tmp_path, mongo_uri, db_prefix, config: dict, token: str = BOT.api_token,
                 command: list[str] | None = None, runtime_dir=None) -> subprocess.Popen:
    path = tmp_path / "sync-ab.json"
    path.write_text(json.dumps(config))
    env = {
        **os.environ,
        "MONGO_URI": mongo_uri,
        "MONGO_CONTROL_DB": f"{db_prefix}_control",
        "WORKER_DATABASE_NAME": f"{db_prefix}-ab",
        "HEARTBEAT_INTERVAL": "0.5",
        "JIRA_AB_TOKEN": token,
        "BUNDLE_ID": BUNDLE,
        **({"RUNTIME_DIR": str(runtime_dir)} if runtime_dir else {}),
    }
    return subprocess.Popen(
        [*(command or [sys.executable, "-m", "app.sync.worker"]), "--config", str(path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_beats_syncs_and_stops_cleanly_on_sigterm(jira_sim, tmp_path, mongo_uri, db_prefix, control):
    worker = start_worker(tmp_path, mongo_uri, db_prefix, pair_config("sync-ab", jira_sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN"))
    try:
        last_pass = wait_for(lambda: (beat := control.get("sync-ab")) and beat.last_pass, 20, what="a finished pass")
        assert last_pass.ok is True
        assert control.get("sync-ab").pid == worker.pid
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
    finally:
        if worker.poll() is None:
            worker.kill()
    assert control.get("sync-ab").state is WorkerState.STOPPED
    output = worker.stdout.read()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines and all(line["pair"] == "sync-ab" for line in lines)
    assert any(line["message"] == "worker stopped" for line in lines)


def test_refused_credentials_exit_1_with_the_reason_in_the_heartbeat(jira_sim, tmp_path, mongo_uri, db_prefix, control):
    config = pair_config("sync-ab", jira_sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN")
    worker = start_worker(tmp_path, mongo_uri, db_prefix, config, token="wrong-token")
    assert worker.wait(timeout=20) == 1
    beat = control.get("sync-ab")
    assert beat.state is WorkerState.FAILED
    assert "401" in beat.last_error
    assert "wrong-token" not in worker.stdout.read() + json.dumps(beat.to_document())


def test_failed_starts_are_counted_and_the_next_start_waits_a_doubling_time(jira_sim, tmp_path, mongo_uri, db_prefix,
                                                                            control):
    config = pair_config("sync-ab", jira_sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN")
    runtime = tmp_path / "runtime"
    for failed_in_a_row in (1, 2):
        worker = start_worker(tmp_path, mongo_uri, db_prefix, config, token="wrong-token", runtime_dir=runtime)
        assert worker.wait(timeout=20) == 1
        failures = read_failures(runtime, "sync-ab")
        assert failures is not None and failures.count == failed_in_a_row
    assert backoff_seconds(2) == 2 * backoff_seconds(1) > 0
    # supervisord starts the standby again at once (startsecs is 1 s): the standby is the brake.
    standby = start_worker(tmp_path, mongo_uri, db_prefix, config, runtime_dir=runtime,
                           command=[sys.executable, "-m", "app.sync.standby"])
    try:
        line = standby.stdout.readline()
        assert "the last start failed; waiting" in line and "before starting again" in line
        waited = float(line.split("waiting ")[1].split(" s")[0])
        assert 0 < waited <= backoff_seconds(2)
        standby.send_signal(signal.SIGTERM)  # a stop during the wait ends it at once
        assert standby.wait(timeout=10) == 0
    finally:
        if standby.poll() is None:
            standby.kill()


def test_missing_project_exits_1(jira_sim, tmp_path, mongo_uri, db_prefix, control):
    config = pair_config("sync-ab", jira_sim.url, "ABSUP", "NOPE", "JIRA_AB_TOKEN")
    worker = start_worker(tmp_path, mongo_uri, db_prefix, config)
    assert worker.wait(timeout=20) == 1
    assert "NOPE" in control.get("sync-ab").last_error


def test_a_config_that_no_longer_loads_exits_2_naming_file_and_field(tmp_path, mongo_uri, db_prefix):
    config = pair_config("sync-ab", "http://127.0.0.1:9", "ABSUP", "ABDEV", "JIRA_AB_TOKEN", syncIntervalSeconds=-1)
    worker = start_worker(tmp_path, mongo_uri, db_prefix, config)
    assert worker.wait(timeout=20) == 2
    output = worker.stdout.read()
    assert "sync-ab.json" in output and "syncIntervalSeconds" in output


CRASHING_WORKER = """
import sys
from app.sync import loop


def crash(self):
    raise OverflowError("timeout value is too large")


loop.SyncLoop.run = crash  # the one fault: a bug the worker does not expect, after its start-up
from app.sync.worker import main

sys.exit(main(sys.argv[1:]))
"""


def test_a_crash_is_one_json_line_and_the_heartbeat_says_why(jira_sim, tmp_path, mongo_uri, db_prefix, control):
    config = pair_config("sync-ab", jira_sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN")
    worker = start_worker(tmp_path, mongo_uri, db_prefix, config, command=[sys.executable, "-c", CRASHING_WORKER])

    assert worker.wait(timeout=20) not in (0, None)
    output = worker.stdout.read()
    records = [json.loads(line) for line in output.splitlines()]  # every line is one JSON object
    [crash] = [record for record in records if record["level"] == "CRITICAL"]
    assert "OverflowError: timeout value is too large" in crash["exc_info"] and crash["pair"] == "sync-ab"
    beat = control.get("sync-ab")
    assert beat.state is WorkerState.FAILED
    assert "OverflowError: timeout value is too large" in beat.last_error
    fatal = ProcessInfo.from_rpc({"name": "sync-ab", "group": "sync-ab", "statename": "FATAL",
                                  "spawnerr": "Exited too quickly (process log may have details)"})
    body = assess(HealthSnapshot(now=utc_now(), pairs=["sync-ab"], processes={"sync-ab": fatal},
                                 heartbeats={"sync-ab": beat}), stale_after=30).body
    [shown] = body["workers"]
    assert "OverflowError: timeout value is too large" in shown["lastError"]
    assert any("OverflowError" in reason for reason in shown["reasons"])


def test_a_literal_token_is_logged_as_one_warning_and_never_shown(jira_sim, tmp_path, mongo_uri, db_prefix, control):
    config = pair_config("sync-ab", jira_sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN")
    config["jira"]["apiToken"] = BOT.api_token
    worker = start_worker(tmp_path, mongo_uri, db_prefix, config)
    try:
        wait_for(lambda: (beat := control.get("sync-ab")) and beat.last_pass, 20, what="a finished pass")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    output = worker.stdout.read()
    warnings = [line for line in map(json.loads, output.splitlines())
                if line["level"] == "WARNING" and "literal token" in line["message"]]
    assert len(warnings) == 1, output
    assert "jira.apiToken" in warnings[0]["message"] and "${JIRA_AB_TOKEN}" in warnings[0]["message"]
    assert BOT.api_token not in output


def test_rules_naming_statuses_the_projects_lack_are_warned_about_in_log_and_heartbeat(
        jira_sim, tmp_path, mongo_uri, db_prefix, control):
    config = pair_config("sync-ab", jira_sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN")
    config["rules"][0]["sourceStatus"] = "Wil Do"  # ABSUP has "Will Do"
    config["rules"][2]["actions"]["targetStatus"] = "Doing"  # moves the ABSUP issue; ABSUP has "In Progress"
    worker = start_worker(tmp_path, mongo_uri, db_prefix, config)
    try:
        beat = wait_for(lambda: (b := control.get("sync-ab")) and b.last_pass and b, 20, what="a finished pass")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert beat.last_pass.ok is True, "the warnings do not stop the pair"
    assert beat.warnings == (
        "rules[0].sourceStatus: 'Wil Do' is not a status of project ABSUP, so rule 'user-will-do' never fires",
        "rules[2].actions.targetStatus: 'Doing' is not a status of project ABSUP, so rule 'dev-in-progress' "
        "cannot move the partner there",
    )
    logged = [line["message"] for line in map(json.loads, worker.stdout.read().splitlines()) if line["level"] == "WARNING"]
    assert logged == [f"config warning: {warning}" for warning in beat.warnings]
