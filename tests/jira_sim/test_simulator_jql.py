"""JQL subset parsing and date reading (pure; no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jira_sim.jql import Clause, JqlError, parse
from jira_sim.search import parse_date

NOW = datetime(2026, 11, 28, 9, 20, 31, tzinfo=UTC)


@pytest.mark.parametrize(("jql", "clauses", "order"), [
    ("project = ABSUP", [Clause("project", "=", ("ABSUP",))], ()),
    ('project in (A, "B") and status not in ("In Progress")',
     [Clause("project", "in", ("A", "B")), Clause("status", "not in", ("In Progress",))], ()),
    ("issuekey in (A-1,A-2) ORDER BY updated asc, key DESC",
     [Clause("key", "in", ("A-1", "A-2"))], (("updated", True), ("key", False))),
    ("updated >= '2026/11/28 16:20' AND created > -5m", [Clause("updated", ">=", ("2026/11/28 16:20",)),
                                                          Clause("created", ">", ("-5m",))], ()),
    ("", [], ()),
])
def test_parses_the_subset(jql, clauses, order):
    query = parse(jql)
    assert list(query.clauses) == clauses and query.order == order


@pytest.mark.parametrize("jql", [
    "project = A OR project = B", "labels = x", "status was Done", "project = A AND", "project in (A",
    "updated = -1d", "project >= A", "summary ~ x", "project = EMPTY", "key in (issueHistory())",
    "project = A ORDER updated", 'project = "unterminated',
])
def test_refuses_everything_else(jql):
    with pytest.raises(JqlError):
        parse(jql)


@pytest.mark.parametrize(("text", "zone", "expected_utc"), [
    ("2026/11/28 16:20", "Asia/Ho_Chi_Minh", datetime(2026, 11, 28, 9, 20, tzinfo=UTC)),
    ("2026-11-28 16:20", "America/Los_Angeles", datetime(2026, 11, 29, 0, 20, tzinfo=UTC)),
    ("2026-07-01 12:00", "America/Los_Angeles", datetime(2026, 7, 1, 19, 0, tzinfo=UTC)),
    ("2026/11/28", "UTC", datetime(2026, 11, 28, tzinfo=UTC)),
    ("-5m", "Asia/Ho_Chi_Minh", datetime(2026, 11, 28, 9, 15, 31, tzinfo=UTC)),
    ("-2h", "UTC", datetime(2026, 11, 28, 7, 20, 31, tzinfo=UTC)),
    ("-1d", "UTC", datetime(2026, 11, 27, 9, 20, 31, tzinfo=UTC)),
])
def test_dates_are_read_in_the_callers_zone(text, zone, expected_utc):
    assert parse_date(text, NOW, zone) == expected_utc


def test_bad_date_is_refused():
    with pytest.raises(JqlError):
        parse_date("28.11.2026", NOW, "UTC")
