"""Pairings live in Jira: a lost database, or a pair the original service made, never gets a
second Dev issue, and every old pair keeps following moves both ways."""

from __future__ import annotations

import pytest

from app.sync.store import PairStore
from testbed.sync import SyncHarness
from tests.support.footprint import OriginalService


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    harness.sync()
    return harness


@pytest.fixture
def original(pair) -> OriginalService:
    return OriginalService(pair.bot, pair.sim.url)


def lose_the_database(pair: SyncHarness) -> None:
    """A new, empty database for the pair (lost, or a new MONGO_DATABASE_PREFIX)."""
    fresh = pair.store.db.client[pair.store.db.name + "-new"]
    pair.store = PairStore(fresh)
    pair.store.ensure_indexes()
    pair.engine = pair.new_engine()


def comment_count(pair: SyncHarness, keys) -> int:
    return sum(len(pair.comments(key)) for key in keys)


def adopted_events(pair: SyncHarness) -> list[dict]:
    return list(pair.store.db.events.find({"event": "issue.adopted"}, {"_id": 0, "at": 0}))


def test_the_bundles_own_pairs_survive_a_lost_database(pair):
    accepted = [pair.new_user_issue(f"issue {n}", status="Will Do") for n in range(3)]
    pair.sync()
    dev_keys = [pair.dev_key(key) for key in accepted]
    comments = comment_count(pair, accepted)

    lose_the_database(pair)
    pair.sync()

    assert len(pair.dev_issues()) == 3 and comment_count(pair, accepted) == comments
    assert [pair.dev_key(key) for key in accepted] == dev_keys
    assert {event["via"] for event in adopted_events(pair)} == {"marker"}
    pair.move(dev_keys[0], "In Progress")
    pair.sync()
    assert pair.status(accepted[0]) == "In Progress"


def test_a_plan_after_a_lost_database_creates_nothing_again(pair):
    user_key = pair.new_user_issue(status="Will Do")
    pair.sync()
    lose_the_database(pair)
    previews = pair.engine.preview()
    assert not [preview for preview in previews if preview.plan.creates]
    assert [(p.change.issue.key, p.via) for p in previews if p.adopts] == [(user_key, "marker")]


def test_the_original_services_pairs_are_adopted_from_their_link_lines_and_follow_moves(pair, original):
    keys = [pair.new_user_issue(f"issue {n}", status="Will Do") for n in range(4)]
    pairs = [original.accept(key) for key in keys]
    comments = comment_count(pair, keys)
    pair.reset_requests()

    lose_the_database(pair)  # this bundle never saw them: an empty database
    summary = pair.sync()

    assert summary.counts["adopted"] == 4 and len(pair.dev_issues()) == 4, "no second Dev issue"
    assert comment_count(pair, keys) == comments, "no second comment"
    assert {event["via"] for event in adopted_events(pair)} == {"link line"}
    assert not any("/comment" in write or write.endswith("/issue") for write in pair.bot_writes())

    first, second, third, fourth = pairs
    pair.move(first.dev_key, "In Progress")
    pair.move(second.dev_key, "In Progress", "Done", "Closed")
    pair.move(third.dev_key, "Cancelled")
    pair.sync()
    assert [pair.status(p.user_key) for p in (first, second, third)] == ["In Progress", "Resolved", "Cancelled"]
    pair.move(second.user_key, "Reopened")
    pair.sync()
    assert pair.status(second.dev_key) == "Reopened"
    pair.move(fourth.dev_key, "In Progress", "Done", "Closed")
    pair.sync()
    pair.move(fourth.dev_key, "Reopened")
    pair.sync()
    assert pair.status(fourth.user_key) == "Reopened"


def test_a_dev_issue_that_alone_names_its_user_issue_is_found_through_a_hint(pair, original):
    user_key = pair.new_user_issue()
    dev_key = original.accept(user_key).dev_key
    pair.human.edit_issue(user_key, {"description": "the Dev Link line was lost"})
    lose_the_database(pair)
    pair.sync()  # reads the Dev issue's `User Link:` line
    pair.move(user_key, "Will Do")
    pair.sync()
    assert pair.dev_key(user_key) == dev_key and len(pair.dev_issues()) == 1


def test_a_single_link_made_by_a_person_pairs_the_issues(pair):
    user_key = pair.new_user_issue()
    dev = pair.human.create_issue({"project": {"key": "ABDEV"}, "issuetype": {"name": "Bug"}, "summary": "by hand"})
    pair.human.create_issue_link("Relates", dev["key"], user_key)
    pair.move(user_key, "Will Do")
    pair.sync()
    assert pair.dev_key(user_key) == dev["key"] and len(pair.dev_issues()) == 1
    assert [event["via"] for event in adopted_events(pair)] == ["issue link"]
    assert pair.comments(user_key) == [], "adoption posts no comment"


def test_two_candidates_are_a_pending_failure_never_a_guess_nor_a_create(pair, original):
    user_key = pair.new_user_issue()
    first = original.accept(user_key).dev_key
    second = pair.bot.create_issue({"project": {"key": "ABDEV"}, "issuetype": {"name": "Bug"}, "summary": "twin",
                                    "description": f"User Link: {pair.sim.url}/browse/{user_key}"})["key"]
    lose_the_database(pair)
    pair.move(user_key, "Will Do")  # the creating rule: it must neither guess nor create
    pair.sync()
    [failure] = pair.store.pending_failures()
    assert first in failure.last_error and second in failure.last_error and "possible partners" in failure.last_error
    assert pair.dev_key(user_key) is None and len(pair.dev_issues()) == 2


def test_adoption_copies_no_attachment_again(pair, original):
    user_key = pair.new_user_issue()
    pair.human.add_attachment(user_key, "trace.log", b"boom")
    dev_key = original.accept(user_key).dev_key
    pair.bot.add_attachment(dev_key, "trace.log", b"boom")  # the original copied it
    lose_the_database(pair)
    pair.move(user_key, "Will Do")
    pair.sync()
    assert pair.dev_key(user_key) == dev_key
    assert [a["filename"] for a in pair.human.attachments(dev_key)] == ["trace.log"]


def test_a_field_changed_while_the_database_was_lost_follows_once_the_pair_is_adopted(jira_sim, mongo_client, db_prefix,
                                                                                     tmp_path):
    """The soak found it: the field step ran before the adoption that found the pair, and nothing
    brought the fields in step afterwards (the next pass sees no change of either issue)."""
    pair = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path, fields={"summary": "both"})
    pair.sync()
    user_key = pair.new_user_issue("Printer on fire", status="Will Do")
    pair.sync()
    dev_key = pair.dev_key(user_key)
    lose_the_database(pair)
    pair.admin("POST", "clock/advance", seconds=5)
    pair.human.edit_issue(user_key, {"summary": "Printer on fire, smoke seen"})
    pair.sync()
    assert pair.dev_key(user_key) == dev_key
    assert pair.human.get_issue(dev_key, fields=["summary"])["fields"]["summary"] == "Printer on fire, smoke seen"
    pair.reset_requests()
    pair.sync()
    assert pair.bot_writes() == [], "the fields agree: their baselines were recorded"
