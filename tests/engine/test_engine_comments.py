"""Comment sync (issue 19) through the real engine, the simulator over HTTP and a real MongoDB:
copies both ways, internal on a service project, no echo, edits and deletes that follow, only new
comments, no duplicate after a crash or a lost answer, an internal copy Jira made public deleted."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from app.jira.adf import adf_to_text
from app.sync.failures import FailureKind
from app.sync.jira_answers import CommentView
from app.sync.marker import CommentMarker, CopyMarker
from app.trace.lines import event_lines
from jira_sim.seed import BOT, HUMAN
from testbed.sync import SyncHarness
from tests.support.faults import Crash, CrashingOnCallStore

DEFAULT_COMMENTS = {"toDev": "all", "toUser": "internal", "followEdits": True, "restricted": "skip"}


def make_pair(jira_sim, mongo_client, db_prefix, tmp_path, service_desk: bool = True, **comments: Any) -> SyncHarness:
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path,
                          comments={**DEFAULT_COMMENTS, **comments})
    if service_desk:
        harness.admin("PATCH", "projects/ABSUP", projectType="service_desk")
    harness.sync()
    return harness


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    return make_pair(jira_sim, mongo_client, db_prefix, tmp_path)


def accepted(pair: SyncHarness) -> tuple[str, str]:
    user_key = pair.new_user_issue(status="Will Do")
    pair.sync()
    dev_key = pair.dev_key(user_key)
    assert dev_key
    return user_key, dev_key


def say(pair: SyncHarness, key: str, text: str, internal: bool = False,
        visibility: dict[str, str] | None = None) -> str:
    """The person comments (ADF, as on Cloud); answers the comment id."""
    properties = {"sd.public.comment": {"internal": True}} if internal else {}
    body = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}
    answer = pair.human.post_comment(key, body, properties, visibility)
    return str(answer["id"])


def comments(pair: SyncHarness, key: str) -> list[tuple[CommentView, str]]:
    return [(CommentView.parse(raw), adf_to_text(raw["body"])) for raw in pair.human.raw_comments(key)]


def copies(pair: SyncHarness, key: str) -> list[tuple[CommentView, str]]:
    return [(view, text) for view, text in comments(pair, key) if isinstance(view.marker, CopyMarker)]


def request_comments(pair: SyncHarness, key: str) -> list[dict[str, Any]]:
    """The Service Management API's view (what decides what a customer sees)."""
    answer = requests.get(f"{pair.sim.url}/rest/servicedeskapi/request/{key}/comment", auth=HUMAN.basic_auth,
                          timeout=5)
    answer.raise_for_status()
    values: list[dict[str, Any]] = answer.json()["values"]
    return values


def full_scan(pair: SyncHarness) -> None:
    pair.clock.advance(hours=2)
    pair.sync()


def test_a_user_comment_is_copied_to_dev_with_its_attribution_and_its_body(pair):
    user_key, dev_key = accepted(pair)
    comment_id = say(pair, user_key, "The printer is still on fire")
    pair.sync()

    [(copy, text)] = copies(pair, dev_key)
    assert text.splitlines()[0].startswith(f"Hannah Human wrote on {user_key} (")
    assert text.rstrip().endswith("The printer is still on fire")
    user_id = pair.human.get_issue(user_key, fields=["status"])["id"]
    assert copy.marker == CopyMarker(pair.bot.site_url, str(user_id), comment_id)
    link = copy.body["content"][0]["content"][1]["marks"][0]["attrs"]["href"]
    assert link.endswith(f"/browse/{user_key}?focusedCommentId={comment_id}")
    assert copy.body["content"][1:] == comments(pair, user_key)[-1][0].body["content"]


def test_a_comment_on_an_issue_the_same_pass_moves_is_copied_in_that_pass(pair):
    """The soak found it: the pass moved the User issue for its Dev issue's move, then passed over
    the User issue's own newer version (its status stale), and with it the comment it brought."""
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress")
    say(pair, user_key, "Any news?")  # after the Dev move: the User issue's version is the newer one
    pair.sync()
    assert pair.status(user_key) == "In Progress"
    assert [text.rstrip().endswith("Any news?") for _, text in copies(pair, dev_key)] == [True]
    pair.reset_requests()
    pair.sync()
    assert pair.bot_writes() == []


