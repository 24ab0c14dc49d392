"""The bundle as an operator runs it: `entrypoint.py run`, real supervisord, workers, watchdog,
/health, real MongoDB and the simulator over HTTP."""

from __future__ import annotations

import os
import signal
import time
import uuid

import psutil
import pytest
import requests

from app.heartbeats import Heartbeat, HeartbeatStore, WorkerState
from jira_sim.seed import BOT, HUMAN, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import Bundle, pair_config
from testbed.mongo import EmbeddedMongo, drop_databases
from testbed.waiting import wait_for

PAIRS = [("sync-a", "ASUP", "ADEV"), ("sync-b", "BSUP", "BDEV"), ("sync-c", "CSUP", "CDEV")]
TOKEN = f"tok-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def sim():
    server = SimulatorServer(demo_seed(pairs=[(user, dev) for _, user, dev in PAIRS])).start()
    requests.patch(f"{server.url}/_sim/users/{BOT.account_id}", json={"apiToken": TOKEN}, timeout=5).raise_for_status()
    yield server
    server.stop()


def three_pair_bundle(tmp_path, mongo_uri, control_db, sim) -> Bundle:
    bundle = Bundle(tmp_path, mongo_uri, control_db, env={f"JIRA_{n[-1].upper()}_TOKEN": TOKEN for n, _, _ in PAIRS})
    for name, user_key, dev_key in PAIRS:
        bundle.write_config(name, pair_config(name, sim.url, user_key, dev_key, f"JIRA_{name[-1].upper()}_TOKEN"))
    return bundle


