"""The guarantees (docs/ARCHITECTURE.md) under injected faults: no duplicate, no echo, no lost change."""

from __future__ import annotations

import json
from datetime import timedelta

import pymongo.errors
import pytest
import requests

from app.jira import JiraAuthError, JiraError
from app.sync.failures import MAX_ATTEMPTS
from jira_sim.seed import BOT, demo_seed
from jira_sim.server import SimulatorServer
from testbed.original import ORIGINAL_SYNC_AB
from testbed.sync import SyncHarness
from tests.support.faults import Crash, CrashingStore


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    harness.sync()
    return harness


def accepted(pair: SyncHarness) -> tuple[str, str]:
    user_key = pair.new_user_issue(status="Will Do")
    pair.sync()
    return user_key, pair.dev_key(user_key)


def test_crash_between_create_and_mapping_is_recovered_without_duplicate(pair):
    user_key = pair.new_user_issue(status="Will Do")
    crashing = pair.new_engine(CrashingStore(pair.store.db, "save_mapping", Crash()))
    with pytest.raises(Crash):
        crashing.run_pass()
    assert len(pair.dev_issues()) == 1, "the create reached Jira"
    assert pair.dev_key(user_key) is None, "but its mapping was never recorded"

    pair.sync()  # a restarted worker

    assert len(pair.dev_issues()) == 1
    assert pair.dev_key(user_key) == pair.dev_issues()[0]["key"]
    assert pair.comments(user_key) == [f"Dev issue created: {pair.dev_key(user_key)}"]


