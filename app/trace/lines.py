"""What each line of an issue's trace says (pure): one stored record in, `TraceLine`s out.

The trace reads what the sync records (app.trace.reader); this module alone decides how each
record reads to a person. Events are rendered by their `event` type: a known type has its own
sentence, any other (a newer worker's, another issue's feature) still shows as its type and its
plain fields, so a new kind of event appears in the trace without a change here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.instants import as_utc
from app.sync.failures import Failure

# Fields every event carries that a generic line need not repeat.
BOOKKEEPING = frozenset({"_id", "event", "at", "bundle", "pass", "issueKey", "issueId", "projectType", "fence"})


class LineKind(StrEnum):
    PAIRING = "pairing"  # how the partner was found
    OBSERVED = "observed"  # a version of the issue the sync read
    DECIDED = "decided"  # the rule that matched, or why none did
    ACTED = "acted"  # actions and their result
    FAILED = "failed"  # an action failed (Jira's words, the next retry)
    SKIPPED = "skipped"  # nothing done, and why
    LEASE = "lease"  # the pair moved between bundles
    REQUEST = "request"  # an operator's resync or retry
    EVENT = "event"  # any other recorded event
    NOTE = "note"  # what the trace cannot know (a record missing)


@dataclass(frozen=True)
class TraceLine:
    at: datetime | None
    kind: LineKind
    issue_key: str | None
    text: str
    bundle: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat() if self.at else None, "kind": self.kind.value, "issueKey": self.issue_key,
                "text": self.text, "bundle": self.bundle}

    def shown(self) -> str:
        """`2026-12-07 17:01:02Z  observed  ABSUP-1  text  [bundle b1]`."""
        when = as_utc(self.at).strftime("%Y-%m-%d %H:%M:%SZ") if self.at else "-" * 20
        where = f"  [bundle {self.bundle}]" if self.bundle else ""
        return f"{when}  {self.kind.value:<8}  {self.issue_key or '-':<12}  {self.text}{where}"


def event_lines(event: Mapping[str, Any]) -> list[TraceLine]:
    """The lines one stored event reads as (see the module docstring)."""
    render = RENDERERS.get(str(event.get("event")), _generic)
    return render(event)


def _line(event: Mapping[str, Any], kind: LineKind, text: str) -> TraceLine:
    at = event.get("at")
    return TraceLine(as_utc(at) if isinstance(at, datetime) else None, kind, event.get("issueKey"), text,
                     event.get("bundle"))


def _when(moment: Any) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%SZ") if isinstance(moment, datetime) else str(moment)


def _processed(event: Mapping[str, Any]) -> list[TraceLine]:
    side = event.get("projectType") or "?"
    movement = f"{event.get('from') or '(first sighting)'} → {event.get('to')}"
    seen = [f"by {event.get('seenBy') or 'a pass'}"]
    if event.get("pass") is not None:
        seen.append(f"pass of {_when(event['pass'])}")
    lines = [_line(event, LineKind.OBSERVED, f"[{side}] {movement} ({', '.join(seen)})")]
    rule, reason = event.get("ruleId"), event.get("reason")
    if rule:
        lines.append(_line(event, LineKind.DECIDED, f"rule {rule!r} matched" + (f": {reason}" if reason else "")))
    else:
        lines.append(_line(event, LineKind.DECIDED, f"no rule applied: {reason or 'no reason recorded'}"))
    lines.append(_outcome(event))
    return lines


def _outcome(event: Mapping[str, Any]) -> TraceLine:
    result, action = event.get("result"), event.get("action")
    partner = f" (partner {event['targetKey']})" if event.get("targetKey") else ""
    if result == "failed":
        return _line(event, LineKind.FAILED, _failed_text(event))
    if result in ("nothing to do", None) or action in (None, "none"):
        return _line(event, LineKind.SKIPPED, f"nothing written to Jira ({result or 'no result'}){partner}")
    return _line(event, LineKind.ACTED, f"{action}: {result}{partner}")


def _failed_text(event: Mapping[str, Any]) -> str:
    text = f"failed: {event.get('error') or 'no error recorded'}"
    if event.get("attempts"):
        text += f"; attempt {event['attempts']}"
    if event.get("givenUp"):
        text += ", given up" + (f" (tried again once at {_when(event['nextAttemptAt'])})"
                                if event.get("nextAttemptAt") else "")
    elif event.get("nextAttemptAt"):
        text += f"; next retry at {_when(event['nextAttemptAt'])}"
    return text


def _creation(event: Mapping[str, Any]) -> list[TraceLine]:
    partner = f" (Dev issue {event['targetKey']})" if event.get("targetKey") else ""
    if event.get("result") == "failed":
        return [_line(event, LineKind.FAILED, "creation carried on, " + _failed_text(event))]
    return [_line(event, LineKind.ACTED, f"creation carried on: {event.get('action')}: {event.get('result')}{partner}")]


def _adopted(event: Mapping[str, Any]) -> list[TraceLine]:
    return [_line(event, LineKind.PAIRING, f"adopted {event.get('targetKey')} as its partner (found by {event.get('via')})")]


def _lease(event: Mapping[str, Any]) -> list[TraceLine]:
    holder, before = event.get("bundle") or "?", event.get("previousHolder")
    if before and before != holder:
        text = f"lease handed over: bundle {before} → {holder} (fence {event.get('fence')})"
    else:
        text = f"bundle {holder} took up the pair (fence {event.get('fence')})"
    return [_line(event, LineKind.LEASE, text)]


def _request(event: Mapping[str, Any]) -> list[TraceLine]:
    return [_line(event, LineKind.REQUEST, f"operator's {event.get('request')}: {event.get('outcome')}")]


def _comment(verb: str, kind: LineKind = LineKind.ACTED) -> Callable[[Mapping[str, Any]], list[TraceLine]]:
    def render(event: Mapping[str, Any]) -> list[TraceLine]:
        target = f" on {event['targetKey']}" if event.get("targetKey") else ""
        reason = f": {event['reason']}" if event.get("reason") else ""
        error = f" ({event['error']})" if event.get("error") else ""
        return [_line(event, kind, f"comment {verb}{target}{reason}{error}")]
    return render


def _field(event: Mapping[str, Any]) -> list[TraceLine]:
    name, target = event.get("field"), event.get("targetKey")
    if event.get("event") == "field.failed":
        return [_line(event, LineKind.FAILED, f"field {name} not written: {event.get('reason')}")]
    if event.get("event") == "field.conflict":
        return [_line(event, LineKind.ACTED, f"field {name} changed on both sides: the later change "
                      f"({event.get('value')!r}) went to {target}, {event.get('lostValue')!r} lost (User side changed "
                      f"{event.get('userChangedAt')}, Dev side {event.get('devChangedAt')})")]
    return [_line(event, LineKind.ACTED, f"field {name} copied to {target}: {event.get('value')!r}")]


def _generic(event: Mapping[str, Any]) -> list[TraceLine]:
    fields = ", ".join(f"{name}={value}" for name, value in event.items()
                       if name not in BOOKKEEPING and isinstance(value, str | int | float | bool) and value != "")
    kind = LineKind.FAILED if event.get("result") == "failed" or event.get("error") else LineKind.EVENT
    return [_line(event, kind, f"{event.get('event')}" + (f": {fields}" if fields else ""))]


RENDERERS: dict[str, Callable[[Mapping[str, Any]], list[TraceLine]]] = {
    "issue.processed": _processed,
    "creation.carried_out": _creation,
    "issue.adopted": _adopted,
    "lease.taken": _lease,
    "request.served": _request,
    "comment.copied": _comment("copied"),
    "comment.edited": _comment("edit copied"),
    "comment.deleted": _comment("deletion copied"),
    "comment.skipped": _comment("not copied", LineKind.SKIPPED),
    "comment.failed": _comment("sync failed", LineKind.FAILED),
    "field.updated": _field,
    "field.conflict": _field,
    "field.failed": _field,
}


def pairing_line(key: str, partner_key: str | None, found_by: str | None, created: bool) -> TraceLine:
    """How `key`'s partner was found: from the mapping's `found_by`, else a creation record."""
    if partner_key is None:
        return TraceLine(None, LineKind.PAIRING, key, "no partner yet (no mapping stored)")
    how = found_by or ("created" if created else None)
    text = f"partner {partner_key}, " + (f"pairing {how}" if how else
                                         "pairing found before the sync recorded how (created, adopted or imported)")
    return TraceLine(None, LineKind.PAIRING, key, text)


def failure_line(failure: Failure, now: datetime) -> TraceLine:
    """A failure still stored (pending): Jira's words and when it is tried again."""
    attempts = f"{failure.attempts} attempt{'s' if failure.attempts != 1 else ''}"
    change = failure.change
    what = " → ".join(status for status in (change.from_status, change.to_status) if status)
    text = f"pending failure{f' of {what}' if what else ''}: {failure.last_error or 'no error recorded'}; {attempts}"
    if failure.next_attempt_at is None:
        text += "; never retried (Jira refused the content)"
    elif failure.given_up:
        text += f"; given up, tried again once an hour (next at {_when(failure.next_attempt_at)}); `jira-sync retry` tries now"
    elif failure.due(now):
        text += "; retry due at the next pass"
    else:
        text += f"; next retry at {_when(failure.next_attempt_at)}"
    at = failure.last_failed_at
    return TraceLine(as_utc(at) if at else None, LineKind.FAILED, change.issue_key, text)


def touching_leases(issue_events: Sequence[Mapping[str, Any]],
                    lease_events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The pair's lease events that fall within the issue's life in the trail: after its first
    recorded event (a hand-over before the sync ever saw it did not touch it)."""
    times = [event["at"] for event in issue_events if isinstance(event.get("at"), datetime)]
    if not times:
        return []
    first = min(as_utc(moment) for moment in times)
    return [event for event in lease_events if isinstance(event.get("at"), datetime) and as_utc(event["at"]) >= first]


def ordered(lines: list[TraceLine]) -> list[TraceLine]:
    """Oldest first; lines without a time (the pairing, notes) first of all, in their order."""
    return sorted(lines, key=lambda line: (line.at is not None, as_utc(line.at) if line.at else datetime.min))
