"""Jira tokens reach only the processes that need them: read from /proc/<pid>/environ of every
program of a real bundle (each pair's worker has its own token, nothing else has any)."""

from __future__ import annotations

import json
import os
import uuid

import pytest
import requests

from app.bundle.launch import WITHHELD_VARIABLE
from jira_sim.seed import BOT, HUMAN, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

EXTRA = f"extra-{uuid.uuid4().hex}"  # a credential no pair file references (yet)
SECRETS = {"JIRA_A_TOKEN": BOT.api_token, "JIRA_B_TOKEN": HUMAN.api_token, "EXTRA_API_TOKEN": EXTRA}
FORGED_STEM = "sync-x\nOK sync-forged\x1b[2K"  # a file name that would forge a line


@pytest.fixture
def sim():
    server = SimulatorServer(demo_seed(pairs=[("ASUP", "ADEV"), ("BSUP", "BDEV")])).start()
    yield server
    server.stop()


def test_each_program_gets_only_the_secrets_it_needs(tmp_path, mongo_uri, db_prefix, sim):
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env=SECRETS)
    bundle.write_config("sync-a", pair_config("sync-a", sim.url, "ASUP", "ADEV", "JIRA_A_TOKEN"))
    other = pair_config("sync-b", sim.url, "BSUP", "BDEV", "JIRA_B_TOKEN")
    other["jira"]["email"] = HUMAN.email
    bundle.write_config("sync-b", other)
    bundle.write_config("sync-unset", pair_config("sync-unset", sim.url, "USUP", "UDEV", "NOPE_TOKEN"))
    bundle.write_config(FORGED_STEM, "{}")
    bundle.start()
    try:
        body = bundle.wait_healthy(timeout=60)  # judged without the tokens, as validate judges them
        assert sorted(worker["name"] for worker in body["workers"]) == ["sync-a", "sync-b"]
        unset = [item for item in body["invalidConfigs"] if item["file"].endswith("sync-unset.json")]
        assert [(item["field"], "NOPE_TOKEN is not set" in item["message"]) for item in unset] == [("jira.apiToken", True)]

        allowed = {"sync-a": {"JIRA_A_TOKEN"}, "sync-b": {"JIRA_B_TOKEN"}, "health": set(), "leases": set(), "watchdog": set()}
        if bundle.env.get("MONGO_URI") == "embedded":
            allowed["mongodb"] = set()
        assert set(bundle.states()) == set(allowed)
        for name, keeps in allowed.items():
            for environ in bundle.environments(name):
                assert {key for key in SECRETS if key in environ} == keeps, name
                leaked = [key for key, value in environ.items() if value in SECRETS.values() and key not in keeps]
                assert leaked == [], f"{name} has a token under {leaked}"
                assert set(environ[WITHHELD_VARIABLE].split(",")) == set(SECRETS) - keeps, name
                assert environ["CONFIG_DIR"] == str(bundle.config_dir)  # the rest of the environment stays
        assert not any(value in (bundle.runtime_dir / "supervisord.conf").read_text() for value in SECRETS.values())

        # run's start-up lines name every file, a forged name escaped on one line (a JSON record's message)
        logs = bundle.logs()
        messages = [json.loads(line)["message"] for line in logs.splitlines() if line.startswith("{")]
        assert any("sync-x\\nOK sync-forged\\x1b[2K.json" in message for message in messages)
        assert "\nOK sync-forged" not in logs and "\x1b" not in logs
        assert "sync-x\\nOK sync-forged\\x1b[2K.json" in {os.path.basename(item["file"]) for item in body["invalidConfigs"]}
    finally:
        bundle.stop()


def test_a_token_that_came_through_another_field_is_never_printed(tmp_path, mongo_uri, db_prefix, sim):
    """Issue 17: a token pasted into `jira.baseUrl` (a reference there is refused now, so here it
    is written out) was printed in 8 log lines, in `lastError` of /health?detail=1 and on the
    dashboard. Its variable's name does not say it is a credential: the worker knows its own token."""
    token = BOT.api_token
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={"JIRA_X": token})
    config = pair_config("sync-x", f"{sim.url}/x{token}", "ASUP", "ADEV", "JIRA_X")
    bundle.write_config("sync-x", config)
    bundle.start()
    try:
        def failed():
            worker = next(iter(bundle.health().json()["workers"]), {})
            return worker if worker.get("lastError") else None

        worker = wait_for(failed, 60, what="sync-x's failed start-up in /health?detail=1")
        assert "/x***/rest/api" in worker["lastError"], worker["lastError"]
        wait_for(lambda: "/x***/rest/api" in bundle.logs(), 30, what="the worker's error in the log")
        assert token not in bundle.logs()
        assert token not in bundle.health().text
        dashboard = requests.get(f"http://127.0.0.1:{bundle.health_port}/", timeout=3).text
        assert token not in dashboard
    finally:
        bundle.stop()