@pytest.fixture(scope="class")
def bundle(tmp_path_factory, mongo_uri, sim):
    """Shared by `TestSharedBundle` only, and stopped after it: a second bundle syncing beside the
    later tests' own would halve a 2-core machine and make heartbeats late."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    running = three_pair_bundle(tmp_path_factory.mktemp("bundle"), mongo_uri, f"{prefix}_control", sim).start()
    running.wait_healthy(timeout=60)
    yield running
    running.stop()
    drop_databases(mongo_uri, prefix)


def heartbeat(bundle: Bundle, mongo_client, pair: str) -> Heartbeat | None:
    return HeartbeatStore(mongo_client[bundle.env["MONGO_CONTROL_DB"]], bundle=bundle.bundle_id).get(pair)


class TestSharedBundle:
    """One three-pair bundle, started once, for the tests that only watch it or hurt one worker."""

    def test_three_pairs_run_beat_and_answer_healthy(self, bundle, mongo_client):
        states = bundle.states()
        assert {states[name] for name, _, _ in PAIRS} == {"RUNNING"}
        assert states["health"] == "RUNNING" and states["watchdog"] == "RUNNING"
        body = bundle.wait_healthy()
        assert (body["status"], body["state"]) == ("healthy", "ok")
        assert sorted(w["name"] for w in body["workers"]) == [name for name, _, _ in PAIRS]
        assert {(w["status"], w["health"]) for w in body["workers"]} == {("running", "healthy")}
        for name, _, _ in PAIRS:
            # A worker beats "running" before its first pass ends; healthy does not wait for that.
            beat = wait_for(lambda pair=name: (b := heartbeat(bundle, mongo_client, pair)) and b.last_pass and b,
                            30, what=f"{name}'s first pass")
            assert beat.pid == bundle.pid(name)
            assert beat.last_pass.ok is True

    def test_kill_9_of_one_worker_brings_it_back_and_leaves_the_others_alone(self, bundle, mongo_client):
        victim, others = "sync-a", ["sync-b", "sync-c"]
        pids_before = {name: bundle.pid(name) for name in others}
        old_pid = bundle.pid(victim)
        os.kill(old_pid, signal.SIGKILL)

        def beats_again():
            beat = heartbeat(bundle, mongo_client, victim)
            return beat is not None and beat.pid not in (None, old_pid) and beat.state in (
                WorkerState.RUNNING, WorkerState.SYNCING, WorkerState.SLEEPING)

        wait_for(beats_again, timeout=10, what=f"{victim} to beat again")  # the promise: within 10 s
        assert {name: bundle.pid(name) for name in others} == pids_before
        bundle.wait_healthy(timeout=15)

    def test_a_hung_worker_is_reported_stale_then_restarted_by_the_watchdog(self, bundle):
        victim = "sync-b"
        old_pid = bundle.pid(victim)
        os.kill(old_pid, signal.SIGSTOP)
        try:
            def reported_stale():
                response = bundle.health()
                worker = next(w for w in response.json()["workers"] if w["name"] == victim)
                return response.status_code == 503 and any("stale" in r for r in worker["reasons"]) \
                    and worker["status"] == "error"

            wait_for(reported_stale, timeout=25, what="/health to report the hung worker stale")
            wait_for(lambda: bundle.pid(victim) not in (0, old_pid), timeout=30, what="the watchdog to restart it")
        finally:
            if bundle.pid(victim) == old_pid:
                os.kill(old_pid, signal.SIGCONT)
        bundle.wait_healthy(timeout=20)
        assert f"restart {victim}" in bundle.logs()

    def test_no_secret_in_supervisord_conf_processes_logs_or_health(self, bundle):
        assert TOKEN not in (bundle.runtime_dir / "supervisord.conf").read_text()
        # psutil reads /proc whole: `ps` would cut every line at the terminal's width.
        processes = "\n".join(" ".join(process.info["cmdline"] or ()) for process in psutil.process_iter(["cmdline"]))
        assert "app.sync.worker" in processes
        assert TOKEN not in processes
        for name, _, _ in PAIRS:
            assert TOKEN not in " ".join(psutil.Process(bundle.pid(name)).cmdline())
        assert TOKEN not in bundle.health().text
        assert TOKEN not in bundle.logs()
        assert bundle.logs().count('"pair": "sync-a"') > 0, "worker lines name their pair"


def test_wrong_credentials_are_reported_and_the_pair_recovers_by_itself_once_they_work(tmp_path, mongo_uri, db_prefix,
                                                                                      sim):
    """A worker whose start-up check fails backs off by itself (issue 22): its program stays up, the
    pair is unhealthy with Jira's answer, and it syncs once the credentials work, with no operator."""
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={"JIRA_A_TOKEN": TOKEN, "JIRA_X_TOKEN": "rotated"})
    bundle.write_config("sync-a", pair_config("sync-a", sim.url, "ASUP", "ADEV", "JIRA_A_TOKEN"))
    bad = pair_config("sync-x", sim.url, "BSUP", "BDEV", "JIRA_X_TOKEN")
    bad["jira"]["email"] = HUMAN.email
    bundle.write_config("sync-x", bad)
    bundle.start()
    try:
        def reported_failing():
            # One read for state and answer.
            response = bundle.health()
            workers = {w["name"]: w for w in response.json()["workers"]}
            worker, other = workers["sync-x"], workers["sync-a"]
            failing = response.status_code == 503 and "401" in (worker["lastError"] or "")
            return failing and other["status"] == "running" and (response, worker)

        response, worker = wait_for(reported_failing, timeout=90, what="/health: sync-x's 401, sync-a running")
        assert worker["status"] == "error" and response.json()["status"] == "degraded"
        assert bundle.states().get("sync-x") == "RUNNING", "backing off by itself, not FATAL"

        requests.patch(f"{sim.url}/_sim/users/{HUMAN.account_id}", json={"apiToken": "rotated"}, timeout=5).raise_for_status()
        bundle.wait_healthy(timeout=150)  # its next attempt, after a back-off that doubled meanwhile
    finally:
        requests.patch(f"{sim.url}/_sim/users/{HUMAN.account_id}", json={"apiToken": HUMAN.api_token}, timeout=5)
        bundle.stop()


def test_mongodb_outage_answers_503_fast_and_workers_beat_again_after(tmp_path, db_prefix, sim, mongo_client):
    mongo = EmbeddedMongo(tmp_path / "mongo").start()
    bundle = three_pair_bundle(tmp_path, mongo.uri, f"{db_prefix}_control", sim)
    bundle.start()
    try:
        bundle.wait_healthy(timeout=60)
        pids = {name: bundle.pid(name) for name, _, _ in PAIRS}
        mongo.stop()
        stopped_at = time.monotonic()

        def unhealthy_fast():
            started = time.monotonic()
            response = bundle.health(timeout=2)
            elapsed = time.monotonic() - started
            return response.status_code == 503 and elapsed < 1.0 and not response.json()["mongodb"]["reachable"]

        wait_for(unhealthy_fast, timeout=10, what="/health 503 within 1 s")
        time.sleep(max(0.0, 3 - (time.monotonic() - stopped_at)))
        assert {name: bundle.pid(name) for name, _, _ in PAIRS} == pids, "workers keep running"

        mongo.start()
        body = bundle.wait_healthy(timeout=30)
        assert {w["pid"] for w in body["workers"]} == set(pids.values())
    finally:
        bundle.stop()
        mongo.stop()


