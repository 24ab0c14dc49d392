"""What a pass tells people: the per-issue audit event and the progress of long passes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from app.sync.actions import Plan
from app.sync.audit import PROGRESS_EVERY_S, Progress, processed_event
from app.sync.model import Execution, IssueSnapshot, Mapping, StatusChange

ISSUE = IssueSnapshot("10", "ABDEV-3", "dev", "Closed", "done", datetime(2026, 1, 1, tzinfo=UTC), "Printer")
MAPPING = Mapping("7", "ABSUP-7", "10", "ABDEV-3")


def test_processed_event_names_issue_change_rule_actions_and_target():
    event = processed_event(
        StatusChange(ISSUE, "Done"), Plan("dev-closed", (), "rule applies"), MAPPING,
        Execution("done", ("transition", "comment"), MAPPING),
    )
    assert event == {
        "event": "issue.processed", "issueKey": "ABDEV-3", "issueId": "10", "projectType": "dev",
        "from": "Done", "to": "Closed", "ruleId": "dev-closed", "action": "transition,comment", "result": "done",
        "reason": "rule applies", "targetKey": "ABSUP-7", "mappingExists": True,
    }


def test_a_failed_change_carries_its_error_and_no_mapping_means_no_target():
    event = processed_event(StatusChange(ISSUE, None), Plan(None), None,
                            Execution("failed", ("transition",), error="HTTP 500"))
    assert (event["targetKey"], event["mappingExists"], event["error"], event["from"]) == (None, False, "HTTP 500", None)


def test_long_passes_report_n_of_total_and_the_rate(caplog):
    now = [100.0]
    progress = Progress(total=1000, monotonic=lambda: now[0], first_pass=True)
    caplog.set_level(logging.INFO, logger="app.sync.audit")
    step = 0.0625  # exact in binary: 160 issues per 10 s progress interval
    for _ in range(int(2 * PROGRESS_EVERY_S / step)):
        now[0] += step
        progress.tick()
    lines = [r for r in caplog.records if r.getMessage() == "pass progress"]
    assert [(r.processed, r.total, r.initial) for r in lines] == [(160, 1000, True), (320, 1000, True)]
    assert lines[0].rate_per_s == 16.0


def test_short_passes_stay_quiet(caplog):
    caplog.set_level(logging.INFO, logger="app.sync.audit")
    progress = Progress(total=3, monotonic=lambda: 5.0, first_pass=False)
    for _ in range(3):
        progress.tick()
    assert not [r for r in caplog.records if r.getMessage() == "pass progress"]