def test_a_dev_comment_lands_on_a_service_project_as_an_internal_note(pair):
    user_key, dev_key = accepted(pair)
    say(pair, dev_key, "Root cause: the fuser overheats")
    pair.sync()

    [(copy, text)] = copies(pair, user_key)
    assert "Root cause: the fuser overheats" in text
    assert copy.jsd_public is False  # the platform API's word
    [dto] = [c for c in request_comments(pair, user_key) if c["id"] == copy.id]
    assert dto["public"] is False  # the Service Management API's word: no customer sees it
    [event] = list(pair.store.db.events.find({"event": "comment.copied"}))
    assert (event["issueKey"], event["targetKey"], event["direction"], event["kind"], event["copyId"]) == (
        dev_key, user_key, "dev_to_user", "internal", copy.id)
    # The trace of either issue reads events by issue id: the copy is part of both stories.
    dev_id = str(pair.human.get_issue(dev_key, fields=["status"])["id"])
    user_id = str(pair.human.get_issue(user_key, fields=["status"])["id"])
    assert event["issueId"] == dev_id
    traced = [line.text for e in pair.store.events_of([user_id, dev_id]) for line in event_lines(e)]
    assert any("copied" in text for text in traced), traced
    summary = pair.sync()
    assert not any(key.startswith("comments.") for key in summary.counts), "nothing more to do"


def test_toUser_public_makes_public_replies(jira_sim, mongo_client, db_prefix, tmp_path):
    pair = make_pair(jira_sim, mongo_client, db_prefix, tmp_path, toUser="public")
    user_key, dev_key = accepted(pair)
    say(pair, dev_key, "Fixed in 2.1")
    pair.sync()
    [(copy, _)] = copies(pair, user_key)
    assert copy.jsd_public is True


def test_no_echo_copies_and_notices_are_never_copied_back(pair):
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "from the customer side")
    say(pair, dev_key, "from the developers")
    for _ in range(4):
        pair.sync()
        full_scan(pair)

    user_comments, dev_comments = comments(pair, user_key), comments(pair, dev_key)
    # user: the creation notice, the person's comment, one copy; dev: the person's and one copy
    assert len(user_comments) == 3 and len(dev_comments) == 2
    assert [type(v.marker) for v, _ in user_comments] == [CommentMarker, type(None), CopyMarker]
    assert sum(isinstance(v.marker, CopyMarker) for v, _ in dev_comments) == 1


def test_toDev_none_and_toUser_none_copy_nothing(jira_sim, mongo_client, db_prefix, tmp_path):
    pair = make_pair(jira_sim, mongo_client, db_prefix, tmp_path, toDev="none", toUser="none")
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "a")
    say(pair, dev_key, "b")
    pair.reset_requests()
    pair.sync()
    assert comment_reads(pair) == 0, "nothing goes either way: no comment list is read"
    assert copies(pair, user_key) == [] and copies(pair, dev_key) == []


def test_toDev_public_leaves_internal_notes_out_with_a_reason(jira_sim, mongo_client, db_prefix, tmp_path):
    pair = make_pair(jira_sim, mongo_client, db_prefix, tmp_path, toDev="public")
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "agents only", internal=True)
    say(pair, user_key, "dear customer")
    pair.sync()
    assert [text.splitlines()[-1] for _, text in copies(pair, dev_key)] == ["dear customer"]
    [skipped] = list(pair.store.db.events.find({"event": "comment.skipped"}))
    assert "internal" in skipped["reason"] and skipped["issueKey"] == user_key


