"""The field planner and value normalisation (issue 20), table-driven: pure functions, no Jira."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.sync.field_plan import (
    Agree,
    FieldState,
    NeedTimes,
    Seen,
    Write,
    label_operations,
    needing_times,
    partners_to_read,
    plan_field,
)
from app.sync.field_values import FieldValue, field_value, write_form

T1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def text(value: str | None) -> FieldValue:
    return FieldValue("text", value)


A, B, C = text("a"), text("b"), text("c")


@pytest.mark.parametrize(("direction", "baseline", "user", "dev", "times", "expected"), [
    ("both", A, A, A, None, None),                                   # nothing changed
    ("both", A, B, B, None, Agree("summary", B)),                    # both became equal: baseline only
    ("both", None, A, A, None, Agree("summary", A)),                 # first sight, equal
    ("both", A, B, A, None, Write("summary", "user", B)),            # user changed
    ("both", A, A, B, None, Write("summary", "dev", B)),             # dev changed
    ("toDev", A, A, B, None, None),                                  # dev's change does not go back
    ("toUser", A, B, A, None, None),                                 # user's change does not go to dev
    ("none", A, B, A, None, None),
    ("toDev", A, B, C, None, Write("summary", "user", B)),           # one way: its source wins
    ("toUser", A, B, C, None, Write("summary", "dev", C)),
    ("toUser", None, B, text(None), None, None),                     # first sight, empty source: no clearing
    ("both", A, B, C, None, NeedTimes("summary")),                   # both changed: ask the changelogs
    ("both", None, B, C, None, NeedTimes("summary")),                # no baseline counts as both changed
    ("both", A, B, C, {"user": T1, "dev": T2}, Write("summary", "dev", C, lost=B, times=(T1, T2))),
    ("both", A, B, C, {"user": T2, "dev": T1}, Write("summary", "user", B, lost=C, times=(T2, T1))),
    ("both", A, B, C, {"user": None, "dev": T1}, Write("summary", "dev", C, lost=B, times=(None, T1))),
    ("both", A, B, C, {"user": None, "dev": None}, Write("summary", "user", B, lost=C, times=(None, None))),
])
def test_plan_field(direction, baseline, user, dev, times, expected):
    assert plan_field(FieldState("summary", direction, baseline, user, dev), times) == expected


@pytest.mark.parametrize(("name", "one", "other"), [
    ("labels", ["b", "a"], ["a", "b", "a"]),
    ("summary", "Printer on fire  ", "Printer on fire"),
    ("description", "Line one  \r\n\r\n\r\nLine two\n\nUser issue: https://x/browse/AB-1", "Line one\n\nLine two"),
    ("description", {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Words"}]}]}, "Words\n"),
    ("description", "Words\nUser Link: https://old/browse/AB-1", "Words"),
    ("assignee", {"accountId": "557058:1", "displayName": "Hannah"}, {"accountId": "557058:1"}),
    ("priority", {"name": "High", "id": "2"}, {"name": "High", "id": "99"}),
    ("components", [{"name": "UI", "id": "1"}, {"name": "API", "id": "2"}], [{"name": "API", "id": "7"},
                                                                              {"name": "UI", "id": "8"}]),
    ("customfield_1", {"value": "Red", "id": "10"}, {"value": "Red", "id": "20"}),
    ("customfield_2", [{"value": "b"}, {"value": "a"}], [{"value": "a"}, {"value": "b"}]),
    ("customfield_3", 3, 3.0),
    ("labels", [], None),
    ("summary", "", None),
])
def test_equal_facts_compare_equal(name, one, other):
    assert field_value(name, one).same(field_value(name, other))


@pytest.mark.parametrize(("name", "one", "other"), [
    ("labels", ["a"], ["a", "b"]),
    ("summary", "Printer", "printer"),
    ("priority", {"name": "High"}, {"name": "Low"}),
    ("customfield_1", {"value": "Red"}, {"value": "Blue"}),
])
def test_different_facts_differ(name, one, other):
    assert not field_value(name, one).same(field_value(name, other))


@pytest.mark.parametrize(("name", "raw", "deployment", "wire"), [
    ("priority", {"name": "High"}, "cloud", {"name": "High"}),
    ("labels", ["b", "a"], "cloud", ["a", "b"]),
    ("labels", [], "cloud", []),
    ("assignee", {"accountId": "557058:1"}, "cloud", {"accountId": "557058:1"}),
    ("assignee", {"name": "hannah"}, "datacenter", {"name": "hannah"}),
    ("assignee", None, "cloud", None),
    ("fixVersions", [{"name": "2.0", "id": "5"}], "cloud", [{"name": "2.0"}]),
    ("customfield_1", {"value": "Red", "id": "10"}, "cloud", {"value": "Red"}),
    ("duedate", "2027-01-15", "cloud", "2027-01-15"),
    ("customfield_2", {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "Steps"}]}]}, "cloud", {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Steps"}]}]}),
    ("customfield_2", "Steps", "datacenter", "Steps"),
])
def test_write_form(name, raw, deployment, wire):
    assert write_form(field_value(name, raw), deployment) == wire


def test_a_description_written_keeps_the_owned_lines_of_its_target():
    value = field_value("description", "New words\nUser issue: https://a/browse/AB-9")
    target = "Old words\n\nUser issue: https://a/browse/AB-1"
    assert write_form(value, "cloud", target) == "New words\n\nUser issue: https://a/browse/AB-1"


def labels(*names: str) -> FieldValue:
    return field_value("labels", list(names))


@pytest.mark.parametrize(("baseline", "source", "target", "expected"), [
    (labels("a", "b"), labels("a", "c"), labels("b", "a"), [{"add": "c"}, {"remove": "b"}]),  # only the source changed
    (None, labels("a"), labels(), None),                          # no baseline yet: set the whole list
    (labels("a"), labels("a", "b"), labels("x"), None),          # the target changed too: the plan's value is set
    (labels("a"), labels(), labels("a"), [{"remove": "a"}]),
])
def test_labels_from_the_one_side_that_changed_are_written_as_what_was_added_and_removed(baseline, source, target,
                                                                                        expected):
    assert label_operations(Write("labels", "user", source), baseline, target) == expected


def test_only_labels_are_written_as_operations():
    assert label_operations(Write("summary", "user", A), B, B) is None


def test_the_partners_read_are_those_of_issues_whose_searched_values_differ_from_their_baselines():
    names = ["summary", "labels"]
    baselines = {"summary": text("same"), "labels": labels("x")}
    seen = [Seen("1", {"summary": "same", "labels": ["x"]}, baselines),       # unchanged: not read
            Seen("2", {"summary": "new", "labels": ["x"]}, baselines),
            Seen("3", {"summary": "same"}, baselines),                        # a field the search lacked
            Seen("2", {"summary": "newer", "labels": ["x"]}, baselines),      # each partner once
            Seen("4", {"summary": "same", "labels": ["x"]}, {})]              # no baseline yet
    assert partners_to_read(names, seen) == ["2", "3", "4"]
    assert partners_to_read([], seen) == []


def test_change_times_are_needed_only_for_fields_both_sides_changed_differently():
    states = [FieldState("summary", "both", A, B, C), FieldState("labels", "both", labels("a"), labels("b"), labels("a")),
              FieldState("priority", "toDev", A, B, C)]
    assert needing_times(states) == frozenset({"summary"})


def test_only_a_custom_field_name_no_other_field_shares_tells_a_data_center_changelog_item_apart():
    from app.sync.field_sync import unique_names

    names = {"summary": "Summary", "customfield_1": "Ticket", "customfield_2": "Team", "customfield_3": "Team",
             "customfield_4": "Summary"}
    assert unique_names(names) == {"customfield_1": "Ticket"}
