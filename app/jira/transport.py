"""One HTTP exchange with Jira: timeout, auth, retries, counters and typed errors.

Only the path (never the query string or body) reaches logs and error text, so JQL, tokens
and issue content stay out of both.

Credentials that stop working are not always a 401: Jira Cloud serves a request whose token
is expired or revoked as an *anonymous* one (an issue answers 404, a search 400, a write is
refused) and says so only in the `X-Seraph-LoginReason` header. Any answer carrying a failed
login reason is therefore a JiraAuthError, whatever its status, so that nobody downstream
mistakes a rejected token for a deleted issue.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from app.jira.errors import JiraAuthError, JiraError, JiraRateLimited, JiraUnavailable, error_class_for, parse_error_body
from app.jira.retry import IDEMPOTENT_METHODS, HintBeyondCap, RetryableStatus, RetryPolicy

log = logging.getLogger("app.jira")

Timeout = float | tuple[float, float]
LOGIN_REASON_HEADER = "X-Seraph-LoginReason"
FAILED_LOGIN_REASONS = frozenset({"AUTHENTICATED_FAILED", "AUTHENTICATION_DENIED"})


class JiraTransport:
    """Sends requests to one Jira site and turns failures into JiraError subclasses."""

    def __init__(
        self,
        base_url: str,
        auth: AuthBase,
        timeout: Timeout,
        policy: RetryPolicy,
        session: requests.Session | None = None,
        site_url: str | None = None,
        write_guard: Callable[[], float] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.site_url = (site_url or base_url).rstrip("/")
        # Asked before every write: the seconds the write may take, or it raises (app.leases.guard).
        self.write_guard = write_guard
        self.auth = auth
        self.timeout = timeout
        self.policy = policy
        self.session = session or requests.Session()
        self.request_count = 0
        # Answers by HTTP status ("200", "429", ...) and "dropped" for no answer (connection
        # error, timeout); retried attempts count too. Read by the worker's metrics.
        self.status_counts: Counter[str] = Counter()

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, then the answer's JSON; a non-JSON answer (a proxy's or a login page), or a
        success whose body is an error, is a JiraError too, so callers only ever handle JiraErrors."""
        response = self.request(method, path, **kwargs)
        shown = urlsplit(response.url or path).path
        try:
            body = response.json()
        except ValueError:
            raise JiraError(response.status_code, method.upper(), shown, ["the answer is not JSON"]) from None
        if isinstance(body, dict) and body.get("errorMessages"):
            # Jira never sends errorMessages with a success; a proxy or a broken node may.
            messages, errors = parse_error_body(body)
            raise JiraError(response.status_code, method.upper(), shown, messages, errors)
        return body

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
        allow_status: tuple[int, ...] = (),
        anonymous: bool = False,
        read_only: bool = False,
    ) -> requests.Response:
        """Send `method path` and return the response; raise a JiraError for any error status.

        `idempotent` defaults from the method (GET/PUT/DELETE yes, POST no); read-only or
        keyed POSTs (search, remote link by globalId) pass True. Statuses in `allow_status`
        are returned instead of raised (e.g. 404 for an absent property). `anonymous` sends
        no credentials. Every request but a GET or a `read_only` one (a search by POST) is a write:
        `write_guard` allows it first, and its timeout is kept within what the guard allows.
        """
        method = method.upper()
        url = self.absolute(path)
        auth = None if anonymous else self.auth
        shown = urlsplit(url).path
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS

        writes = method != "GET" and not read_only
        send = {"params": params, "json": json, "files": files, "headers": headers, "auth": auth}
        attempt = functools.partial(self._attempt, method, url, writes, allow_status, send)
        try:
            response = self.policy.run(attempt, idempotent, f"{method} {shown}")
        except (RetryableStatus, HintBeyondCap) as failure:
            response = failure.response
            wait = failure.wait if isinstance(failure, HintBeyondCap) else None
            raise self._error(method, shown, response, retry_after=wait) from None
        except requests.exceptions.RequestException as failure:
            raise JiraUnavailable(method, shown, type(failure).__name__) from None
        if not anonymous and _login_failed(response):
            raise self._error(method, shown, response, cls=JiraAuthError)
        if response.status_code >= 400 and response.status_code not in allow_status:
            raise self._error(method, shown, response)
        return response

    def _attempt(self, method: str, url: str, writes: bool, allow_status: tuple[int, ...],
                 send: dict[str, Any]) -> requests.Response:
        """One try: a write asks the guard first and keeps within what it allows; 429 and 5xx
        raise RetryableStatus for the retry policy; every answer (or none) is counted."""
        timeout = self.timeout
        if writes and self.write_guard is not None:
            timeout = _within(timeout, self.write_guard())
        self.request_count += 1
        try:
            response = self.session.request(method, url, timeout=timeout, **send)
        except requests.exceptions.RequestException:
            self.status_counts["dropped"] += 1
            raise
        self.status_counts[str(response.status_code)] += 1
        if (response.status_code == 429 or response.status_code >= 500) and response.status_code not in allow_status:
            raise RetryableStatus(response)
        return response

    def absolute(self, url_or_path: str) -> str:
        """The URL to send a request for `url_or_path` to: always under `base_url`.

        A path is taken relative to `base_url` (its own path prefix included). A URL under
        `base_url` is kept. Any other URL (the site's own, as Jira writes `self` and `content`
        links when reached through a gateway, or a foreign host) is rebased onto `base_url`,
        so that credentials never leave the site and the prefix is never lost.
        """
        if not url_or_path.startswith(("http://", "https://")):
            return self.base_url + url_or_path
        if url_or_path == self.base_url or url_or_path.startswith(self.base_url + "/"):
            return url_or_path
        parts = urlsplit(url_or_path)
        path = parts.path
        for known in (self.site_url, self.base_url):
            prefix = urlsplit(known).path.rstrip("/")
            if prefix and (path == prefix or path.startswith(prefix + "/")):
                path = path[len(prefix):]
                break
        return self.base_url + path + (f"?{parts.query}" if parts.query else "")

    @staticmethod
    def _error(
        method: str, path: str, response: requests.Response, retry_after: float | None = None,
        cls: type[JiraError] | None = None,
    ) -> JiraError:
        try:
            body = response.json()
        except ValueError:
            body = None
        messages, errors = parse_error_body(body, response.text if body is None else "")
        reason = response.headers.get(LOGIN_REASON_HEADER)
        if reason in FAILED_LOGIN_REASONS:
            messages = [f"{LOGIN_REASON_HEADER}: {reason}", *messages]
        cls = cls or error_class_for(response.status_code)
        if cls is JiraRateLimited:
            hint = retry_after if retry_after is not None else _header_seconds(response.headers.get("Retry-After"))
            return JiraRateLimited(response.status_code, method, path, messages, errors, retry_after=hint)
        return cls(response.status_code, method, path, messages, errors)


def _within(timeout: Timeout, seconds: float) -> Timeout:
    """`timeout` cut so that no part of one request waits longer than `seconds`."""
    if isinstance(timeout, tuple):
        return (min(timeout[0], seconds), min(timeout[1], seconds))
    return min(timeout, seconds)


def _login_failed(response: requests.Response) -> bool:
    return response.headers.get(LOGIN_REASON_HEADER) in FAILED_LOGIN_REASONS


def _header_seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