def test_an_edit_and_a_delete_of_the_original_follow_even_when_updated_does_not_move(pair):
    user_key, dev_key = accepted(pair)
    comment_id = say(pair, user_key, "first words")
    pair.sync()
    [(copy, _)] = copies(pair, dev_key)

    edited = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "better words"}]}]}
    pair.human.update_comment(user_key, comment_id, edited)  # the simulator's default: `updated` stays
    pair.sync()
    assert "first words" in copies(pair, dev_key)[0][1], "not seen before the full scan"
    full_scan(pair)
    [(after, text)] = copies(pair, dev_key)
    assert after.id == copy.id and text.rstrip().endswith("better words")

    pair.human.delete_comment(user_key, comment_id)
    full_scan(pair)
    assert copies(pair, dev_key) == []
    assert pair.store.db.events.count_documents({"event": "comment.deleted"}) == 1


def test_restricted_comments_are_skipped_by_default(pair):
    user_key, dev_key = accepted(pair)
    say(pair, dev_key, "only for developers", visibility={"type": "role", "value": "Developers"})
    pair.sync()
    assert copies(pair, user_key) == []
    [skipped] = list(pair.store.db.events.find({"event": "comment.skipped"}))
    assert "restricted to role 'Developers'" in skipped["reason"]


def test_restricted_keep_copies_the_restriction_where_the_partner_has_it(jira_sim, mongo_client, db_prefix, tmp_path):
    pair = make_pair(jira_sim, mongo_client, db_prefix, tmp_path, restricted="keep")
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "admins only", visibility={"type": "role", "value": "Administrators"})
    say(pair, dev_key, "developers only", visibility={"type": "role", "value": "Developers"})
    pair.sync()

    [(copy, _)] = copies(pair, dev_key)
    assert copy.visibility is not None and copy.visibility.value == "Administrators"
    assert copies(pair, user_key) == [], "the service project has no Developers role"
    [skipped] = list(pair.store.db.events.find({"event": "comment.skipped"}))
    assert "Developers" in skipped["reason"] and skipped["issueKey"] == dev_key


def test_only_comments_written_after_comment_sync_was_enabled_are_copied(jira_sim, mongo_client, db_prefix, tmp_path):
    pair = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)  # no comments block yet
    pair.sync()
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "years of history")
    pair.sync()

    pair = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path, comments=DEFAULT_COMMENTS)
    pair.sync()  # enabled from here on
    full_scan(pair)
    assert copies(pair, dev_key) == []
    say(pair, user_key, "a new comment")
    pair.sync()
    assert [text.splitlines()[-1] for _, text in copies(pair, dev_key)] == ["a new comment"]


def test_a_created_dev_issue_brings_the_user_issues_comments_oldest_first(pair):
    user_key = pair.new_user_issue()
    say(pair, user_key, "one")
    say(pair, user_key, "two")
    pair.sync()  # no partner yet: nothing to copy to
    pair.move(user_key, "Will Do")
    pair.sync()
    dev_key = pair.dev_key(user_key)
    assert [text.splitlines()[-1] for _, text in copies(pair, dev_key)] == ["one", "two"]
    assert copies(pair, user_key) == [], "the creation notice is ours: never copied"


def test_a_crash_between_the_post_and_its_record_makes_no_duplicate(pair):
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "once only")
    # save_comment_copy: 1st call writes ahead, 2nd records the copy: die between post and record
    crashing = pair.new_engine(CrashingOnCallStore(pair.store.db, "save_comment_copy", 2, Crash(), fence=1))
    with pytest.raises(Crash):
        crashing.run_pass()
    assert len(copies(pair, dev_key)) == 1, "the copy reached Jira"

    pair.sync()  # a restarted worker
    pair.sync()
    full_scan(pair)
    assert len(copies(pair, dev_key)) == 1


def test_a_crash_after_the_change_was_recorded_leaves_the_comments_due(pair):
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "not lost")
    # die after the change was recorded as processed, before its comments were read
    crashing = pair.new_engine(CrashingOnCallStore(pair.store.db, "comments_due", 1, Crash(), fence=1))
    with pytest.raises(Crash):
        crashing.run_pass()
    pair.sync()
    assert len(copies(pair, dev_key)) == 1