def test_crash_after_a_comment_was_posted_does_not_post_it_again(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress", "Done", "Closed")
    crashing = pair.new_engine(CrashingStore(pair.store.db, "finish_intent", Crash()))
    with pytest.raises(Crash):
        crashing.run_pass()
    pair.sync()
    pair.sync()
    assert pair.comments(user_key).count(f"Fixed in {dev_key}") == 1
    assert pair.status(user_key) == "Resolved"


def test_lost_create_response_is_recovered_from_the_marker(pair):
    user_key = pair.new_user_issue(status="Will Do")
    pair.admin("POST", "config", faults={"next_drops": 1, "path_contains": "/issue", "drop_after_processing": True})
    summary = pair.engine.run_pass()
    assert summary.counts.get("failed") == 1
    pair.admin("POST", "config", faults={"next_drops": 0, "path_contains": "", "drop_after_processing": False})

    pair.clock.advance(minutes=5)
    pair.sync()

    assert len(pair.dev_issues()) == 1
    assert pair.dev_key(user_key) == pair.dev_issues()[0]["key"]
    assert pair.store.pending_failures() == []


def test_failed_action_is_retried_with_backoff_until_it_succeeds(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress")
    pair.admin("POST", "config", faults={"next_errors": 100, "error_status": 500, "path_contains": "/transitions"})

    summary = pair.engine.run_pass()
    [failure] = pair.store.pending_failures()
    assert summary.counts["failed"] == 1 and failure.attempts == 1
    assert failure.change.issue_key == dev_key and failure.change.to_status == "In Progress"
    assert "500" in failure.last_error

    pair.sync()  # not due yet: no attempt
    assert pair.store.pending_failures()[0].attempts == 1

    pair.admin("POST", "config", faults={"next_errors": 0, "path_contains": ""})
    pair.clock.advance(minutes=2)
    pair.sync()
    assert pair.status(user_key) == "In Progress"
    assert pair.store.pending_failures() == []


def test_failure_is_given_up_after_max_attempts_but_stays_visible_and_heals(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress")
    pair.admin("POST", "config", faults={"next_errors": 10_000, "error_status": 500, "path_contains": "/transitions"})
    for _ in range(MAX_ATTEMPTS):
        pair.engine.run_pass()
        pair.clock.advance(hours=2)
    [failure] = pair.store.pending_failures()
    assert failure.given_up is True and failure.attempts == MAX_ATTEMPTS

    pair.admin("POST", "config", faults={"next_errors": 0, "path_contains": ""})
    pair.sync()
    assert pair.status(user_key) == "In Progress"
    assert pair.store.pending_failures() == []


def test_unreachable_status_is_a_recorded_failure_naming_the_available_transitions(pair):
    user_key, dev_key = accepted(pair)
    pair.move(user_key, "In Progress")  # the User workflow cannot go In Progress -> Cancelled
    pair.sync()
    pair.move(dev_key, "Cancelled")
    pair.sync()
    [failure] = pair.store.pending_failures()
    assert "Cancelled" in failure.last_error and "Resolved" in failure.last_error
    assert pair.status(user_key) == "In Progress"


def test_deleted_partner_is_reported_not_recreated(pair):
    user_key, dev_key = accepted(pair)
    pair.human.delete_issue(dev_key)
    pair.move(user_key, "Resolved", "Reopened")
    pair.sync()
    [failure] = pair.store.pending_failures()
    assert "no longer exists" in failure.last_error
    assert pair.dev_issues() == []


def test_moved_partner_keeps_its_mapping(jira_sim, mongo_client, db_prefix, tmp_path):
    sim = SimulatorServer(demo_seed(pairs=[("ABSUP", "ABDEV"), ("XYSUP", "XYDEV")])).start()
    try:
        pair = SyncHarness(sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
        pair.sync()
        user_key, dev_key = accepted(pair)
        pair.move(dev_key, "In Progress", "Done", "Closed")
        pair.sync()
        moved = pair.admin("POST", f"issues/{dev_key}/move", project="XYDEV")
        pair.move(user_key, "Reopened")
        pair.sync()
        assert pair.status(moved["key"]) == "Reopened"
        assert pair.dev_key(user_key) == moved["key"]
    finally:
        sim.stop()


def test_late_search_indexing_loses_nothing(pair):
    user_key, dev_key = accepted(pair)
    pair.clock.advance(minutes=6)  # long enough ago that the sync no longer asks Jira to reconcile the pair
    pair.admin("POST", "config", index_lag_seconds=30)
    pair.move(dev_key, "In Progress")
    pair.sync()
    assert pair.status(user_key) == "Will Do", "not searchable yet"
    pair.sim.site.clock.advance(31)  # the site's clock, not a sleep: the lag is over, whatever the load
    pair.sync()
    assert pair.status(user_key) == "In Progress"


@pytest.mark.parametrize("time_zone", ["Asia/Ho_Chi_Minh", "America/Los_Angeles"])
def test_changes_are_found_whatever_the_api_users_time_zone(mongo_client, db_prefix, tmp_path, time_zone):
    sim = SimulatorServer(demo_seed(time_zone=time_zone)).start()
    try:
        pair = SyncHarness(sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
        pair.engine = pair.new_engine(time_zone=time_zone)
        pair.sync()
        user_key, dev_key = accepted(pair)
        pair.move(dev_key, "In Progress")
        pair.sync()
        assert pair.status(user_key) == "In Progress"
    finally:
        sim.stop()


def test_mongodb_failing_mid_pass_aborts_it_and_the_next_pass_converges(pair):
    user_key = pair.new_user_issue(status="Will Do")
    outage = pymongo.errors.AutoReconnect("connection refused")
    flaky = pair.new_engine(CrashingStore(pair.store.db, "save_issue_state", outage))
    with pytest.raises(pymongo.errors.AutoReconnect):
        flaky.run_pass()
    pair.sync()
    pair.sync()
    assert len(pair.dev_issues()) == 1
    assert pair.comments(user_key) == [f"Dev issue created: {pair.dev_key(user_key)}"]


def test_jira_error_bursts_slow_the_sync_but_change_nothing_in_the_outcome(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress")
    pair.admin("POST", "config", faults={"error_rate": 0.5, "drop_rate": 0.1, "error_status": 503, "seed": 7})
    for _ in range(6):
        pair.clock.advance(minutes=70)
        try:
            pair.engine.run_pass()
        except JiraError:
            continue  # as the worker loop does: the pass is reported and tried again
    pair.admin("POST", "config", faults={"error_rate": 0.0, "drop_rate": 0.0})
    pair.clock.advance(minutes=70)
    pair.sync()
    assert pair.status(user_key) == "In Progress"
    assert len(pair.dev_issues()) == 1
    assert pair.store.pending_failures() == []


def test_an_issue_edited_between_two_pages_costs_no_other_issue(mongo_client, db_prefix, tmp_path):
    sim = SimulatorServer(demo_seed(issues_per_project=250), deployment="datacenter").start()
    try:
        pair = SyncHarness(sim, mongo_client[f"{db_prefix}-ab"], tmp_path, deployment="datacenter")
        search = pair.bot.search

        def search_with_an_edit_after_the_first_page(jql, fields, page_size=100, **options):
            for n, issue in enumerate(search(jql, fields, page_size=page_size, **options)):
                if n == page_size and "ABDEV" in jql:
                    pair.human.edit_issue("ABDEV-5", {"summary": "edited while the sync reads"})
                yield issue

        pair.bot.search = search_with_an_edit_after_the_first_page
        pair.sync()
        assert pair.store.db.issue_state.count_documents({}) == 500
    finally:
        sim.stop()


def test_a_snapshot_taken_before_the_sync_moved_the_issue_does_not_echo(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress", "Done", "Closed")
    pair.sync()
    pair.move(user_key, "Reopened")
    pair.human.add_comment(dev_key, "looking into it")  # a newer Dev version, still Closed
    pair.sync()
    assert pair.status(dev_key) == "Reopened"
    pair.reset_requests()
    pair.sync()
    assert pair.bot_writes() == [], "the stale Closed snapshot must not come back as Closed -> Reopened"
    assert not any("was reopened" in body for body in pair.comments(user_key))


def test_an_unfinished_creation_does_not_hide_the_pair_once_the_user_issue_moves_on(pair):
    user_key = pair.new_user_issue()
    pair.human.add_attachment(user_key, "big.log", b"x" * 10)
    pair.move(user_key, "Will Do")
    pair.admin("POST", "config", faults={"next_errors": 1, "error_status": 500, "path_contains": "/attachments"})
    pair.sync()
    dev_key = pair.dev_key(user_key)
    assert dev_key and len(pair.store.pending_failures()) == 1, "created, but the attachment copy failed"
    pair.move(dev_key, "In Progress")
    pair.sync()
    pair.move(dev_key, "Done", "Closed")
    pair.sync()
    assert pair.status(user_key) == "Resolved"
    pair.move(user_key, "Reopened")
    pair.sync()
    assert pair.status(dev_key) == "Reopened"


@pytest.fixture
def pair_without_links_at_create(mongo_client, db_prefix, tmp_path):
    seed = demo_seed()
    next(p for p in seed["projects"] if p["key"] == "ABDEV")["createScreenLinks"] = False
    sim = SimulatorServer(seed).start()
    harness = SyncHarness(sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    harness.sync()
    yield harness
    sim.stop()


def test_a_create_screen_without_links_creates_then_links(pair_without_links_at_create):
    pair = pair_without_links_at_create
    user_key, dev_key = accepted(pair)
    assert [link["outwardIssue"]["key"] for link in pair.human.issue_links(dev_key)] == [user_key]
    assert pair.comments(user_key) == [f"Dev issue created: {dev_key}"]


def test_without_links_at_create_a_crash_is_recovered_through_the_marker(pair_without_links_at_create):
    pair = pair_without_links_at_create
    user_key = pair.new_user_issue(status="Will Do")
    with pytest.raises(Crash):
        pair.new_engine(CrashingStore(pair.store.db, "save_mapping", Crash())).run_pass()
    pair.sync()
    assert len(pair.dev_issues()) == 1
    assert pair.dev_key(user_key) == pair.dev_issues()[0]["key"]


def test_without_links_at_create_a_failed_link_is_owed_by_the_creation(pair_without_links_at_create):
    pair = pair_without_links_at_create
    user_key = pair.new_user_issue(status="Will Do")
    pair.admin("POST", "config", faults={"next_errors": 1, "error_status": 500, "path_contains": "/issueLink"})
    assert pair.engine.run_pass().counts["failed"] == 1
    [dev] = pair.dev_issues()
    assert pair.dev_key(user_key) == dev["key"], "created and mapped at once; the link is still owed"
    assert pair.human.issue_links(dev["key"]) == []

    pair.clock.advance(minutes=5)
    pair.sync()

    [dev] = pair.dev_issues()
    assert pair.dev_key(user_key) == dev["key"]
    assert [link["outwardIssue"]["key"] for link in pair.human.issue_links(dev["key"])] == [user_key]
    assert pair.comments(user_key) == [f"Dev issue created: {dev['key']}"]
    assert pair.store.pending_failures() == []


def test_a_failed_creation_comment_is_still_posted_after_the_issue_moved_on(pair):
    user_key = pair.new_user_issue(status="Will Do")
    pair.admin("POST", "config", faults={"next_errors": 1, "error_status": 500, "path_contains": "/comment"})
    assert pair.engine.run_pass().counts["failed"] == 1
    dev_key = pair.dev_key(user_key)
    assert dev_key and pair.comments(user_key) == [], "created; the announcing comment failed"

    pair.move(dev_key, "In Progress")  # the creation's comment is owed to the creation, not to Will Do
    pair.sync()
    assert pair.status(user_key) == "In Progress"
    pair.clock.advance(minutes=2)
    pair.sync()

    assert pair.comments(user_key) == [f"Dev issue created: {dev_key}"]
    assert pair.store.pending_failures() == []
    assert pair.store.db.intents.count_documents({"done": {"$ne": True}}) == 0, "no write-ahead intent stays open"
    assert pair.store.db.creations.find_one()["phase"] == "finished"


class LoseAnswer(requests.Session):
    """Sends every request; the answer to the first that `lose` picks never comes back (a proxy
    or a node dying after Jira did the work)."""

    def __init__(self, lose) -> None:
        super().__init__()
        self.lose = lose

    def request(self, method, url, **kwargs):
        response = super().request(method, url, **kwargs)
        if self.lose and self.lose(method, url, kwargs):
            self.lose = None
            raise requests.exceptions.ConnectionError("connection reset after the request was handled")
        return response


def test_a_lost_create_answer_with_a_lagging_index_makes_one_dev_issue(pair_without_links_at_create):
    pair = pair_without_links_at_create
    user_key = pair.new_user_issue(status="Will Do")
    pair.admin("POST", "config", index_lag_seconds=60)  # the new Dev issue is not searchable for a minute
    pair.bot.transport.session = LoseAnswer(
        lambda method, url, kw: method == "POST" and url.endswith("/issue") and "update" not in (kw.get("json") or {}))

    assert pair.engine.run_pass().counts["failed"] == 1, "the create reached Jira; its answer did not"
    pair.clock.advance(minutes=1)
    pair.sync()

    dev_issues = [issue for issue in pair.sim.site.issues.values() if issue.project_key == "ABDEV"]
    assert len(dev_issues) == 1
    assert pair.dev_key(user_key) == dev_issues[0].key
    assert pair.comments(user_key) == [f"Dev issue created: {dev_issues[0].key}"]
    assert pair.store.pending_failures() == []


def test_a_create_that_may_not_be_searchable_yet_is_not_sent_again_before_the_index_caught_up(pair):
    user_key = pair.new_user_issue(status="Will Do")
    pair.admin("POST", "config", faults={"next_drops": 1, "path_contains": "/rest/api/3/issue"})  # lost on the way
    assert pair.engine.run_pass().counts["failed"] == 1
    pair.clock.advance(minutes=1)
    pair.sync()
    [waiting] = pair.store.pending_failures()
    assert "not created again before" in waiting.last_error and pair.dev_issues() == []

    pair.clock.advance(minutes=5)
    pair.sync()
    [dev] = pair.dev_issues()
    assert pair.dev_key(user_key) == dev["key"] and pair.store.pending_failures() == []


def test_a_partners_later_move_is_never_overwritten_by_an_older_change(pair):
    user_key, dev_key = accepted(pair)
    pair.move(user_key, "Resolved", "Reopened")  # first the support side reopens ...
    pair.move(dev_key, "Cancelled")  # ... then, later, development cancels
    pair.sync()
    assert pair.status(dev_key) == "Cancelled", "the older Reopened must not undo the newer Cancelled"
    [failure] = pair.store.pending_failures()  # the User workflow has no Reopened -> Cancelled: shown, kept
    assert failure.change.issue_key == dev_key and "Cancelled" in failure.last_error


def test_an_issue_the_sync_just_wrote_is_read_consistently_despite_the_index_lag(pair):
    user_key, dev_key = accepted(pair)  # the sync created the Dev issue: Cloud searches reconcile it
    pair.admin("POST", "config", index_lag_seconds=600)
    pair.move(dev_key, "In Progress")
    pair.sync()
    assert pair.status(user_key) == "In Progress", "reconcileIssues made the move visible at once"


def test_rejected_credentials_stop_the_pass_and_clear_nothing(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress")
    pair.admin("POST", "config", faults={"next_errors": 1, "error_status": 500, "path_contains": "/transitions"})
    pair.sync()  # the transition fails, retries included: a pending failure
    [pending] = pair.store.pending_failures()
    pair.admin("POST", f"users/{BOT.account_id}/revoke")  # Cloud now answers the bot as nobody: 404s, 400s
    pair.clock.advance(minutes=2)
    with pytest.raises(JiraAuthError, match="credentials rejected"):
        pair.engine.run_pass()
    assert pair.store.pending_failures() == [pending], "a 404 to rejected credentials clears nothing"
    assert pair.dev_key(user_key) == dev_key

    pair.admin("POST", f"users/{BOT.account_id}/restore")
    pair.sync()
    assert pair.status(user_key) == "In Progress" and pair.store.pending_failures() == []


class RevokedMidPass(requests.Session):
    """A proxy that strips `X-Seraph-LoginReason`, and a token revoked right after the pass's
    searches: the retry's GET then answers a bare 404, as for a deleted issue."""

    def __init__(self, revoke) -> None:
        super().__init__()
        self.revoke = revoke

    def request(self, method, url, **kwargs):
        if self.revoke and "/search" not in url and method == "GET":
            self.revoke()
            self.revoke = None
        response = super().request(method, url, **kwargs)
        response.headers.pop("X-Seraph-LoginReason", None)
        return response


def test_a_bare_404_is_believed_only_once_myself_proved_the_credentials(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress")
    pair.admin("POST", "config", faults={"next_errors": 1, "error_status": 500, "path_contains": "/transitions"})
    pair.sync()
    [pending] = pair.store.pending_failures()
    pair.clock.advance(minutes=2)
    pair.bot.transport.session = RevokedMidPass(lambda: pair.admin("POST", f"users/{BOT.account_id}/revoke"))
    with pytest.raises(JiraAuthError):
        pair.engine.run_pass()
    assert pair.store.pending_failures() == [pending], "the 404 of a dead token is no deleted issue"


def test_the_syncs_own_transition_whose_answer_was_lost_does_not_echo(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress", "Done", "Closed")
    pair.sync()
    pair.move(user_key, "Reopened")
    pair.bot.transport.session = LoseAnswer(lambda method, url, kw: method == "POST" and url.endswith("/transitions"))
    pair.sync()  # Jira moved the Dev issue; its answer never came back
    assert pair.status(dev_key) == "Reopened" and pair.store.pending_failures() == []
    pair.sync()
    assert not any("was reopened" in body for body in pair.comments(user_key)), "the sync's own move came back"


@pytest.mark.parametrize("knob", ["next_ok_errors", "next_pages_without_issues"])
def test_a_search_answer_that_is_an_error_in_disguise_fails_the_pass(pair, knob):
    pair.admin("POST", "config", faults={knob: 1, "path_contains": "/search"})
    with pytest.raises(JiraError):
        pair.engine.run_pass()


@pytest.mark.parametrize("created_before", [False, True], ids=["first creation", "initial status learned"])
def test_a_move_made_while_a_creation_is_recovered_is_synced(pair, created_before):
    earlier = [accepted(pair)[1]] if created_before else []
    user_key = pair.new_user_issue(status="Will Do")
    pair.bot.transport.session = LoseAnswer(lambda method, url, kw: method == "POST" and url.endswith("/issue"))
    assert pair.engine.run_pass().counts["failed"] == 1, "created in Jira; the answer was lost"
    [dev] = [issue for issue in pair.dev_issues() if issue["key"] not in earlier]
    pair.move(dev["key"], "In Progress")  # a person takes the new Dev issue before the sync knows it
    pair.clock.advance(minutes=1)
    pair.sync()
    pair.sync()
    assert pair.dev_key(user_key) == dev["key"] and len(pair.dev_issues()) == 1 + len(earlier)
    assert pair.status(user_key) == "In Progress", "the move made meanwhile was not taken for a start"
    assert pair.store.pending_failures() == []


def test_a_retried_older_change_does_not_undo_the_partners_newer_move(pair):
    user_key, dev_key = accepted(pair)
    pair.move(user_key, "Cancelled", "Reopened")  # Dev To Do has no way to Reopened: a pending failure
    pair.sync()
    assert pair.store.pending_failures()
    pair.move(dev_key, "Cancelled")  # then development cancels; the retry must not reopen it
    pair.clock.advance(minutes=2)
    pair.sync()
    pair.clock.advance(minutes=5)
    pair.sync()
    assert pair.status(dev_key) == "Cancelled"


def test_a_person_editing_the_partner_does_not_drop_a_change_waiting_for_its_retry(jira_sim, mongo_client, db_prefix,
                                                                                  tmp_path):
    """The soak found it: a Dev issue the sync created and nobody moved since had no version where
    its status was seen to change, so any later edit of it (a person's, or the field step's) passed
    for a newer move, and the retry of an older User change was dropped as overtaken."""
    cancels = {"id": "user-cancelled", "sourceStatus": "Cancelled", "targetProject": "dev", "syncDirection": "user_to_dev",
               "enabled": True, "priority": 7, "conditions": {"requireMapping": True},
               "actions": {"syncStatus": True, "targetStatus": "Cancelled"}}
    pair = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path,
                       rules=[*json.loads(ORIGINAL_SYNC_AB)["rules"], cancels])
    user_key, dev_key = accepted(pair)
    pair.move(user_key, "Cancelled")
    pair.admin("POST", "config", faults={"next_errors": 1, "error_status": 500, "path_contains": "/transitions"})
    assert pair.engine.run_pass().counts["failed"] == 1
    pair.admin("POST", "clock/advance", seconds=5)
    pair.human.edit_issue(dev_key, {"summary": "Printer on fire, smoke seen"})  # no move: only its summary
    pair.clock.advance(minutes=2)
    pair.sync()
    assert pair.status(dev_key) == "Cancelled", "the edit of the Dev issue is no newer move of it"
    assert pair.store.pending_failures() == []


def test_a_create_dropped_before_processing_is_sent_again_when_its_index_lag_guard_ends(pair):
    """Issue 17: re-creation waited for the failure backoff (30/60/120/240 s) and came 468 s after
    the accept, where the 5-minute guard ended at 300 s. Passes every 15 s of an injected clock."""
    from app.sync.creation import INDEX_LAG_ALLOWANCE

    user_key = pair.new_user_issue(status="Will Do")
    pair.admin("POST", "config", faults={"next_drops": 1, "path_contains": "/rest/api/3/issue"})  # lost on the way
    started = pair.clock()
    assert pair.engine.run_pass().counts["failed"] == 1
    step, elapsed = 15, 0
    while not pair.dev_issues() and elapsed < 600:
        pair.clock.advance(seconds=step)
        elapsed += step
        pair.engine.run_pass()
        if not pair.dev_issues():
            [waiting] = pair.store.pending_failures()
            assert waiting.next_attempt_at is not None
            due = waiting.next_attempt_at - started
            assert due <= INDEX_LAG_ALLOWANCE + timedelta(seconds=1), f"next attempt {due} after the create"

    assert INDEX_LAG_ALLOWANCE.total_seconds() <= elapsed <= INDEX_LAG_ALLOWANCE.total_seconds() + step, elapsed
    [dev] = pair.dev_issues()
    assert pair.dev_key(user_key) == dev["key"] and pair.store.pending_failures() == []
