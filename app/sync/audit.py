"""What a pass tells people: one `issue.processed` event per issue, and progress of long passes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.leases.store import Lease
from app.sync.actions import Plan
from app.sync.creation import CreationRecord
from app.sync.model import Execution, IssueSnapshot, Mapping, StatusChange, other_side

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 10.0


def processed_event(change: StatusChange, decided: Plan, mapping: Mapping | None, execution: Execution) -> dict[str, Any]:
    """The audit record of one processed issue (logged and stored in `events`); pure.

    `mapping` is the one the plan saw; `execution` says what carrying the plan out did.
    """
    issue = change.issue
    final_mapping = execution.mapping or mapping
    event = {
        "event": "issue.processed",
        "issueKey": issue.key,
        "issueId": issue.id,
        "projectType": issue.side,
        "from": change.previous_status,
        "to": issue.status,
        "ruleId": decided.rule_id,
        "action": ",".join(execution.actions_done) or "none",
        "result": execution.result,
        "reason": decided.reason,
        "targetKey": final_mapping.key_of(other_side(issue.side)) if final_mapping else None,
        "mappingExists": mapping is not None,
    }
    if execution.error is not None:
        event["error"] = execution.error
    return event


def creation_event(record: CreationRecord, execution: Execution) -> dict[str, Any]:
    """The audit record of a creation carried out again (after a crash or a failure); pure."""
    mapping = execution.mapping or record.mapping
    event = {
        "event": "creation.carried_out",
        "issueKey": record.create.user_issue_key,
        "issueId": record.user_issue_id,
        "projectType": "user",
        "action": ",".join(execution.actions_done) or "none",
        "result": execution.result,
        "targetKey": mapping.dev_key if mapping else None,
    }
    if execution.error is not None:
        event["error"] = execution.error
    return event


def adopted_event(issue: IssueSnapshot, mapping: Mapping, via: str) -> dict[str, Any]:
    """The audit record of a partner found in Jira and adopted (app.sync.adoption); pure."""
    return {
        "event": "issue.adopted",
        "issueKey": issue.key,
        "issueId": issue.id,
        "projectType": issue.side,
        "targetKey": mapping.key_of(other_side(issue.side)),
        "via": via,
    }


def lease_taken_event(lease: Lease | None, fence: int) -> dict[str, Any]:
    """The audit record of a worker taking up its pair (the engine adds which bundle); pure.
    The bundle that held the pair before, if another, makes it a hand-over in the trace."""
    return {
        "event": "lease.taken",
        "fence": fence,
        "previousHolder": lease.last_owner if lease is not None else None,
    }


def comment_event(event: str, keys: dict[str, Any], kind: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """The audit record of one comment copied, edited, deleted or skipped (app.sync.comment_sync);
    `keys`: the original's issue key and comment id, the partner's key and the copy's id, the
    direction. `kind`: internal or public (a copy); `reason`: why (a skip, a delete). Pure."""
    record: dict[str, Any] = {"event": event, **keys}
    if kind is not None:
        record["kind"] = kind
    if reason is not None:
        record["reason"] = reason
    return record


class Progress:
    """Logs `n of total` and the rate every PROGRESS_EVERY_S seconds of a long pass."""

    def __init__(self, total: int, monotonic: Callable[[], float], first_pass: bool) -> None:
        self.total = total
        self.done = 0
        self.monotonic = monotonic
        self.started = self.last = monotonic()
        self.first_pass = first_pass

    def tick(self) -> None:
        self.done += 1
        now = self.monotonic()
        if now - self.last >= PROGRESS_EVERY_S or (self.done == self.total and now - self.started >= PROGRESS_EVERY_S):
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            log.info(
                "pass progress",
                extra={"processed": self.done, "total": self.total, "rate_per_s": round(rate, 1), "initial": self.first_pass},
            )