def test_a_dropped_answer_to_the_post_makes_no_duplicate(pair):
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "said once")
    dev_id = pair.human.get_issue(dev_key, fields=["status"])["id"]
    # The POST of the copy to the Dev issue is made, and its answer lost.
    pair.admin("POST", "config", faults={"next_drops": 1, "path_contains": f"/issue/{dev_id}/comment",
                                         "drop_after_processing": True})
    summary = pair.engine.run_pass()
    pair.admin("POST", "config", faults={"next_drops": 0, "path_contains": "", "drop_after_processing": False})
    assert summary.counts.get("failed") == 1
    [failure] = pair.store.pending_failures()
    assert failure.kind is FailureKind.COMMENT

    pair.clock.advance(minutes=5)
    pair.sync()
    assert len(copies(pair, dev_key)) == 1
    assert pair.store.pending_failures() == []


def test_an_internal_copy_jira_makes_public_is_deleted_and_reported(pair):
    user_key, dev_key = accepted(pair)
    # A customer's comments are public whatever their property says: the worst case on a real site.
    pair.admin("PATCH", "projects/ABSUP", customers=[BOT.account_id])
    say(pair, dev_key, "internal talk")
    pair.sync()

    assert copies(pair, user_key) == [], "deleted at once"
    assert all(c["public"] is False or "internal talk" not in str(c["body"]) for c in request_comments(pair, user_key))
    [failure] = pair.store.pending_failures()
    assert failure.kind is FailureKind.COMMENT and "public" in (failure.last_error or "")


def test_a_deleted_partner_is_a_pending_failure_with_its_reason(pair):
    user_key, dev_key = accepted(pair)
    pair.human.delete_issue(dev_key)
    say(pair, user_key, "anyone there?")
    pair.sync()
    failures = [f for f in pair.store.pending_failures() if f.kind is FailureKind.COMMENT]
    assert len(failures) == 1 and "no longer exists" in (failures[0].last_error or "")


def test_an_idle_pass_reads_no_comments_and_a_changed_issue_costs_one_list(pair):
    user_key, dev_key = accepted(pair)
    pair.sync()
    pair.reset_requests()
    pair.sync()
    assert comment_reads(pair) == 0

    say(pair, user_key, "one change")
    pair.reset_requests()
    pair.sync()
    assert comment_reads(pair) == 1  # the User issue's list; the copy is posted without reading Dev's


def comment_reads(pair: SyncHarness) -> int:
    log = pair.admin("GET", "requests")["requests"]
    return sum(1 for r in log if r["method"] == "GET" and r["path"].endswith("/comment"))


def test_on_data_center_a_copy_is_wiki_markup_and_internal_by_its_property(jira_sim_dc, mongo_client, db_prefix,
                                                                          tmp_path):
    pair = SyncHarness(jira_sim_dc, mongo_client[f"{db_prefix}-ab"], tmp_path, deployment="datacenter",
                       comments=DEFAULT_COMMENTS)
    pair.admin("PATCH", "projects/ABSUP", projectType="service_desk")
    pair.sync()
    user_key, dev_key = accepted(pair)
    pair.human.post_comment(dev_key, "see *this*", {})
    pair.sync()
    [raw] = [c for c in pair.human.raw_comments(user_key) if isinstance(CommentView.parse(c).marker, CopyMarker)]
    assert raw["body"].startswith(f"Hannah Human wrote on [{dev_key}|") and raw["body"].endswith("\n\nsee *this*")
    assert CommentView.parse(raw).internal and "jsdPublic" not in raw
    [dto] = [c for c in request_comments(pair, user_key) if c["id"] == raw["id"]]
    assert dto["public"] is False


def test_outside_a_service_project_toUser_internal_copies_a_normal_comment(jira_sim, mongo_client, db_prefix,
                                                                         tmp_path):
    pair = make_pair(jira_sim, mongo_client, db_prefix, tmp_path, service_desk=False)
    user_key, dev_key = accepted(pair)
    say(pair, dev_key, "no customers here")
    pair.sync()
    [(copy, _)] = copies(pair, user_key)
    assert copy.jsd_public is True  # Jira's answer outside a service project: there is no internal
    assert pair.store.pending_failures() == []


