"""A worker's metrics, cumulative since it started, carried to the health service in its heartbeat.

Workers are separate processes under supervisord, so nothing can scrape an in-process registry
from them. Instead each pass is folded into a `WorkerMetrics`, whose `totals()` (a
`WorkerTotals`, app.heartbeats.totals, which owns the stored form) ride along in the heartbeat
and become Prometheus families in app.health.metrics. A restarted worker starts from zero
again, which Prometheus reads as a counter reset. `actions` are the PassSummary's
"actions.<kind>" counts; `jira_requests` come from the JiraClient, if wired in.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from app.heartbeats.totals import DurationHistogram, WorkerTotals
from app.sync.model import PassSummary

# Seconds. A steady-state pass takes well under a second; an initial sync of a big project
# takes minutes, so the buckets reach half an hour.
PASS_DURATION_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
ACTION_PREFIX = "actions."
COMMENT_PREFIX = "comments."  # "comments.<copied|edited|deleted|skipped>.<direction>" (app.sync.comment_sync)
FIELD_PREFIX = "fields."  # "fields.<updated|conflicts>.<user_to_dev|dev_to_user>" (app.sync.field_sync)
ITEM_KEYS = ("processed", "changes", "failed", "retried")  # summed; failures_pending is a gauge


class WorkerMetrics:
    """Folds pass summaries into running totals; `request_counts` returns the Jira answers by status."""

    def __init__(
        self,
        request_counts: Callable[[], Mapping[str, int]] = dict,
        buckets: tuple[float, ...] = PASS_DURATION_BUCKETS,
    ) -> None:
        self._request_counts = request_counts
        self._buckets = tuple(sorted(buckets))
        self._bucket_hits = [0] * len(self._buckets)  # per bucket, not cumulative
        self.passes_total = 0
        self.passes_failed = 0
        self.actions: Counter[str] = Counter()
        self.comments: Counter[str] = Counter()
        self.fields: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self.duration_sum = 0.0

    def record_pass(self, summary: PassSummary) -> None:
        """Add one finished pass (failed or not) to the totals."""
        self.passes_total += 1
        if not summary.ok:
            self.passes_failed += 1
        for key, value in summary.counts.items():
            if key.startswith(ACTION_PREFIX):
                self.actions[key[len(ACTION_PREFIX):]] += value
            elif key.startswith(COMMENT_PREFIX):
                self.comments[key[len(COMMENT_PREFIX):]] += value
            elif key.startswith(FIELD_PREFIX):
                self.fields[key[len(FIELD_PREFIX):]] += value
            elif key in ITEM_KEYS:
                self.items[key] += value
        duration = max(0.0, float(summary.duration_s))
        self.duration_sum += duration
        index = bisect_left(self._buckets, duration)  # `le` buckets: a value equal to a bound is in it
        if index < len(self._buckets):
            self._bucket_hits[index] += 1

    def totals(self) -> WorkerTotals:
        """The totals so far (a fresh value each call)."""
        cumulative, running = [], 0
        for hits in self._bucket_hits:
            running += hits
            cumulative.append(running)
        return WorkerTotals(
            passes_total=self.passes_total,
            passes_failed=self.passes_failed,
            actions=dict(self.actions),
            items={key: self.items[key] for key in ITEM_KEYS},
            pass_duration=DurationHistogram(self._buckets, tuple(cumulative), round(self.duration_sum, 3),
                                            self.passes_total),
            jira_requests={str(status): int(count) for status, count in self._request_counts().items()},
            comments=dict(self.comments),
            fields=dict(self.fields),
        )

    def as_document(self) -> dict[str, Any]:
        """The stored form of `totals()` (app.heartbeats.totals)."""
        return self.totals().to_document()
