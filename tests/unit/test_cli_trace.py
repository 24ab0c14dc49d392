"""`trace`'s own decisions (app.cli.trace): what --since accepts, and the answer for a key in no pair."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import pytest

from app.cli.trace import parse_since, trace_lines
from app.trace.reader import PairTrace, Trace

NOW = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "moment"), [
    ("3d", NOW - timedelta(days=3)),
    ("12h", NOW - timedelta(hours=12)),
    ("30m", NOW - timedelta(minutes=30)),
    ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
    ("2026-12-01T10:00:00+01:00", datetime(2026, 12, 1, 9, tzinfo=UTC)),
])
def test_since_is_a_date_an_instant_or_an_age(text, moment):
    assert parse_since(text, NOW) == moment


def test_since_that_is_neither_says_what_it_takes():
    with pytest.raises(argparse.ArgumentTypeError, match=r"--since 'last week': not an ISO date .* nor an age \(3d"):
        parse_since("last week", NOW)


def test_a_key_in_no_pair_and_a_key_never_seen_say_so():
    assert trace_lines(Trace("ZZZ-1"), {}) == [
        "ZZZ-1 belongs to no pair: no valid pair has project 'ZZZ', and no pair's records know the key"]
    unseen = Trace("ABSUP-9", (PairTrace("ab", "user", "ABSUP-9", seen=False),))
    assert trace_lines(unseen, {"ab": ["now in Jira: …"]}) == [
        "pair ab: ABSUP-9 [user]", "  the sync has never seen ABSUP-9 (no mapping, state or event in pair ab)",
        "  now in Jira: …"]
