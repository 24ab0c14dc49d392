"""One HTTP exchange with Jira: timeout, auth, retries, counters and typed errors.

Only the path (never the query string or body) reaches logs and error text, so JQL, tokens
and issue content stay out of both.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from app.jira.errors import JiraError, JiraRateLimited, JiraUnavailable, error_class_for, parse_error_body
from app.jira.retry import IDEMPOTENT_METHODS, HintBeyondCap, RetryableStatus, RetryPolicy

log = logging.getLogger("app.jira")

Timeout = float | tuple[float, float]


class JiraTransport:
    """Sends requests to one Jira site and turns failures into JiraError subclasses."""

    def __init__(
        self,
        base_url: str,
        auth: AuthBase,
        timeout: Timeout,
        policy: RetryPolicy,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.policy = policy
        self.session = session or requests.Session()
        self.request_count = 0
        # Answers by HTTP status ("200", "429", ...) and "dropped" for no answer (connection
        # error, timeout); retried attempts count too. Read by the worker's metrics.
        self.status_counts: Counter[str] = Counter()

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, then the answer's JSON; a non-JSON answer (a proxy's or a login page) is a
        JiraError too, so callers only ever handle JiraErrors."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            shown = urlsplit(response.url or path).path
            raise JiraError(response.status_code, method.upper(), shown, ["the answer is not JSON"]) from None

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
    ) -> requests.Response:
        """Send `method path` and return the response; raise a JiraError for any error status.

        `idempotent` defaults from the method (GET/PUT/DELETE yes, POST no); read-only or
        keyed POSTs (search, remote link by globalId) pass True. Statuses in `allow_status`
        are returned instead of raised (e.g. 404 for an absent property).
        """
        method = method.upper()
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        shown = urlsplit(url).path
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS

        def attempt() -> requests.Response:
            self.request_count += 1
            try:
                response = self.session.request(
                    method, url, params=params, json=json, files=files, headers=headers,
                    auth=self.auth, timeout=self.timeout,
                )
            except requests.exceptions.RequestException:
                self.status_counts["dropped"] += 1
                raise
            self.status_counts[str(response.status_code)] += 1
            if (response.status_code == 429 or response.status_code >= 500) and response.status_code not in allow_status:
                raise RetryableStatus(response)
            return response

        try:
            response = self.policy.run(attempt, idempotent, f"{method} {shown}")
        except (RetryableStatus, HintBeyondCap) as failure:
            response = failure.response
            wait = failure.wait if isinstance(failure, HintBeyondCap) else None
            raise self._error(method, shown, response, retry_after=wait) from None
        except requests.exceptions.RequestException as failure:
            raise JiraUnavailable(method, shown, type(failure).__name__) from None
        if response.status_code >= 400 and response.status_code not in allow_status:
            raise self._error(method, shown, response)
        return response

    def absolute(self, url_or_path: str) -> str:
        """A URL on this site for `url_or_path`; a foreign host is rebased so credentials never leave the site."""
        parts = urlsplit(url_or_path)
        if not parts.scheme:
            return self.base_url + url_or_path
        base = urlsplit(self.base_url)
        if (parts.scheme, parts.netloc) == (base.scheme, base.netloc):
            return url_or_path
        return f"{base.scheme}://{base.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    @staticmethod
    def _error(method: str, path: str, response: requests.Response, retry_after: float | None = None) -> JiraError:
        try:
            body = response.json()
        except ValueError:
            body = None
        messages, errors = parse_error_body(body, response.text if body is None else "")
        cls = error_class_for(response.status_code)
        if cls is JiraRateLimited:
            hint = retry_after if retry_after is not None else _header_seconds(response.headers.get("Retry-After"))
            return JiraRateLimited(response.status_code, method, path, messages, errors, retry_after=hint)
        return cls(response.status_code, method, path, messages, errors)


def _header_seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
