"""The operator dashboard at `/`: the `/health` body as a page a person reads at a glance.

`dashboard_view` (pure) turns the report body into display values: badges, ages written for
people ("12 s ago"), counts with readable labels. `render_dashboard` only formats them through
templates/dashboard.html with autoescaping on; its script and style are the files under
static/ (the Content-Security-Policy allows no inline ones). It renders nothing but the body
`/health?detail=1` returns, which assess() has already scrubbed of secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2

TEMPLATE_NAME = "dashboard.html"
REFRESH_SECONDS = 5
ERROR_SHOWN_CHARS = 400  # a stack of Jira messages can be long; the page stays scannable

# Keyed by the body's `state` (ours), not `status` (the original's two values).
OVERALL = {"ok": ("ok", "All pairs healthy"), "degraded": ("warn", "Degraded"), "unhealthy": ("bad", "Unhealthy")}
COUNT_ORDER = ("processed", "changes", "failed", "retried")
COUNT_LABELS = {"processed": "issues", "changes": "changes", "failed": "failed", "retried": "retried"}


def dashboard_view(body: Mapping[str, Any]) -> dict[str, Any]:
    """Display values for one report body (the JSON `/health` answers)."""
    now = _parse(body.get("timestamp"))
    tone, label = OVERALL.get(body.get("state"), ("bad", str(body.get("state"))))
    return {
        "status": {"tone": tone, "label": label},
        "timestamp": body.get("timestamp"),
        "time_text": display_time(body.get("timestamp")),
        "reasons": list(body.get("reasons") or []),
        "stale_after": body.get("staleAfterSeconds"),
        "pairs": [_pair(worker, now) for worker in body.get("workers") or []],
        "invalid_configs": list(body.get("invalidConfigs") or []),
        "cluster": _cluster(body.get("cluster")),
        "sources": [
            _source("MongoDB", body.get("mongodb") or {}),
            _source("supervisord", body.get("supervisor") or {}),
        ],
        "refresh_seconds": REFRESH_SECONDS,
    }


def render_dashboard(body: Mapping[str, Any]) -> str:
    """The page's HTML for one report body."""
    return _environment().get_template(TEMPLATE_NAME).render(view=dashboard_view(body))


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


def _pair(worker: Mapping[str, Any], now: datetime | None) -> dict[str, Any]:
    healthy = worker.get("health") == "healthy"
    last_pass = worker.get("lastPass") or None
    return {
        "name": worker.get("name"),
        "healthy": healthy,
        "state": {"tone": "ok" if healthy else "bad", "label": "Healthy" if healthy else "Unhealthy"},
        "process_state": worker.get("processState"),
        "worker_state": worker.get("workerState"),
        "pid": worker.get("pid"),
        "lease": (worker.get("lease") or {}).get("text"),
        "reasons": list(worker.get("reasons") or []),
        "warnings": list(worker.get("warnings") or []),
        "heartbeat": {
            "at": worker.get("lastHeartbeat"),
            "text": display_time(worker.get("lastHeartbeat"), now),
            "age": None if worker.get("heartbeatAgeSeconds") is None
            else human_duration(worker["heartbeatAgeSeconds"]) + " ago",
        },
        "last_pass": _last_pass(last_pass, now) if last_pass else None,
        "since_start": _since_start(worker.get("sinceStart")),
        "failures_pending": worker.get("failuresPending"),
        "failures": [_failure(failure, now) for failure in worker.get("failures") or []],
        "last_error": _shorten(worker.get("lastError")),
    }


def _cluster(cluster: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Which bundle holds which pair, every bundle that beats, and how often pairs moved."""
    if not cluster:
        return None
    return {
        "me": cluster.get("bundle"),
        "bundles": [{**bundle, "age": human_duration(bundle.get("beatAgeSeconds")) + " ago",
                     "tone": "ok" if bundle.get("live") else "bad"} for bundle in cluster.get("bundles") or []],
        "leases": list(cluster.get("leases") or []),
        "handovers": cluster.get("handovers", 0),
    }


def _last_pass(last_pass: Mapping[str, Any], now: datetime | None) -> dict[str, Any]:
    finished = last_pass.get("finishedAt")
    finished_at = _parse(finished)
    ago = human_duration((now - finished_at).total_seconds()) + " ago" if now and finished_at else None
    return {
        "finished_at": finished,
        "finished_text": display_time(finished, now),
        "ago": ago,
        "duration": human_duration(last_pass.get("durationSeconds")),
        "ok": last_pass.get("ok") is not False,
        "counts": _counts(last_pass.get("counts") or {}),
    }


def _counts(counts: Mapping[str, Any]) -> list[tuple[str, Any]]:
    shown = [(COUNT_LABELS[key], counts[key]) for key in COUNT_ORDER if key in counts]
    shown += [(key.removeprefix("actions."), value) for key, value in sorted(counts.items())
              if key.startswith("actions.")]
    return shown


def _since_start(totals: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """Passes and actions since the worker started, e.g. [("passes", 40), ("create", 3)]."""
    if not totals:
        return []
    return [("passes", totals.get("passes", 0))] + sorted((totals.get("actions") or {}).items())


def _failure(failure: Mapping[str, Any], now: datetime | None) -> dict[str, Any]:
    next_attempt = _parse(failure.get("nextAttemptAt"))
    return {
        "issue_key": failure.get("issueKey") or "?",
        "transition": " → ".join(status for status in (failure.get("fromStatus"), failure.get("toStatus")) if status),
        "attempts": failure.get("attempts"),
        "given_up": bool(failure.get("givenUp")),
        "error": _shorten(failure.get("lastError")) or "no error recorded",
        "next_attempt_at": failure.get("nextAttemptAt"),
        "next_attempt": _until(next_attempt, now),
    }


def _until(moment: datetime | None, now: datetime | None) -> str | None:
    if moment is None or now is None:
        return None
    seconds = (moment - now).total_seconds()
    return "retry due" if seconds <= 0 else f"retry in {human_duration(seconds)}"


def _source(name: str, reachability: Mapping[str, Any]) -> dict[str, Any]:
    reachable = bool(reachability.get("reachable"))
    return {
        "name": name,
        "tone": "ok" if reachable else "bad",
        "label": "reachable" if reachable else "unreachable",
        "error": reachability.get("error"),
        "note": reachability.get("note"),  # e.g. the embedded MongoDB: dev only
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
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("app.health"),
        autoescape=True,  # every value on the page is data from configs, Jira or MongoDB
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
