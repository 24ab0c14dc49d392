"""The rule matcher: status matching, direction, priority order, enabled flag."""

from __future__ import annotations

import pytest

from app.config import Rule
from app.sync.rules import direction_fits, match_rule, rules_in_order, status_matches


def rule(rule_id: str, source_status: str, direction: str = "user_to_dev", **fields) -> Rule:
    target = "user" if direction == "dev_to_user" else "dev"
    return Rule.model_validate(
        {"id": rule_id, "sourceStatus": source_status, "targetProject": target,
         "syncDirection": direction, **fields}
    )


@pytest.mark.parametrize(
    ("pattern", "status", "matches"),
    [
        ("Will Do", "Will Do", True),
        ("will do", "Will Do", True),
        ("  Will Do ", "will do", True),
        ("Will Do", "  WILL DO\t", True),
        ("Will Do", "Will  Do", False),
        ("Will Do", "Will", False),
        ("*", "Anything At All", True),
        (" * ", "Done", True),
        ("In*", "In Progress", False),  # only a lone * is a wildcard, not a glob
    ],
)
def test_status_matching_is_trimmed_case_insensitive_with_lone_wildcard(pattern, status, matches):
    assert status_matches(pattern, status) is matches


@pytest.mark.parametrize(
    ("direction", "user_fits", "dev_fits"),
    [
        ("user_to_dev", True, False),
        ("dev_to_user", False, True),
        ("both", True, True),
        ("none", False, False),
    ],
)
def test_direction_fits_the_issue_side(direction, user_fits, dev_fits):
    assert direction_fits(direction, "user") is user_fits
    assert direction_fits(direction, "dev") is dev_fits


def test_lowest_priority_number_wins_regardless_of_file_order():
    rules = [rule("late", "Reopened", priority=9), rule("early", "Reopened", priority=2)]
    assert match_rule(rules, "Reopened", "user").id == "early"


def test_equal_priorities_keep_file_order():
    rules = [rule("first", "*", priority=5), rule("second", "Reopened", priority=5),
             rule("third", "Reopened", priority=5)]
    assert [r.id for r in rules_in_order(rules)] == ["first", "second", "third"]
    assert match_rule(rules, "Reopened", "user").id == "first"
    assert match_rule(list(reversed(rules)), "Reopened", "user").id == "third"


def test_default_priority_sorts_after_explicit_small_priorities():
    rules = [rule("defaulted", "*"), rule("explicit", "*", priority=99)]
    assert match_rule(rules, "To Do", "user").id == "explicit"


def test_disabled_rules_are_never_matched():
    rules = [rule("off", "Reopened", priority=1, enabled=False), rule("on", "Reopened", priority=2)]
    assert match_rule(rules, "Reopened", "user").id == "on"
    assert match_rule(rules[:1], "Reopened", "user") is None


def test_wildcard_rule_catches_what_specific_rules_leave():
    rules = [rule("specific", "Reopened", priority=1), rule("catch-all", "*", priority=2)]
    assert match_rule(rules, "reopened", "user").id == "specific"
    assert match_rule(rules, "Some Custom Status", "user").id == "catch-all"


def test_direction_decides_between_rules_for_the_same_status():
    rules = [rule("user-reopened", "Reopened", "user_to_dev", priority=2),
             rule("dev-reopened", "Reopened", "dev_to_user", priority=6)]
    assert match_rule(rules, "Reopened", "user").id == "user-reopened"
    assert match_rule(rules, "Reopened", "dev").id == "dev-reopened"


def test_direction_none_never_matches_even_with_best_priority():
    rules = [rule("silenced", "*", "none", priority=0), rule("both-ways", "*", "both", priority=1)]
    assert match_rule(rules, "Closed", "user").id == "both-ways"
    assert match_rule(rules, "Closed", "dev").id == "both-ways"
    assert match_rule(rules[:1], "Closed", "dev") is None


def test_no_rule_for_an_unknown_status():
    assert match_rule([rule("r", "Will Do")], "Done", "user") is None
    assert match_rule([], "Done", "user") is None
