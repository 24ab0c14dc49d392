"""Secrets from files, as Docker and Kubernetes mount them (`NAME_FILE`), through a real bundle:
only the pair's worker gets its token's file, no token reaches an argument, supervisord.conf, a
log line or an answer, and rotating a token is writing the file: the worker reads it again when
Jira refuses the old one (or at its next start, `supervisorctl restart`)."""

from __future__ import annotations

import uuid

import pytest
import requests

from app.bundle.launch import WITHHELD_VARIABLE
from app.jira import BasicAuth, JiraClient
from jira_sim.seed import BOT, HUMAN, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

HEALTH_TOKEN = f"health-{uuid.uuid4().hex}"
ROTATED = f"rotated-{uuid.uuid4().hex}"
SYNC_TIMEOUT = 60


@pytest.fixture
def sim():
    server = SimulatorServer(demo_seed(pairs=[("ASUP", "ADEV"), ("BSUP", "BDEV")])).start()
    yield server
    server.stop()


def command_lines(bundle: Bundle) -> str:
    return "\n".join(" ".join(process.cmdline()) for process in bundle.processes())


def accepted_gets_a_dev_issue(human: JiraClient, project: str) -> None:
    key = human.create_issue({"project": {"key": project}, "issuetype": {"name": "Bug"}, "summary": "from a file"})["key"]
    human.transition_to(key, "Will Do")
    wait_for(lambda: human.issue_links(key), SYNC_TIMEOUT, what=f"a Dev issue for {key}")


def test_token_files_reach_only_their_worker_and_a_rotated_token_is_read_again(tmp_path, mongo_uri, db_prefix, sim):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    files = {"JIRA_A_TOKEN_FILE": (secrets / "a", BOT.api_token), "JIRA_B_TOKEN_FILE": (secrets / "b", HUMAN.api_token),
             "HEALTH_AUTH_TOKEN_FILE": (secrets / "health", HEALTH_TOKEN)}
    for path, value in files.values():
        path.write_text(value + "\n")
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={name: str(path) for name, (path, _) in files.items()})
    bundle.write_config("sync-a", pair_config("sync-a", sim.url, "ASUP", "ADEV", "JIRA_A_TOKEN"))
    other = pair_config("sync-b", sim.url, "BSUP", "BDEV", "JIRA_B_TOKEN")
    other["jira"]["email"] = HUMAN.email
    bundle.write_config("sync-b", other)
    tokens = [value for _, value in files.values()] + [ROTATED]
    human = JiraClient(sim.url, BasicAuth(*HUMAN.basic_auth), deployment="cloud")
    detail = f"http://127.0.0.1:{bundle.health_port}/health?detail=1"
    bearer = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
    bundle.start()
    try:
        body = wait_for(lambda: (r := requests.get(detail, headers=bearer, timeout=5)).status_code == 200 and r.json(),
                        SYNC_TIMEOUT, what="/health 200 (the health token read from its file)")
        assert sorted(worker["name"] for worker in body["workers"]) == ["sync-a", "sync-b"]
        for project in ("ASUP", "BSUP"):
            accepted_gets_a_dev_issue(human, project)

        keeps = {"sync-a": {"JIRA_A_TOKEN_FILE"}, "sync-b": {"JIRA_B_TOKEN_FILE"}, "health": {"HEALTH_AUTH_TOKEN_FILE"},
                 "leases": set(), "watchdog": set()}
        for name, kept in keeps.items():
            for environ in bundle.environments(name):
                assert {key for key in files if key in environ} == kept, name
                withheld = set(environ[WITHHELD_VARIABLE].split(","))
                # a withheld NAME_FILE names the NAME it supplies: set, for the program that keeps it
                assert withheld == {n for key in set(files) - kept for n in (key, key.removesuffix("_FILE"))}, name
                assert not any(token in value for value in environ.values() for token in tokens), name

        before = bundle.pid("sync-a")
        files["JIRA_A_TOKEN_FILE"][0].write_text(ROTATED + "\n")  # rotate: the new token first ...
        requests.patch(f"{sim.url}/_sim/users/{BOT.account_id}", json={"apiToken": ROTATED}, timeout=5).raise_for_status()
        accepted_gets_a_dev_issue(human, "ASUP")  # ... the old one refused now: read again, no restart
        assert bundle.pid("sync-a") == before

        bundle.rpc().restart("sync-a")  # supervisorctl restart sync-a: read at its start
        accepted_gets_a_dev_issue(human, "ASUP")
        answers = requests.get(detail, headers=bearer, timeout=5).text + requests.get(
            f"http://127.0.0.1:{bundle.health_port}/metrics", headers=bearer, timeout=5).text
        seen = {"supervisord.conf": (bundle.runtime_dir / "supervisord.conf").read_text(), "argv": command_lines(bundle),
                "answers": answers}
    finally:
        bundle.stop()
    seen["logs"] = bundle.logs()
    for where, text in seen.items():
        assert not any(token in text for token in tokens), f"a token in {where}"
    assert "read it again (a new one)" in seen["logs"]
