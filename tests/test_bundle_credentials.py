"""A token that stops working mid-run, through the real bundle: the pair says "credentials
rejected" in /health, on the dashboard and in `status`, loses nothing, and resumes by itself."""

from __future__ import annotations

import pytest
import requests

from app.jira import BasicAuth, JiraClient
from jira_sim.seed import BOT, HUMAN, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

PASS_TIMEOUT = 20


@pytest.fixture(params=["cloud", "datacenter"])
def sim(request):
    server = SimulatorServer(demo_seed(), deployment=request.param).start()
    yield server
    server.stop()


def test_a_revoked_token_is_reported_loses_nothing_and_the_pair_resumes(tmp_path, mongo_uri, mongo_client, db_prefix, sim):
    deployment = sim.site.deployment
    human = JiraClient(sim.url, BasicAuth(*HUMAN.basic_auth), deployment=deployment)
    config = pair_config("sync-ab", sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN")
    del config["jira"]["deployment"]  # the server says which Jira it is
    if deployment == "datacenter":
        config["jira"].update(authType="pat", email=None)
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control",
                    env={"JIRA_AB_TOKEN": BOT.pat if deployment == "datacenter" else BOT.api_token})
    bundle.write_config("sync-ab", config)
    bundle.start()
    try:
        bundle.wait_healthy(timeout=60)
        user = human.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": "S"})["key"]
        human.transition_to(user, "Will Do")
        pair_db = mongo_client[bundle.env["MONGO_DATABASE_PREFIX"] + "sync-ab"]
        mapping = wait_for(lambda: pair_db.mappings.find_one(), PASS_TIMEOUT, what="the Dev issue")

        requests.post(f"{sim.url}/_sim/users/{BOT.account_id}/revoke", timeout=5).raise_for_status()
        human.transition_to(mapping["dev_key"], "In Progress")  # a change made while the token is dead

        def rejected():
            response = bundle.health()
            worker = next(w for w in response.json()["workers"] if w["name"] == "sync-ab")
            return response.status_code == 503 and any("credentials rejected" in r for r in worker["reasons"])

        wait_for(rejected, PASS_TIMEOUT, what="/health to say credentials rejected")
        page = requests.get(f"http://127.0.0.1:{bundle.health_port}/", timeout=5).text
        assert "credentials rejected" in page
        status = bundle.cli("status")
        assert status.returncode == 1 and "credentials rejected" in status.stdout
        assert pair_db.mappings.count_documents({}) == 1, "no mapping dropped"
        assert human.get_issue(user, fields=["status"])["fields"]["status"]["name"] == "Will Do"

        requests.post(f"{sim.url}/_sim/users/{BOT.account_id}/restore", timeout=5).raise_for_status()
        wait_for(lambda: human.get_issue(user, fields=["status"])["fields"]["status"]["name"] == "In Progress",
                 PASS_TIMEOUT, what="the change made meanwhile to be synced")
        bundle.wait_healthy(timeout=PASS_TIMEOUT)
        assert len(list(human.search('project = "ABDEV"', fields=["summary"]))) == 1
    finally:
        bundle.stop()
