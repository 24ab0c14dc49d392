"""The dashboard's trace page (`/trace?key=ABSUP-12`) and its recent-activity list: display
values from app.trace's typed values (pure), scrubbed of the pairs' secrets as the dashboard
is, rendered through templates/trace.html.

The health service holds no Jira token, so for an issue the sync has never seen the page says
so and points to `jira-sync trace`, which can also ask Jira what the next pass would do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from app.health.assess import scrub
from app.health.dashboard import environment
from app.trace.lines import TraceLine
from app.trace.reader import Activity, Trace

TEMPLATE_NAME = "trace.html"
KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[0-9]+$")  # Jira's issue key: project key, dash, number


def valid_key(text: str) -> str | None:
    """The key a person typed, upper-cased and trimmed; None when it is not an issue key."""
    key = text.strip().upper()
    return key if KEY.match(key) else None


def trace_href(key: str | None) -> str | None:
    return f"trace?{urlencode({'key': key})}" if key else None


def line_view(line: TraceLine) -> dict[str, Any]:
    return {"at": line.at.isoformat() if line.at else None,
            "time": line.at.strftime("%Y-%m-%d %H:%M:%S UTC") if line.at else "",
            "kind": line.kind.value, "key": line.issue_key, "text": line.text, "bundle": line.bundle,
            "href": trace_href(line.issue_key)}


def trace_view(asked: str, trace: Trace | None, error: str | None, secrets: Iterable[str]) -> dict[str, Any]:
    """Display values of the page: the key asked, each pair's links and lines, or an error."""
    pairs = [] if trace is None else [
        {"name": pair.pair, "side": pair.side, "key": pair.key, "seen": pair.seen, "partner": pair.partner_key,
         "unavailable": pair.unavailable, "links": [{"side": link.side, "key": link.key, "url": link.url}
                                                    for link in pair.links],
         "lines": [line_view(line) for line in pair.lines]}
        for pair in trace.pairs]
    view = {"asked": asked, "error": error, "pairs": pairs,
            "no_pair": trace is not None and not trace.pairs}
    scrubbed: dict[str, Any] = scrub(view, frozenset(secrets))
    return scrubbed


def activity_view(activity: list[Activity], secrets: Iterable[str]) -> list[dict[str, Any]]:
    """Each pair's last actions, newest first, each linking to its issue's trace."""
    view = [{"pair": item.pair, "unavailable": item.unavailable, "lines": [line_view(line) for line in item.lines]}
            for item in activity]
    scrubbed: list[dict[str, Any]] = scrub(view, frozenset(secrets))
    return scrubbed


def render_trace(view: dict[str, Any]) -> str:
    return environment().get_template(TEMPLATE_NAME).render(view=view)
