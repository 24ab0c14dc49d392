"""The request log: every request the simulator received, and counts per method + route.

Entries are ``{"method", "path", "template", "status", "at", "user"}``; ``template`` is the route
with its variables in braces (``/rest/api/3/issue/{key}``), ``status`` is ``"dropped"`` for
connections closed without an answer and ``user`` is the authenticated caller's accountId (the
user name on Data Center), None when the request was not authenticated. Counts are keyed ``"GET /rest/api/3/issue/{key}"``.
"""

from __future__ import annotations

import threading
from collections import Counter


class RequestLog:
    def __init__(self, keep: int = 20000) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict] = []
        self._counts: Counter[str] = Counter()
        self._keep = keep

    def record(self, method: str, path: str, template: str, status: int | str, at: str,
               user: str | None = None) -> None:
        with self._lock:
            self._counts[f"{method} {template}"] += 1
            self._entries.append({"method": method, "path": path, "template": template, "status": status, "at": at,
                                  "user": user})
            if len(self._entries) > self._keep:
                del self._entries[: len(self._entries) - self._keep]

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": sum(self._counts.values()), "counts": dict(self._counts), "requests": list(self._entries)}

    def count(self, method: str | None = None, template: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for key, n in self._counts.items()
                if (method is None or key.split(" ", 1)[0] == method)
                and (template is None or key.split(" ", 1)[1] == template)
            )

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counts.clear()
