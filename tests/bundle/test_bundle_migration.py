"""Moving from the TypeScript service as the README says, through the real bundle: the original's
footprint in MongoDB and Jira, then this bundle on the same database with the same pair file.
And the same from an empty database: pairings come back from Jira alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.jira import BasicAuth, JiraClient
from jira_sim.seed import BOT
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for
from tests.support.footprint import OriginalService

PASS_TIMEOUT = 30  # a pass every 5 s, a first pass that reads and adopts everything


def start_bundle(tmp_path, mongo_uri, db_prefix, sim, prefix: str = "") -> Bundle:
    bundle = Bundle(tmp_path / f"bundle{prefix}", mongo_uri, f"{db_prefix}_control",
                    env={"JIRA_AB_TOKEN": BOT.api_token, "MONGO_DATABASE_PREFIX": f"{db_prefix}-{prefix}"})
    bundle.write_config("sync-ab", pair_config("sync-ab", sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN"))
    bundle.start()
    bundle.wait_syncing(timeout=60)
    return bundle


def status_of(human: JiraClient, key: str) -> str:
    return human.get_issue(key, fields=["status"])["fields"]["status"]["name"]


def becomes(human: JiraClient, key: str, status: str) -> None:
    wait_for(lambda: status_of(human, key) == status, PASS_TIMEOUT, what=f"{key} to become {status}")


def dev_issues(human: JiraClient) -> list[str]:
    return [issue["key"] for issue in human.search('project = "ABDEV" ORDER BY key ASC', fields=["summary"])]


def comments(human: JiraClient, keys) -> int:
    return sum(len(human.comments(key)) for key in keys)


def follow_moves_both_ways(human: JiraClient, pairs) -> None:
    first, second, third, fourth = pairs
    human.transition_to(first.dev_key, "In Progress")
    for status in ("In Progress", "Done", "Closed"):
        human.transition_to(second.dev_key, status, resolution="Done")
    human.transition_to(third.dev_key, "Cancelled", resolution="Done")
    becomes(human, first.user_key, "In Progress")
    becomes(human, second.user_key, "Resolved")
    becomes(human, third.user_key, "Cancelled")
    human.transition_to(second.user_key, "Reopened")
    becomes(human, second.dev_key, "Reopened")
    for status in ("In Progress", "Done", "Closed"):
        human.transition_to(fourth.dev_key, status, resolution="Done")
    becomes(human, fourth.user_key, "Resolved")
    human.transition_to(fourth.dev_key, "Reopened")
    becomes(human, fourth.user_key, "Reopened")


def the_originals_pairs(sim, human) -> tuple[OriginalService, list]:
    original = OriginalService(JiraClient(sim.url, BasicAuth(*BOT.basic_auth), deployment="cloud"), sim.url)
    pairs = []
    for n in range(4):
        key = human.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": f"old {n}"})["key"]
        human.transition_to(key, "Will Do")
        pairs.append(original.accept(key))
    return original, pairs


def test_the_bundle_on_the_originals_database_imports_it_and_keeps_every_pair_syncing(
        tmp_path, mongo_uri, mongo_client, db_prefix, sim, human):
    original, pairs = the_originals_pairs(sim, human)
    user_keys = [p.user_key for p in pairs]
    before = comments(human, user_keys)
    pair_db = mongo_client[f"{db_prefix}-sync-ab"]  # the same database the original used
    original.write_database(pair_db, {**{k: "Will Do" for k in user_keys}, **{p.dev_key: "To Do" for p in pairs}},
                            last_sync=datetime.now(UTC) - timedelta(minutes=1), pair_name="sync-ab")

    bundle = start_bundle(tmp_path, mongo_uri, db_prefix, sim)
    try:
        record = wait_for(lambda: (pair_db.sync_state.find_one({"_id": "pair"}) or {}).get("original_import"),
                          PASS_TIMEOUT, what="the import")
        assert (record["mappings"], record["unresolved"]) == (4, [])
        assert "imported the original service's state" in bundle.logs()
        follow_moves_both_ways(human, pairs)
        assert dev_issues(human) == [p.dev_key for p in pairs], "0 duplicates"
        assert comments(human, user_keys) == before + 3, "only the rules' own: two Fixed in, one reopened"
    finally:
        bundle.stop()


def test_from_an_empty_database_every_pair_is_adopted_from_jira_alone(tmp_path, mongo_uri, db_prefix, sim, human):
    _, pairs = the_originals_pairs(sim, human)
    ours = human.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": "ours"})["key"]
    first = start_bundle(tmp_path, mongo_uri, db_prefix, sim, prefix="a")
    try:
        human.transition_to(ours, "Will Do")
        wait_for(lambda: len(dev_issues(human)) == 5, PASS_TIMEOUT, what="this bundle's own Dev issue")
    finally:
        first.stop()
    user_keys = [p.user_key for p in pairs] + [ours]
    before, dev_before = comments(human, user_keys), dev_issues(human)

    second = start_bundle(tmp_path, mongo_uri, db_prefix, sim, prefix="b")  # a new MONGO_DATABASE_PREFIX
    try:
        follow_moves_both_ways(human, pairs)
        ours_dev = next(key for key in dev_issues(human) if key not in [p.dev_key for p in pairs])
        human.transition_to(ours_dev, "In Progress")
        becomes(human, ours, "In Progress")
        assert dev_issues(human) == dev_before, "0 duplicates"
        assert comments(human, user_keys) == before + 3, "only the rules' own: two Fixed in, one reopened"
    finally:
        second.stop()
