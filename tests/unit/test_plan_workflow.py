"""docs/WORKFLOW.md as a table: the original sync-ab.json rules (tests/data) decide every row.

Each row: the side whose issue moved, `from -> to` (None = first sighting), whether the pair
is mapped, the partner's current status -> the rule that decides and the actions, in order.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.config import PairConfig, load_pair
from app.sync.actions import AddComment, CopyAttachments, CreateDevIssue, LinkIssues, TransitionPartner
from app.sync.model import IssueSnapshot, Mapping, StatusChange
from app.sync.plan import plan
from testbed.original import ORIGINAL_SYNC_AB_PATH

BASE_URL = "https://team-a.atlassian.net"
MAPPING = Mapping(user_id="10001", user_key="ABSUP-1", dev_id="20001", dev_key="ABDEV-1")
CREATED_KEY = "ABDEV-7"  # what Jira answers when the engine creates the Dev issue


@pytest.fixture(scope="module")
def sync_ab() -> PairConfig:
    return load_pair(ORIGINAL_SYNC_AB_PATH, environ={"JIRA_AB_TOKEN": "x"})


def change(side: str, before: str | None, after: str) -> StatusChange:
    key, issue_id = (MAPPING.user_key, "10001") if side == "user" else (MAPPING.dev_key, "20001")
    issue = IssueSnapshot(
        id=issue_id, key=key, side=side, status=after, status_category="indeterminate",
        updated=datetime(2024, 5, 1, 9, 30, tzinfo=UTC), summary="Login fails",
        description="Steps: open the app.", priority="High",
    )
    return StatusChange(issue=issue, previous_status=before)


def describe(action) -> str:
    """One readable line per action; comments rendered as the engine would after creation."""
    match action:
        case CreateDevIssue():
            return f"create {action.project_key} {action.issue_type}"
        case TransitionPartner():
            return f"transition {action.side} to {action.target_status}"
        case CopyAttachments():
            return f"copy attachments {action.from_side} to {action.to_side}"
        case LinkIssues():
            return "link issues"
        case AddComment():
            created = CREATED_KEY if action.context.target_key is None else None
            return f"comment on {action.side}: {action.text(target_key=created)}"
    raise AssertionError(f"unknown action {action!r}")


WORKFLOW = [
    # --- a User issue reaches Will Do and has no Dev issue: create, link, comment on the User issue
    pytest.param("user", "To Do", "Will Do", False, None, "user-will-do",
                 ["create ABDEV Bug", "copy attachments user to dev", "link issues",
                  "comment on user: Dev issue created: ABDEV-7"], id="user-will-do-creates"),
    pytest.param("user", None, "Will Do", False, None, "user-will-do",
                 ["create ABDEV Bug", "copy attachments user to dev", "link issues",
                  "comment on user: Dev issue created: ABDEV-7"], id="initial-sync-will-do-creates"),
    pytest.param("user", "In Progress", "Will Do", True, "In Progress", "user-will-do", [],
                 id="will-do-again-with-dev-issue-creates-nothing"),
    # --- a User issue is Reopened: the Dev issue goes to Reopened
    pytest.param("user", "Closed", "Reopened", True, "Closed", "user-reopened",
                 ["transition dev to Reopened"], id="user-reopened"),
    pytest.param("user", "Resolved", "Reopened", True, "reopened", "user-reopened", [],
                 id="user-reopened-dev-already-reopened"),
    pytest.param("user", "Closed", "Reopened", False, None, "user-reopened", [],
                 id="user-reopened-without-dev-issue"),
    # --- a Dev issue goes to In Progress: its User issue goes to In Progress
    pytest.param("dev", "To Do", "In Progress", True, "Will Do", "dev-in-progress",
                 ["transition user to In Progress"], id="dev-in-progress"),
    pytest.param("dev", "Reopened", "In Progress", True, "In Progress", "dev-in-progress", [],
                 id="dev-in-progress-user-already-there"),
    # --- a Dev issue is Closed: User Resolved, comment "Fixed in DEV-n"
    pytest.param("dev", "Done", "Closed", True, "In Progress", "dev-closed",
                 ["transition user to Resolved", "link issues",
                  "comment on user: Fixed in ABDEV-1"], id="dev-closed"),
    # --- a Dev issue is Cancelled: its User issue is Cancelled
    pytest.param("dev", "To Do", "Cancelled", True, "Will Do", "dev-cancelled",
                 ["transition user to Cancelled"], id="dev-cancelled"),
    # --- a Dev issue is Reopened: its User issue is Reopened, with a comment
    pytest.param("dev", "Closed", "Reopened", True, "Resolved", "dev-reopened",
                 ["transition user to Reopened",
                  "comment on user: ABDEV-1 was reopened and needs more work"], id="dev-reopened"),
    # --- Dev Done is intermediate (skipIntermediateStatuses): nothing
    pytest.param("dev", "In Progress", "Done", True, "In Progress", None, [], id="dev-done-skipped"),
    # --- statuses no rule covers change nothing (including the sync's own moves of the User issue)
    pytest.param("user", "Will Do", "In Progress", True, "In Progress", None, [], id="user-in-progress"),
    pytest.param("user", "In Progress", "Resolved", True, "Closed", None, [], id="user-resolved"),
    pytest.param("user", "To Do", "Cancelled", False, None, None, [], id="user-cancelled"),
    # --- a first sighting is a baseline, not a change
    pytest.param("dev", None, "In Progress", True, "In Progress", "dev-in-progress", [],
                 id="first-sighting-dev-in-progress"),
    pytest.param("dev", None, "Closed", True, "Resolved", "dev-closed", [], id="first-sighting-dev-closed"),
    pytest.param("user", None, "Reopened", True, "Closed", "user-reopened", [],
                 id="first-sighting-user-reopened"),
    # --- a re-seen issue whose status did not change (e.g. only its summary was edited)
    pytest.param("dev", "Closed", "Closed", True, "In Progress", "dev-closed", [], id="dev-closed-unchanged"),
    pytest.param("user", "Will Do", "Will Do", False, None, "user-will-do", [],
                 id="will-do-unchanged-without-mapping"),
]


@pytest.mark.parametrize(("side", "before", "after", "mapped", "partner", "rule_id", "expected"), WORKFLOW)
def test_workflow(sync_ab, side, before, after, mapped, partner, rule_id, expected):
    result = plan(change(side, before, after), MAPPING if mapped else None, sync_ab, partner)

    assert result.rule_id == rule_id
    assert [describe(action) for action in result.actions] == expected
    assert result.reason


def test_dev_done_reason_says_intermediate_status_skipped(sync_ab):
    result = plan(change("dev", "In Progress", "Done"), MAPPING, sync_ab, "In Progress")
    assert result.reason == "no rule; intermediate status skipped"


def test_created_dev_issue_carries_summary_priority_type_and_link_back(sync_ab):
    result = plan(change("user", "To Do", "Will Do"), None, sync_ab)

    create = result.actions[0]
    user_url = f"{BASE_URL}/browse/ABSUP-1"
    assert create == CreateDevIssue(
        user_issue_id="10001", user_issue_key="ABSUP-1", project_key="ABDEV", issue_type="Bug",
        summary="Login fails", description=f"Steps: open the app.\n\nUser issue: {user_url}",
        priority="High", user_status="Will Do",
    )


def test_comment_after_creation_knows_the_source_and_the_new_target(sync_ab):
    comment = plan(change("user", "To Do", "Will Do"), None, sync_ab).actions[-1]
    assert isinstance(comment, AddComment)
    assert comment.context.source_key == "ABSUP-1"
    assert comment.context.target_key is None
    rendered = comment.text(target_key="ABDEV-7", target_url=f"{BASE_URL}/browse/ABDEV-7")
    assert rendered == "Dev issue created: ABDEV-7"


def test_dev_closed_comment_context_points_at_both_issues(sync_ab):
    comment = plan(change("dev", "Done", "Closed"), MAPPING, sync_ab, "In Progress").actions[-1]
    assert comment.context.source_url == f"{BASE_URL}/browse/ABDEV-1"
    assert comment.context.target_key == "ABSUP-1"
    assert comment.context.target_url == f"{BASE_URL}/browse/ABSUP-1"
    assert comment.context.target_status == "Resolved"
