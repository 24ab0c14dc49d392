"""JQL search as a generator over every page.

Cloud: `POST /rest/api/3/search/jql` pages with `nextPageToken` (absent or null, or `isLast`,
on the last page). Data Center: `POST /rest/api/2/search` pages with `startAt` / `total`.
Both are read-only, so the transport may retry them. POST keeps the JQL out of URLs and logs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Protocol

import requests

from app.jira.errors import SearchPaginationError

log = logging.getLogger("app.jira")

CLOUD_SEARCH_PATH = "/rest/api/3/search/jql"
DATACENTER_SEARCH_PATH = "/rest/api/2/search"


class Transport(Protocol):
    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response: ...


def search_cloud(transport: Transport, jql: str, fields: list[str], page_size: int) -> Iterator[list[dict]]:
    """Pages of raw issues from the enhanced search; raises SearchPaginationError on a repeated token."""
    seen_tokens: set[str] = set()
    token: str | None = None
    while True:
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size}
        if token:
            body["nextPageToken"] = token
        page = transport.request_json("POST", CLOUD_SEARCH_PATH, json=body, idempotent=True)
        issues = page.get("issues") or []
        yield issues
        token = page.get("nextPageToken")
        if not token or page.get("isLast") is True:
            return
        if token in seen_tokens:
            raise SearchPaginationError(200, "POST", CLOUD_SEARCH_PATH, ["Jira repeated a nextPageToken"])
        if not issues:
            log.warning("Jira search returned an empty page with a nextPageToken; stopping")
            return
        seen_tokens.add(token)


def search_datacenter(transport: Transport, jql: str, fields: list[str], page_size: int) -> Iterator[list[dict]]:
    """Pages of raw issues by `startAt`, advancing by what each page actually held."""
    start_at = 0
    while True:
        body = {"jql": jql, "fields": list(fields), "maxResults": page_size, "startAt": start_at}
        page = transport.request_json("POST", DATACENTER_SEARCH_PATH, json=body, idempotent=True)
        issues = page.get("issues") or []
        yield issues
        start_at += len(issues)
        total = page.get("total")
        if not issues or (isinstance(total, int) and start_at >= total):
            return