def test_reload_adds_and_removes_pairs_without_restarting_the_others(tmp_path, mongo_uri, db_prefix, sim):
    bundle = three_pair_bundle(tmp_path, mongo_uri, f"{db_prefix}_control", sim)
    (bundle.config_dir / "sync-c.json").unlink()
    bundle.start()
    try:
        bundle.wait_healthy(timeout=60)
        kept = bundle.pid("sync-a")
        (bundle.config_dir / "sync-b.json").unlink()
        bundle.write_config("sync-c", pair_config("sync-c", sim.url, "CSUP", "CDEV", "JIRA_C_TOKEN"))

        result = bundle.cli("reload")

        assert result.returncode == 0, result.stdout + result.stderr
        states = bundle.states()
        assert "sync-b" not in states and states["sync-c"] in ("STARTING", "RUNNING")
        assert bundle.pid("sync-a") == kept
        body = bundle.wait_healthy(timeout=30)
        assert sorted(w["name"] for w in body["workers"]) == ["sync-a", "sync-c"]
        assert bundle.pid("sync-a") == kept
    finally:
        bundle.stop()


def test_bad_config_files_are_reported_and_the_good_pair_still_runs(tmp_path, mongo_uri, db_prefix, sim):
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={"JIRA_A_TOKEN": TOKEN})
    good = pair_config("sync-a", sim.url, "ASUP", "ADEV", "JIRA_A_TOKEN")
    bundle.write_config("sync-a", good)
    bundle.write_config("sync-badjson", b'{"name": "sync-badjson", ')
    bundle.write_config("sync-inject", {**good, "name": "ab]\n[program:x]"})
    bundle.write_config("sync-typo", {**good, "name": "sync-typo", "syncDirecton": "both"})
    bundle.write_config("sync-notutf8", b'{"name": "sync-notutf8", "description": "caf\xe9"}')
    bundle.write_config("sync-unset", {**good, "name": "sync-unset", "jira": {**good["jira"], "apiToken": "${NOPE_TOKEN}"}})
    bundle.write_config("sync-enum", {**good, "name": "sync-enum", "rules": [{**good["rules"][0], "syncDirection": "sideways"}]})
    bundle.write_config("sync-norules", {**good, "name": "sync-norules", "rules": []})
    # Projects of their own: files refused only for sharing a name still hold their projects.
    bundle.write_config("sync-dup1", {**good, "name": "sync-dup", "userProjectKey": "DUPSUP", "devProjectKey": "DUPDEV"})
    bundle.write_config("sync-dup2", {**good, "name": "sync-dup", "userProjectKey": "DUPSUP", "devProjectKey": "DUPDEV"})
    (bundle.config_dir / "sync-link.json").symlink_to("/etc/hostname")
    bundle.start()
    try:
        body = bundle.wait_healthy(timeout=60)
        assert [w["name"] for w in body["workers"]] == ["sync-a"]
        invalid = {os.path.basename(item["file"]): item for item in body["invalidConfigs"]}
        expected_fields = {
            "sync-badjson.json": "",
            "sync-inject.json": "name",
            "sync-typo.json": "syncDirecton",
            "sync-notutf8.json": "",
            "sync-unset.json": "jira.apiToken",
            "sync-enum.json": "rules[0].syncDirection",
            "sync-norules.json": "rules",
            "sync-dup1.json": "name",
            "sync-dup2.json": "name",
            "sync-link.json": "",
        }
        assert set(invalid) == set(expected_fields)
        for file, field in expected_fields.items():
            assert invalid[file]["field"] == field, invalid[file]
            assert invalid[file]["message"]
        conf = (bundle.runtime_dir / "supervisord.conf").read_text()
        assert "[program:x]" not in conf and "program:ab" not in conf
        assert set(bundle.states()) == {"sync-a", "health", "leases", "watchdog"}
        validate = bundle.cli("validate")
        assert validate.returncode == 1
        assert sum(line.startswith("ERROR") for line in validate.stdout.splitlines()) == len(expected_fields)
    finally:
        bundle.stop()


def test_zero_pairs_is_503(tmp_path, mongo_uri, db_prefix):
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control").start()
    try:
        def answering():
            response = bundle.health()
            return response.json() if response.status_code == 503 else None

        body = wait_for(answering, timeout=30, what="/health to answer 503")
        assert body["workers"] == []
        assert any("no valid pair" in reason for reason in body["reasons"])
    finally:
        bundle.stop()
