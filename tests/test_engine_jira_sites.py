"""The sync against Jira sites as Atlassian documents them, not as our simulator used to be:
a Cloud site behind a gateway path with its own browse URL, attachments on a media host,
size and per-issue write limits, Jira's text limit."""

from __future__ import annotations

import pytest

from app.jira import JiraClient
from jira_sim.seed import demo_seed
from jira_sim.server import SimulatorServer
from testbed.sync import SyncHarness

SITE = "https://team.example.com"  # what serverInfo.baseUrl says: the site people browse


@pytest.fixture
def gateway(mongo_client, db_prefix, tmp_path):
    """A Cloud site reached through the API gateway's path, its `deployment` left to the server."""
    sim = SimulatorServer(demo_seed(), prefix="/ex/jira/5f3e-cloud-id", site_url=SITE).start()
    harness = SyncHarness(sim, mongo_client[f"{db_prefix}-ab"], tmp_path, deployment=None)
    yield harness
    sim.stop()


def test_through_a_gateway_path_every_request_keeps_it_and_links_for_people_use_the_site(gateway):
    pair = gateway
    assert (pair.config.jira.deployment, pair.bot.deployment, pair.bot.site_url) == (None, "cloud", SITE)
    pair.sync()
    user_key = pair.new_user_issue("Printer on fire", description="It smokes.")
    pair.human.add_attachment(user_key, "smoke.log", b"smoke\n")
    pair.reset_requests()
    pair.move(user_key, "Will Do")
    pair.sync()

    dev_key = pair.dev_key(user_key)
    dev = pair.human.get_issue(dev_key, fields=["description"])
    assert dev["fields"]["description"].endswith(f"User issue: {SITE}/browse/{user_key}")
    assert [a["filename"] for a in pair.human.attachments(dev_key)] == ["smoke.log"]
    # The simulator serves nothing outside its prefix (404, not logged): every request the sync
    # sent, attachment content included, reached the gateway path.
    answered = [entry["status"] for entry in pair.admin("GET", "requests")["requests"]]
    assert answered and all(isinstance(status, int) and status < 400 for status in answered)


def test_attachment_bytes_come_from_the_media_host_which_never_sees_the_credentials(jira_sim, mongo_client, db_prefix,
                                                                                     tmp_path):
    pair = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    pair.sync()
    user_key = pair.new_user_issue()
    pair.human.add_attachment(user_key, "dump.bin", bytes(range(256)) * 4)
    pair.move(user_key, "Will Do")
    pair.sync()
    [copied] = pair.human.attachments(pair.dev_key(user_key))
    assert pair.human.download_attachment(copied) == bytes(range(256)) * 4
    media = pair.admin("GET", "media")["requests"]
    assert media, "the content came through the media host's redirect"
    assert all("authorization" not in [name.lower() for name in entry["headers"]] for entry in media)


def test_an_attachment_jira_refuses_as_too_large_is_a_given_up_failure_and_the_rest_is_done(pair_ab):
    pair = pair_ab
    pair.admin("POST", "config", attachments={"max_bytes": 1000})
    user_key = pair.new_user_issue()
    pair.human.add_attachment(user_key, "small.txt", b"ok")
    pair.admin("POST", "config", attachments={"max_bytes": 0})  # the person's upload was allowed
    pair.human.add_attachment(user_key, "huge.bin", b"x" * 5000)
    pair.admin("POST", "config", attachments={"max_bytes": 1000})
    pair.move(user_key, "Will Do")
    pair.sync()

    dev_key = pair.dev_key(user_key)
    assert [a["filename"] for a in pair.human.attachments(dev_key)] == ["small.txt"]
    assert pair.comments(user_key) == [f"Dev issue created: {dev_key}"], "the creation went on"
    [refused] = pair.store.pending_failures()
    assert refused.given_up and "huge.bin" in refused.last_error and "too large" in refused.last_error
    pair.reset_requests()
    pair.clock.advance(hours=2)
    pair.sync()
    assert not [w for w in pair.bot_writes() if w.endswith("/attachments")], "not sent again"


def test_per_issue_write_limits_are_waited_out(pair_ab):
    pair = pair_ab
    pair.bot = JiraClient.from_config(pair.config.jira, site=JiraClient.discover_site(pair.config.jira))  # it sleeps
    pair.engine = pair.new_engine()
    pair.admin("POST", "config", per_issue_writes={"limit": 1, "window_seconds": 1})
    user_key = pair.new_user_issue()
    pair.human.add_attachment(user_key, "a.txt", b"a")
    pair.move(user_key, "Will Do")
    pair.sync()
    dev_key = pair.dev_key(user_key)
    assert pair.comments(user_key) == [f"Dev issue created: {dev_key}"]
    assert pair.store.pending_failures() == []
    assert pair.bot.retry_count > 0, "the 429s were waited out, as Retry-After asked"


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_description_jira_would_refuse_with_the_link_line_is_cut_with_a_note(mongo_client, db_prefix, tmp_path,
                                                                               deployment):
    sim = SimulatorServer(demo_seed(), deployment=deployment).start()
    try:
        pair = SyncHarness(sim, mongo_client[f"{db_prefix}-ab"], tmp_path, deployment=deployment)
        pair.sync()
        room = 32_767 - (150 if deployment == "cloud" else 10)  # as long as Jira takes: no room for the link line
        user_key = pair.new_user_issue("Long", description="y" * room)
        pair.move(user_key, "Will Do")
        pair.sync()
        dev_key = pair.dev_key(user_key)
        assert dev_key and pair.store.pending_failures() == []
        text = pair.human.get_issue(dev_key, fields=["description"])["fields"]["description"]
        assert "cut by jira-sync" in text and text.endswith(f"User issue: {sim.url}/browse/{user_key}")
    finally:
        sim.stop()


@pytest.fixture
def pair_ab(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    harness.sync()
    return harness
