"""app.config.lint: the problems that do not stop a pair, as tables over plain configs."""

from __future__ import annotations

import pytest

from app.config import PairConfig
from app.config.lint import literal_token, rule_conflicts, status_problems

STATUSES = {"SUP": {"To Do", "Will Do", "Resolved", "Reopened"}, "DEV": {"To Do", "In Progress", "Closed"}}


def rule(rule_id: str, source: str, direction: str, target: str, priority: int = 100, **extra) -> dict:
    return {"id": rule_id, "sourceStatus": source, "syncDirection": direction, "targetProject": target,
            "priority": priority, **extra}


def pair(*rules: dict) -> PairConfig:
    return PairConfig.model_validate({
        "name": "sync-ab", "jira": {"baseUrl": "https://j.example", "email": "bot@j.example", "apiToken": "t"},
        "userProjectKey": "SUP", "devProjectKey": "DEV", "rules": list(rules)})


CLOSE = {"actions": {"syncStatus": True, "targetStatus": "Closed"}}
RESOLVE = {"actions": {"syncStatus": True, "targetStatus": "Resolved"}}


@pytest.mark.parametrize(("rules", "shadowed"), [
    pytest.param([rule("a", "Done", "user_to_dev", "dev", **CLOSE), rule("b", "done ", "user_to_dev", "dev", **RESOLVE)],
                 [(("rules", 1, "priority"), "'b'", "rules[0] ('a')")], id="same status as compared, priority, direction"),
    pytest.param([rule("a", "Done", "user_to_dev", "dev", **CLOSE), rule("b", "Done", "both", "dev", **RESOLVE)],
                 [(("rules", 1, "priority"), "'b'", "rules[0] ('a')")], id="both overlaps user_to_dev"),
    pytest.param([rule("a", "Done", "user_to_dev", "dev", **CLOSE), rule("b", "Done", "dev_to_user", "user", **RESOLVE)],
                 [], id="other direction: both fire"),
    pytest.param([rule("a", "Done", "user_to_dev", "dev", 1, **CLOSE), rule("b", "Done", "user_to_dev", "dev", 2, **RESOLVE)],
                 [], id="priorities order them: the second is a fallback"),
    pytest.param([rule("a", "Done", "user_to_dev", "dev", **CLOSE), rule("b", "Done", "user_to_dev", "dev", **CLOSE)],
                 [], id="same target: a duplicate, not a conflict"),
    pytest.param([rule("a", "Done", "user_to_dev", "dev", enabled=False, **CLOSE),
                  rule("b", "Done", "user_to_dev", "dev", **RESOLVE)], [], id="a disabled rule shadows nothing"),
    pytest.param([rule("a", "*", "user_to_dev", "dev", **CLOSE), rule("b", "*", "user_to_dev", "dev", **RESOLVE),
                  rule("c", "*", "user_to_dev", "dev", actions={"syncStatus": True})],
                 [(("rules", 1, "priority"), "'b'", "rules[0] ('a')"), (("rules", 2, "priority"), "'c'", "rules[0] ('a')")],
                 id="each shadowed rule once, against the first"),
])
def test_rule_conflicts(rules, shadowed):
    problems = rule_conflicts(pair(*rules))

    assert [loc for loc, _ in problems] == [loc for loc, _, _ in shadowed]
    for (_, message), (_, name, earlier) in zip(problems, shadowed, strict=True):
        assert f"rule {name} never fires" in message and earlier in message and "another priority" in message


@pytest.mark.parametrize(("rules", "expected"), [
    pytest.param([rule("a", "Will Do", "user_to_dev", "dev", **CLOSE)], [], id="statuses exist"),
    pytest.param([rule("a", "wil do", "user_to_dev", "dev")],
                 [(("rules", 0, "sourceStatus"), "'wil do' is not a status of project SUP, so rule 'a' never fires")],
                 id="source missing on its side"),
    pytest.param([rule("a", "will do", "user_to_dev", "dev", **CLOSE)], [], id="statuses compare trimmed, any case"),
    pytest.param([rule("a", "Will Do", "user_to_dev", "dev", **RESOLVE)],
                 [(("rules", 0, "actions", "targetStatus"),
                   "'Resolved' is not a status of project DEV, so rule 'a' cannot move the partner there")],
                 id="target missing in the target project"),
    pytest.param([rule("a", "Will Do", "user_to_dev", "dev", targetStatus="Done", actions={"syncStatus": True})],
                 [(("rules", 0, "targetStatus"), "'Done' is not a status of project DEV, so rule 'a' cannot move the "
                                                 "partner there")], id="the rule's own targetStatus"),
    pytest.param([rule("a", "Will Do", "user_to_dev", "dev", targetStatus="Nope")], [], id="no syncStatus: no target"),
    pytest.param([rule("a", "In Progress", "both", "dev")], [], id="both: a source on either side fires"),
    pytest.param([rule("a", "Gone", "both", "dev")],
                 [(("rules", 0, "sourceStatus"), "'Gone' is not a status of project SUP, DEV, so rule 'a' never fires")],
                 id="both: missing everywhere"),
    pytest.param([rule("a", "Reopened", "both", "dev", actions={"syncStatus": True, "targetStatus": "Reopened"})],
                 [(("rules", 0, "actions", "targetStatus"),
                   "'Reopened' is not a status of project DEV, so rule 'a' cannot move the partner there")],
                 id="both: the target is needed on each partner side"),
    pytest.param([rule("a", "*", "user_to_dev", "dev"), rule("b", "Gone", "none", "dev"),
                  rule("c", "Gone", "user_to_dev", "dev", enabled=False)], [], id="wildcard, none and disabled"),
])
def test_status_problems(rules, expected):
    assert status_problems(pair(*rules), STATUSES) == expected


def test_a_project_whose_statuses_are_unknown_is_not_judged():
    assert status_problems(pair(rule("a", "Gone", "user_to_dev", "dev")), {"DEV": STATUSES["DEV"]}) == []


@pytest.mark.parametrize(("token", "warned"), [
    ("tok-literal-123", True), ("${JIRA_AB_TOKEN}", False), ("prefix-${JIRA_AB_TOKEN}", False), ("$${X}", True),
    ("", False), (None, False),
])
def test_literal_token(token, warned):
    problem = literal_token({"jira": {"apiToken": token}}, "sync-ab")

    assert (problem is not None) is warned
    if problem:
        loc, message = problem
        assert loc == ("jira", "apiToken") and "${JIRA_AB_TOKEN}" in message
        assert str(token) not in message
