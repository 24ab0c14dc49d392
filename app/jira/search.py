"""JQL search as a generator over every page.

Cloud: `POST /rest/api/3/search/jql` pages with `nextPageToken`: the last page is the one
without a token (`isLast` alone is not trusted), and a token seen before is an error rather
than a loop. Its index is eventually consistent; `reconcileIssues` (at most 50 issue ids)
makes those issues read-after-write consistent in the answer. Data Center: `POST
/rest/api/2/search` pages with `startAt` / `total`. Both are read-only, so the transport may
retry them. POST keeps the JQL out of URLs and logs.

A page must look like one: an answer without an `issues` list (a proxy's error page served with
200, an error body) is a JiraError, never "no issues" — a blind pass must not look like a calm one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from app.jira.errors import JiraError, SearchPaginationError

log = logging.getLogger("app.jira")

CLOUD_SEARCH_PATH = "/rest/api/3/search/jql"
DATACENTER_SEARCH_PATH = "/rest/api/2/search"
RECONCILE_LIMIT = 50  # Atlassian: reconcileIssues accepts at most 50 ids


class Transport(Protocol):
    """What a search needs of app.jira.transport.JiraTransport (which fits)."""

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any: ...


def search_cloud(
    transport: Transport, jql: str, fields: list[str], page_size: int,
    reconcile: Sequence[str] = (), properties: Sequence[str] = (),
) -> Iterator[list[dict[str, Any]]]:
    """Pages of raw issues from the enhanced search; raises SearchPaginationError on a repeated token."""
    seen_tokens: set[str] = set()
    token: str | None = None
    while True:
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size}
        if reconcile:
            body["reconcileIssues"] = [int(issue_id) for issue_id in list(reconcile)[-RECONCILE_LIMIT:]]
        if properties:
            body["properties"] = list(properties)
        if token:
            body["nextPageToken"] = token
        page = transport.request_json("POST", CLOUD_SEARCH_PATH, json=body, idempotent=True, read_only=True)
        issues = _issues_of(page, CLOUD_SEARCH_PATH)
        yield issues
        token = page.get("nextPageToken")
        if not token:
            return
        if not isinstance(token, str):
            raise JiraError(200, "POST", CLOUD_SEARCH_PATH, ["the search answer's nextPageToken is not a string"])
        if token in seen_tokens:
            raise SearchPaginationError(200, "POST", CLOUD_SEARCH_PATH, ["Jira repeated a nextPageToken"])
        if not issues:
            log.warning("Jira search returned an empty page with a nextPageToken; stopping")
            return
        seen_tokens.add(token)


def search_datacenter(
    transport: Transport, jql: str, fields: list[str], page_size: int, properties: Sequence[str] = (),
) -> Iterator[list[dict[str, Any]]]:
    """Pages of raw issues by `startAt`, advancing by what each page actually held."""
    start_at = 0
    while True:
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size, "startAt": start_at}
        if properties:
            body["properties"] = list(properties)
        page = transport.request_json("POST", DATACENTER_SEARCH_PATH, json=body, idempotent=True, read_only=True)
        issues = _issues_of(page, DATACENTER_SEARCH_PATH)
        yield issues
        start_at += len(issues)
        total = page.get("total")
        if not issues or (isinstance(total, int) and start_at >= total):
            return


def _issues_of(page: Any, path: str) -> list[dict[str, Any]]:
    """The page's issues; a JiraError when the answer is not a search page."""
    if not isinstance(page, dict):
        raise JiraError(200, "POST", path, ["the search answer is not a JSON object"])
    issues = page.get("issues")
    if not isinstance(issues, list) or not all(isinstance(issue, dict) for issue in issues):
        messages = [str(m) for m in page.get("errorMessages") or [] if m] if isinstance(page.get("errorMessages"), list) else []
        raise JiraError(200, "POST", path, messages or ["the search answer has no list of issues"])
    return issues
