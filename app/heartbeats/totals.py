"""A worker's running totals since it started, as its heartbeat carries them (`metrics` field).

The worker folds its passes into them (app.sync.metrics); the health service turns them into
/health's `sinceStart` and Prometheus families (app.health.metrics). The stored document keeps
the names it always had:

    {"passes_total": n, "passes_failed": n,
     "actions": {"create": n, "transition": n, ...},
     "items": {"processed": n, "changes": n, "failed": n, "retried": n},
     "pass_duration": {"le": [0.5, 1.0, ...], "counts": [cumulative...], "sum": s, "count": n},
     "jira_requests": {"200": n, "429": n, "dropped": n},
     "comments": {"copied.user_to_dev": n, "skipped.dev_to_user": n, ...}}

A field missing from an older document reads as zero (or empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DurationHistogram:
    """Pass durations: cumulative `counts` per upper bound `le` (seconds), their sum and count."""

    le: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    sum: float = 0.0
    count: int = 0

    def to_document(self) -> dict[str, Any]:
        return {"le": list(self.le), "counts": list(self.counts), "sum": self.sum, "count": self.count}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> DurationHistogram:
        return cls(tuple(float(bound) for bound in document.get("le") or ()),
                   tuple(int(hits) for hits in document.get("counts") or ()),
                   float(document.get("sum") or 0.0), int(document.get("count") or 0))


@dataclass(frozen=True)
class WorkerTotals:
    """What a worker did since it started (see the module docstring for the stored form)."""

    passes_total: int = 0
    passes_failed: int = 0
    actions: Mapping[str, int] = field(default_factory=dict)  # by action name
    items: Mapping[str, int] = field(default_factory=dict)  # processed, changes, failed, retried
    pass_duration: DurationHistogram = field(default_factory=DurationHistogram)
    jira_requests: Mapping[str, int] = field(default_factory=dict)  # by answer status, "dropped"
    comments: Mapping[str, int] = field(default_factory=dict)  # "<copied|edited|deleted|skipped>.<direction>"
    fields: Mapping[str, int] = field(default_factory=dict)  # "<updated|conflicts>.<user_to_dev|dev_to_user>"

    def to_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "passes_total": self.passes_total,
            "passes_failed": self.passes_failed,
            "actions": dict(self.actions),
            "items": dict(self.items),
            "pass_duration": self.pass_duration.to_document(),
            "jira_requests": dict(self.jira_requests),
        }
        if self.comments:  # only a worker that syncs comments has them (older documents stay as they were)
            document["comments"] = dict(self.comments)
        if self.fields:  # only a worker that syncs fields has them
            document["fields"] = dict(self.fields)
        return document

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> WorkerTotals:
        return cls(
            passes_total=int(document.get("passes_total") or 0),
            passes_failed=int(document.get("passes_failed") or 0),
            actions=_counts(document.get("actions")),
            items=_counts(document.get("items")),
            pass_duration=DurationHistogram.from_document(document.get("pass_duration") or {}),
            jira_requests=_counts(document.get("jira_requests")),
            comments=_counts(document.get("comments")),
            fields=_counts(document.get("fields")),
        )


def _counts(value: Any) -> dict[str, int]:
    return {str(key): int(count) for key, count in (value or {}).items()}
