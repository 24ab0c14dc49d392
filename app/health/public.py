"""The `/health` body anyone may read: the verdict, without the reasons behind it.

Probes and the original service's monitors need the answer's status code and these keys;
everything else in the report (reasons, error texts from Jira, MongoDB and supervisord, config
file paths, issue keys of pending failures) can tell an outsider about the installation and is
served only in the detailed body (`/health?detail=1`, app.health.auth). The lists below are
what is open: a key added to the report later stays detailed until it is named here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The original service's keys, and our `state`/`health`, whose values are fixed words.
OPEN_KEYS = ("status", "state", "timestamp", "workers")
OPEN_WORKER_KEYS = ("name", "status", "health", "lastHeartbeat", "pid")


def open_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """The open part of a report body (app.health.assess), in the report's order."""
    shown = {key: body[key] for key in OPEN_KEYS if key in body}
    if "workers" in shown:
        shown["workers"] = [{key: worker.get(key) for key in OPEN_WORKER_KEYS} for worker in body["workers"]]
    return shown