def test_comment_sync_begins_by_jiras_clock_not_this_hosts(jira_sim, mongo_client, db_prefix, tmp_path):
    pair = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path, comments=DEFAULT_COMMENTS)
    pair.clock.advance(minutes=30)  # this host's clock runs half an hour ahead of Jira's
    pair.sync()
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "written after comment sync began")
    pair.sync()
    assert len(copies(pair, dev_key)) == 1


@pytest.mark.parametrize("status", [403, 413, 429])
def test_a_refused_copy_is_a_pending_failure_retried_until_it_is_made_once(pair, status):
    user_key, dev_key = accepted(pair)
    say(pair, user_key, "try again later")
    dev_id = pair.human.get_issue(dev_key, fields=["status"])["id"]
    pair.admin("POST", "config", faults={"next_errors": 100, "error_status": status,
                                         "path_contains": f"/issue/{dev_id}/comment"})
    pair.sync()
    [failure] = pair.store.pending_failures()
    assert failure.kind is FailureKind.COMMENT and failure.change.issue_key == user_key
    assert str(status) in (failure.last_error or "") and "copy comment" in (failure.last_error or "")

    pair.admin("POST", "config", faults={"next_errors": 0, "path_contains": ""})
    pair.sync()
    assert copies(pair, dev_key) == [] and len(pair.store.pending_failures()) == 1, "not due yet"
    pair.clock.advance(minutes=5)
    pair.sync()
    assert len(copies(pair, dev_key)) == 1
    assert pair.store.pending_failures() == []


def test_a_status_change_of_the_issue_does_not_supersede_its_comment_failure(pair):
    user_key, dev_key = accepted(pair)
    user_id = pair.human.get_issue(user_key, fields=["status"])["id"]
    pair.admin("POST", "config", faults={"next_errors": 100, "error_status": 403,
                                         "path_contains": f"/issue/{user_id}/comment"})
    say(pair, dev_key, "you will not see this yet")
    pair.sync()
    [failure] = [f for f in pair.store.pending_failures() if f.kind is FailureKind.COMMENT
                 and f.change.issue_key == dev_key]
    assert failure.attempts == 1

    pair.move(dev_key, "In Progress")  # a status change of the same issue, with actions
    pair.clock.advance(minutes=5)
    pair.sync()
    [failure] = [f for f in pair.store.pending_failures() if f.kind is FailureKind.COMMENT
                 and f.change.issue_key == dev_key]
    assert failure.attempts == 2, "kept (and tried again), not superseded by the status change"
    pair.admin("POST", "config", faults={"next_errors": 0, "path_contains": ""})


def test_a_file_the_original_embeds_is_copied_once_through_the_attachment_path(jira_sim_dc, mongo_client, db_prefix,
                                                                             tmp_path):
    pair = SyncHarness(jira_sim_dc, mongo_client[f"{db_prefix}-ab"], tmp_path, deployment="datacenter",
                       comments=DEFAULT_COMMENTS)
    pair.sync()
    user_key, dev_key = accepted(pair)
    pair.human.add_attachment(user_key, "screen.png", b"\x89PNG fake")
    pair.human.post_comment(user_key, "it looks like this: !screen.png|thumbnail!", {})
    pair.human.post_comment(user_key, "and again !screen.png!", {})
    pair.sync()

    assert [a["filename"] for a in pair.human.attachments(dev_key)] == ["screen.png"]
    bodies = [raw["body"] for raw in pair.human.raw_comments(dev_key)
              if isinstance(CommentView.parse(raw).marker, CopyMarker)]
    assert [body.split("\n\n", 1)[1] for body in bodies] == ["it looks like this: !screen.png|thumbnail!",
                                                              "and again !screen.png!"]
    pair.sync()
    full_scan(pair)
    assert len(pair.human.attachments(dev_key)) == 1

