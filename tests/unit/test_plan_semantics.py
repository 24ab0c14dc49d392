"""Planner semantics beyond the default workflow: conditions, defaults, fallbacks, config errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.config import PairConfig
from app.sync.actions import AddComment, CopyAttachments, CreateDevIssue, LinkIssues, TransitionPartner
from app.sync.model import IssueSnapshot, Mapping, StatusChange
from app.sync.plan import plan

MAPPING = Mapping(user_id="1", user_key="SUP-1", dev_id="2", dev_key="DEV-1")
REOPEN_DEV = {"id": "reopen-dev", "sourceStatus": "Reopened", "targetProject": "dev",
              "syncDirection": "user_to_dev", "actions": {"syncStatus": True, "targetStatus": "Reopened"}}
CREATE = {"id": "create", "sourceStatus": "Will Do", "targetProject": "dev", "syncDirection": "user_to_dev",
          "conditions": {"requireMapping": False}, "actions": {"createIssue": True}}


def pair(*rules: dict, **behavior) -> PairConfig:
    return PairConfig.model_validate({
        "name": "sync-test",
        "jira": {"baseUrl": "https://jira.example.test/", "email": "bot@example.test", "apiToken": "t"},
        "userProjectKey": "SUP", "devProjectKey": "DEV", "devIssueType": "Task",
        "defaultBehavior": behavior, "rules": list(rules),
    })


def with_(base: dict, **changes) -> dict:
    """A copy of a rule dict with top-level keys replaced (conditions/actions merged)."""
    merged = dict(base)
    for key, value in changes.items():
        merged[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
    return merged


def change(side: str, before: str | None, after: str, **issue_fields) -> StatusChange:
    issue = IssueSnapshot(
        id="1" if side == "user" else "2", key="SUP-1" if side == "user" else "DEV-1", side=side,
        status=after, status_category="indeterminate",
        updated=datetime(2024, 1, 1, tzinfo=UTC), summary="Crash", **issue_fields,
    )
    return StatusChange(issue, before)


# --- onStatusChange ---------------------------------------------------------------------------

def test_first_sighting_with_mapping_does_nothing_by_default():
    result = plan(change("user", None, "Reopened"), MAPPING, pair(REOPEN_DEV))
    assert result.actions == ()
    assert result.rule_id == "reopen-dev"
    assert "first sighting" in result.reason


def test_rule_on_status_change_false_fires_on_any_sighting():
    config = pair(with_(REOPEN_DEV, conditions={"onStatusChange": False}))
    for before in (None, "Reopened", "reopened "):
        assert plan(change("user", before, "Reopened"), MAPPING, config).actions == (
            TransitionPartner("dev", "Reopened"),)


def test_default_only_on_status_change_false_applies_when_rule_is_silent():
    config = pair(REOPEN_DEV, onlyOnStatusChange=False)
    assert plan(change("user", "Reopened", "Reopened"), MAPPING, config).actions == (
        TransitionPartner("dev", "Reopened"),)


def test_rule_on_status_change_true_overrides_a_permissive_default():
    config = pair(with_(REOPEN_DEV, conditions={"onStatusChange": True}), onlyOnStatusChange=False)
    result = plan(change("user", "Reopened", "Reopened"), MAPPING, config)
    assert result.actions == ()
    assert "status unchanged" in result.reason


def test_status_change_that_only_differs_in_case_is_not_a_change():
    assert plan(change("user", " reopened", "Reopened"), MAPPING, pair(REOPEN_DEV)).actions == ()


# --- requireMapping and createIssue -------------------------------------------------------------

def test_require_mapping_true_blocks_a_rule_without_mapping_and_does_not_fall_through():
    catch_all = {"id": "catch-all", "sourceStatus": "*", "targetProject": "dev", "syncDirection": "user_to_dev",
                 "priority": 200, "conditions": {"requireMapping": False}, "actions": {"createIssue": True}}
    result = plan(change("user", "Closed", "Reopened"), None, pair(REOPEN_DEV, catch_all))
    assert (result.rule_id, result.actions) == ("reopen-dev", ())
    assert "requires a mapping" in result.reason


def test_create_rule_that_requires_a_mapping_never_creates():
    config = pair(with_(CREATE, conditions={"requireMapping": True}))
    assert plan(change("user", "To Do", "Will Do"), None, config).actions == ()


def test_require_mapping_false_without_create_has_nothing_to_act_on():
    config = pair(with_(REOPEN_DEV, conditions={"requireMapping": False}))
    result = plan(change("user", "Closed", "Reopened"), None, config)
    assert result.actions == ()
    assert "no mapping" in result.reason


def test_create_rule_with_mapping_keeps_only_its_status_sync():
    config = pair(with_(CREATE, actions={"syncStatus": True, "targetStatus": "To Do", "addCrossLink": True,
                                         "addComment": True, "commentTemplate": "created ${targetKey}"}))
    result = plan(change("user", "To Do", "Will Do"), MAPPING, config, partner_status="Closed")
    assert result.actions == (TransitionPartner("dev", "To Do"),)
    assert "not created again" in result.reason


def test_create_rule_without_mapping_and_unchanged_status_waits_for_a_change():
    result = plan(change("user", "Will Do", "Will Do"), None, pair(CREATE))
    assert result.actions == ()


def test_create_rule_with_on_status_change_false_creates_on_a_resighting():
    config = pair(with_(CREATE, conditions={"onStatusChange": False}))
    actions = plan(change("user", "Will Do", "Will Do"), None, config).actions
    assert isinstance(actions[0], CreateDevIssue)


def test_create_issue_on_a_dev_issue_is_ignored():
    dev_create = {"id": "dev-create", "sourceStatus": "*", "targetProject": "user", "syncDirection": "dev_to_user",
                  "conditions": {"requireMapping": False}, "actions": {"createIssue": True}}
    assert plan(change("dev", "To Do", "In Progress"), None, pair(dev_create)).actions == ()


def test_create_with_sync_status_transitions_the_new_issue_and_names_it_in_the_comment():
    config = pair(with_(CREATE, actions={"syncStatus": True, "targetStatus": "In Progress", "addComment": True,
                                         "commentTemplate": "${targetKey} is ${targetStatus}"}))
    actions = plan(change("user", "To Do", "Will Do"), None, config).actions
    assert actions[1] == TransitionPartner("dev", "In Progress")
    assert actions[-1].text(target_key="DEV-9") == "DEV-9 is In Progress"


def test_created_issue_takes_type_summary_priority_and_the_issue_url():
    url = "https://jira.example.test/browse/SUP-1"
    issue_change = change("user", "To Do", "Will Do", priority="Low", description=None, url=url)
    create = plan(issue_change, None, pair(CREATE)).actions[0]
    assert (create.issue_type, create.summary, create.priority, create.project_key) == ("Task", "Crash", "Low", "DEV")
    assert create.description == f"User issue: {url}"


def test_without_add_cross_links_the_created_description_has_no_link_line():
    create = plan(change("user", "To Do", "Will Do", description="Body"), None, pair(CREATE, addCrossLinks=False))
    assert create.actions[0].description == "Body"


# --- attachments, links, comments ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("rule_value", "default", "copies"),
    [(None, True, True), (None, False, False), (False, True, False), (True, False, True)],
)
def test_attachments_on_creation_follow_rule_else_default(rule_value, default, copies):
    rule = with_(CREATE, actions={} if rule_value is None else {"syncAttachments": rule_value})
    actions = plan(change("user", "To Do", "Will Do"), None, pair(rule, syncAttachments=default)).actions
    assert (CopyAttachments("user", "dev") in actions) is copies


@pytest.mark.parametrize(("rule_value", "copies"), [(None, False), (True, True), (False, False)])
def test_attachments_without_creation_only_when_the_rule_asks(rule_value, copies):
    rule = with_(REOPEN_DEV, actions={} if rule_value is None else {"syncAttachments": rule_value})
    actions = plan(change("user", "Closed", "Reopened"), MAPPING, pair(rule, syncAttachments=True)).actions
    assert (CopyAttachments("user", "dev") in actions) is copies


@pytest.mark.parametrize("add_cross_links", [True, False])
def test_cross_link_on_existing_pair_is_an_issue_link_only(add_cross_links):
    config = pair(with_(REOPEN_DEV, actions={"addCrossLink": True}), addCrossLinks=add_cross_links)
    actions = plan(change("user", "Closed", "Reopened"), MAPPING, config).actions
    assert LinkIssues() in actions


def test_add_comment_without_template_posts_nothing():
    config = pair(with_(REOPEN_DEV, actions={"addComment": True, "commentTemplate": "  "}))
    actions = plan(change("user", "Closed", "Reopened"), MAPPING, config).actions
    assert not any(isinstance(action, AddComment) for action in actions)


def test_comment_goes_to_the_rule_target_with_every_placeholder_filled():
    # ${LITERAL}: what the loader leaves of an escaped $${LITERAL}; any other unknown name is a config error.
    template = "${sourceKey} ${sourceStatus} ${sourceUrl} -> ${targetKey} ${targetStatus} ${targetUrl} ${LITERAL}"
    config = pair(with_(REOPEN_DEV, actions={"addComment": True, "commentTemplate": template}))
    comment = plan(change("user", "Closed", "Reopened"), MAPPING, config).actions[-1]
    assert comment.side == "dev"
    assert comment.text() == (
        "SUP-1 Reopened https://jira.example.test/browse/SUP-1 -> "
        "DEV-1 Reopened https://jira.example.test/browse/DEV-1 ${LITERAL}"
    )


# --- target status, partner status, config errors, both ----------------------------------------

def test_target_status_prefers_actions_then_rule_then_mirrors_the_source():
    base = {"id": "r", "sourceStatus": "*", "targetProject": "dev", "syncDirection": "user_to_dev",
            "actions": {"syncStatus": True}}
    cases = [
        (with_(base, targetStatus="From Rule", actions={"targetStatus": "From Actions"}), "From Actions"),
        (with_(base, targetStatus="From Rule"), "From Rule"),
        (base, "Blocked"),
    ]
    for rule, expected in cases:
        actions = plan(change("user", "To Do", "Blocked"), MAPPING, pair(rule)).actions
        assert actions == (TransitionPartner("dev", expected),)


@pytest.mark.parametrize("partner", ["Reopened", "  reopened ", "REOPENED"])
def test_no_transition_when_partner_already_in_target_status(partner):
    result = plan(change("user", "Closed", "Reopened"), MAPPING, pair(REOPEN_DEV), partner_status=partner)
    assert result.actions == ()
    assert "partner already in" in result.reason


def test_rule_targeting_its_own_side_is_a_config_error():
    wrong = with_(REOPEN_DEV, targetProject="user")
    result = plan(change("user", "Closed", "Reopened"), MAPPING, pair(wrong))
    assert (result.rule_id, result.actions) == ("reopen-dev", ())
    assert result.reason.startswith("config error")


@pytest.mark.parametrize(("side", "partner_side"), [("user", "dev"), ("dev", "user")])
def test_both_direction_rule_targets_the_partner_of_either_side(side, partner_side):
    both = {"id": "both-cancel", "sourceStatus": "Cancelled", "targetProject": "dev", "syncDirection": "both",
            "actions": {"syncStatus": True}}
    result = plan(change(side, "To Do", "Cancelled"), MAPPING, pair(both))
    assert result.actions == (TransitionPartner(partner_side, "Cancelled"),)


# --- no rule: skip intermediate and fallback behaviours -----------------------------------------

@pytest.mark.parametrize(
    ("fallback", "expected"),
    [("ignore", ()),
     ("default_to_closed", (TransitionPartner("user", "Closed"),)),
     ("sync_to_resolved", (TransitionPartner("user", "Resolved"),))],
)
def test_fallback_applies_when_no_rule_matches_and_skipping_is_off(fallback, expected):
    config = pair(REOPEN_DEV, skipIntermediateStatuses=False, fallbackBehavior=fallback)
    result = plan(change("dev", "In Progress", "Done"), MAPPING, config, partner_status="In Progress")
    assert (result.rule_id, result.actions) == (None, expected)
    assert f"fallback {fallback}" in result.reason


def test_skip_intermediate_wins_over_fallback():
    config = pair(REOPEN_DEV, skipIntermediateStatuses=True, fallbackBehavior="default_to_closed")
    result = plan(change("dev", "In Progress", "Done"), MAPPING, config)
    assert result == result.__class__(None, (), "no rule; intermediate status skipped")


@pytest.mark.parametrize(
    ("before", "mapping", "partner"),
    [("In Progress", None, None), (None, MAPPING, None), ("Done", MAPPING, None), ("In Progress", MAPPING, "closed")],
    ids=["no-mapping", "first-sighting", "unchanged", "partner-already-closed"],
)
def test_fallback_does_not_fire(before, mapping, partner):
    config = pair(REOPEN_DEV, skipIntermediateStatuses=False, fallbackBehavior="default_to_closed")
    assert plan(change("dev", before, "Done"), mapping, config, partner_status=partner).actions == ()


# --- properties --------------------------------------------------------------------------------

STATUSES = st.sampled_from(["To Do", "Will Do", "In Progress", "Done", "Closed", "Reopened", "Cancelled", "x"])
SIDES = st.sampled_from(["user", "dev"])
RULES = st.lists(
    st.fixed_dictionaries({
        "sourceStatus": st.one_of(STATUSES, st.just("*")),
        "targetProject": SIDES,
        "syncDirection": st.sampled_from(["user_to_dev", "dev_to_user", "both", "none"]),
        "priority": st.integers(0, 3),
        "enabled": st.booleans(),
        "conditions": st.fixed_dictionaries({"requireMapping": st.booleans(),
                                             "onStatusChange": st.one_of(st.none(), st.booleans())}),
        "actions": st.fixed_dictionaries({"createIssue": st.booleans(), "syncStatus": st.booleans(),
                                          "addCrossLink": st.booleans(), "addComment": st.booleans(),
                                          "commentTemplate": st.just("${sourceKey}")}),
    }),
    min_size=1, max_size=5,
)
SCENARIO = st.tuples(RULES, SIDES, st.one_of(st.none(), STATUSES), STATUSES, st.booleans(),
                     st.one_of(st.none(), STATUSES), st.booleans(),
                     st.sampled_from(["ignore", "default_to_closed", "sync_to_resolved"]))


def build(rules, side, before, after, mapped, skip, fallback):
    numbered = [{"id": f"r{index}", **rule} for index, rule in enumerate(rules)]
    config = pair(*numbered, skipIntermediateStatuses=skip, fallbackBehavior=fallback)
    return change(side, before, after), (MAPPING if mapped else None), config


@given(SCENARIO)
def test_plan_is_deterministic_and_acts_only_on_the_partner(scenario):
    rules, side, before, after, mapped, partner, skip, fallback = scenario
    status_change, mapping, config = build(rules, side, before, after, mapped, skip, fallback)
    first = plan(status_change, mapping, config, partner)
    assert plan(status_change, mapping, config, partner) == first
    for action in first.actions:
        if isinstance(action, TransitionPartner):
            assert action.side != side
        if isinstance(action, CreateDevIssue):
            assert side == "user" and mapping is None


@given(SCENARIO)
def test_direction_none_rules_never_produce_actions(scenario):
    rules, side, before, after, mapped, partner, _, _ = scenario
    silenced = [{**rule, "syncDirection": "none"} for rule in rules]
    status_change, mapping, config = build(silenced, side, before, after, mapped, True, "ignore")
    result = plan(status_change, mapping, config, partner)
    assert (result.rule_id, result.actions) == (None, ())
