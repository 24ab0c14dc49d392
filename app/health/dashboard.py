"""The operator dashboard at `/`: the health assessment as a page a person reads at a glance.

`dashboard_view` (pure) turns the typed report of app.health.assess (what `/health?detail=1`
renders as JSON) into display values: badges, ages written for people ("12 s ago"), counts
with readable labels, every text scrubbed of the report's secrets as the body is.
`render_dashboard` only formats them through templates/dashboard.html with autoescaping on; its
script and style are the files under static/ (the Content-Security-Policy allows no inline ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2

from app.health.assess import (
    HealthReport,
    PairVerdict,
    Reachability,
    config_error_entry,
    iso_timestamp,
    pid_of,
    scrub,
)
from app.heartbeats import LastPass, Unavailable, WorkerTotals
from app.instants import as_utc
from app.leases.decide import live_bundles
from app.leases.view import Cluster
from app.sync.failures import Failure

TEMPLATE_NAME = "dashboard.html"
REFRESH_SECONDS = 5
ERROR_SHOWN_CHARS = 400  # a stack of Jira messages can be long; the page stays scannable

# Keyed by the body's `state` (ours), not `status` (the original's two values).
OVERALL = {"ok": ("ok", "All pairs healthy"), "degraded": ("warn", "Degraded"), "unhealthy": ("bad", "Unhealthy")}
COUNT_ORDER = ("processed", "changes", "failed", "retried")
COUNT_LABELS = {"processed": "issues", "changes": "changes", "failed": "failed", "retried": "retried"}


def dashboard_view(report: HealthReport) -> dict[str, Any]:
    """Display values for one report, scrubbed of its secrets."""
    now = as_utc(report.now) if report.now else None
    timestamp = iso_timestamp(report.now)
    tone, label = OVERALL.get(report.state, ("bad", report.state))
    view = {
        "status": {"tone": tone, "label": label},
        "timestamp": timestamp,
        "time_text": display_time(timestamp),
        "reasons": list(report.reasons),
        "stale_after": report.stale_after,
        "pairs": [_pair(verdict, now) for verdict in report.pairs],
        "invalid_configs": [config_error_entry(error) for error in report.config_errors],
        "cluster": _cluster(report.cluster, now) if report.cluster and now else None,
        "sources": [_source("MongoDB", report.mongodb), _source("supervisord", report.supervisor)],
        "refresh_seconds": REFRESH_SECONDS,
    }
    scrubbed: dict[str, Any] = scrub(view, report.secrets)
    return scrubbed


def render_dashboard(report: HealthReport, activity: list[dict[str, Any]] | None = None) -> str:
    """The page's HTML for one report, with each pair's recent activity when it was read
    (app.health.trace_page.activity_view)."""
    return environment().get_template(TEMPLATE_NAME).render(view=dashboard_view(report), activity=activity)


def display_time(moment: str | None, today: datetime | None = None) -> str:
    """An ISO instant from the body as "2025-03-01 12:00:00 UTC" (the body's times are UTC),
    or just "12:00:00 UTC" when it falls on the same day as `today`."""
    parsed = _parse(moment)
    if parsed is None:
        return moment or "—"
    same_day = today is not None and parsed.date() == today.date()
    return parsed.strftime("%H:%M:%S UTC" if same_day else "%Y-%m-%d %H:%M:%S UTC")


def human_duration(seconds: float | None) -> str:
    """Seconds as a person says them: "0.4 s", "12 s", "3 min 5 s", "2 h 4 min", "3 d 1 h"."""
    if seconds is None:
        return "—"
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    for unit, size, smaller, smaller_size in (("d", 86400, "h", 3600), ("h", 3600, "min", 60), ("min", 60, "s", 1)):
        if whole >= size:
            rest = (whole % size) // smaller_size
            return f"{whole // size} {unit}" + (f" {rest} {smaller}" if rest else "")
    return f"{whole} s"


def _pair(verdict: PairVerdict, now: datetime | None) -> dict[str, Any]:
    beat, process = verdict.beat, verdict.process
    known = process if process is not None and not isinstance(process, Unavailable) else None
    beat_at = iso_timestamp(beat.beat_at) if beat else None
    return {
        "name": verdict.name,
        "healthy": verdict.healthy,
        "state": {"tone": "ok" if verdict.healthy else "bad", "label": "Healthy" if verdict.healthy else "Unhealthy"},
        "process_state": known.statename if known else None,
        "worker_state": beat.state.value if beat and beat.state else None,
        "pid": pid_of(process, beat),
        "lease": verdict.lease.describe() if verdict.lease else None,
        "reasons": list(verdict.health.reasons),
        "warnings": list(beat.warnings) if beat else [],
        "heartbeat": {
            "at": beat_at,
            "text": display_time(beat_at, now),
            "age": None if beat is None or now is None else human_duration(round(beat.age(now), 1)) + " ago",
        },
        "last_pass": _last_pass(beat.last_pass, now) if beat and beat.last_pass else None,
        "since_start": _since_start(beat.metrics if beat else None),
        "failures_pending": verdict.failures_pending,
        "failures": [_failure(failure, now) for failure in verdict.failures],
        "last_error": _shorten(beat.last_error if beat else None),
    }


def _cluster(cluster: Cluster, now: datetime) -> dict[str, Any]:
    """Which bundle holds which pair, every bundle that beats, and how often pairs moved."""
    live = live_bundles(cluster.bundles, now, cluster.lease_seconds)
    held = [lease for lease in cluster.leases.values() if lease.owner]
    leases = [(lease.pair, cluster.view(lease.pair, now)) for lease in sorted(cluster.leases.values(),
                                                                              key=lambda lease: lease.pair)]
    return {
        "me": cluster.me,
        "bundles": [{"name": name, "host": beat.host, "live": name in live,
                     "holds": sorted(lease.pair for lease in held if lease.owner == name),
                     "age": human_duration(round((now - as_utc(beat.beat_at)).total_seconds(), 1)) + " ago",
                     "tone": "ok" if name in live else "bad"}
                    for name, beat in sorted(cluster.bundles.items())],
        "leases": [{"pair": pair, "text": view.describe(), "lastHolder": view.last_owner, "handovers": view.handovers}
                   for pair, view in leases],
        "handovers": sum(lease.handovers for lease in cluster.leases.values()),
    }


def _last_pass(last_pass: LastPass, now: datetime | None) -> dict[str, Any]:
    finished = iso_timestamp(last_pass.finished_at)
    finished_at = as_utc(last_pass.finished_at) if last_pass.finished_at else None
    ago = human_duration((now - finished_at).total_seconds()) + " ago" if now and finished_at else None
    return {
        "finished_at": finished,
        "finished_text": display_time(finished, now),
        "ago": ago,
        "duration": human_duration(last_pass.duration_s),
        "ok": last_pass.ok,
        "counts": _counts(last_pass.counts),
    }


def _counts(counts: Mapping[str, Any]) -> list[tuple[str, Any]]:
    shown = [(COUNT_LABELS[key], counts[key]) for key in COUNT_ORDER if key in counts]
    shown += [(key.removeprefix("actions."), value) for key, value in sorted(counts.items())
              if key.startswith("actions.")]
    for kind in ACTIVITY_KINDS:
        shown += [(activity_label(kind, key.removeprefix(f"{kind}.")), value) for key, value in sorted(counts.items())
                  if key.startswith(f"{kind}.")]
    return shown


ACTIVITY_KINDS = ("comments", "fields")  # counted "<kind>.<what>.<direction>" (app.sync.metrics)


def activity_label(kind: str, name: str) -> str:
    """("comments", "copied.user_to_dev") as a person reads it: "comments copied user → dev"."""
    event, _, direction = name.partition(".")
    return f"{kind} {event} {direction.replace('_to_', ' → ')}".strip()


def _since_start(totals: WorkerTotals | None) -> list[tuple[str, Any]]:
    """Passes and actions since the worker started, e.g. [("passes", 40), ("create", 3)]."""
    if totals is None:
        return []
    return ([("passes", totals.passes_total)] + sorted(totals.actions.items())
            + [(activity_label("comments", name), value) for name, value in sorted(totals.comments.items())]
            + [(activity_label("fields", name), value) for name, value in sorted(totals.fields.items())])


def _failure(failure: Failure, now: datetime | None) -> dict[str, Any]:
    change = failure.change
    return {
        "issue_key": change.issue_key or "?",
        "transition": " → ".join(status for status in (change.from_status, change.to_status) if status),
        "attempts": failure.attempts,
        "given_up": failure.given_up,
        "error": _shorten(failure.last_error) or "no error recorded",
        "next_attempt_at": iso_timestamp(failure.next_attempt_at),
        "next_attempt": _until(as_utc(failure.next_attempt_at) if failure.next_attempt_at else None, now),
    }


def _until(moment: datetime | None, now: datetime | None) -> str | None:
    if moment is None or now is None:
        return None
    seconds = (moment - now).total_seconds()
    return "retry due" if seconds <= 0 else f"retry in {human_duration(seconds)}"


def _source(name: str, reachability: Reachability) -> dict[str, Any]:
    reachable = reachability.reachable
    return {
        "name": name,
        "tone": "ok" if reachable else "bad",
        "label": "reachable" if reachable else "unreachable",
        "error": reachability.error,
        "note": reachability.note,  # e.g. the embedded MongoDB: dev only
    }


def _shorten(text: str | None) -> str | None:
    if not text or len(text) <= ERROR_SHOWN_CHARS:
        return text
    return text[: ERROR_SHOWN_CHARS - 1] + "…"


def _parse(moment: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(moment) if moment else None
    except ValueError:
        return None


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates of the health service's pages."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("app.health"),
        autoescape=True,  # every value on the page is data from configs, Jira or MongoDB
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
