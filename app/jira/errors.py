"""Typed Jira errors that carry Jira's own `errorMessages` / `errors` and nothing secret.

An error's text names the method, the path (never the query string: JQL and tokens stay out)
and Jira's messages. Headers, credentials and request bodies are never stored on an error.
"""

from __future__ import annotations

from typing import Any


class JiraError(Exception):
    """A Jira request failed. `status` is the HTTP status, or None when no answer came back."""

    def __init__(
        self,
        status: int | None,
        method: str,
        path: str,
        error_messages: list[str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.error_messages = list(error_messages or [])
        self.errors = dict(errors or {})
        super().__init__(self._describe())

    def _describe(self) -> str:
        answer = f"HTTP {self.status}" if self.status is not None else "no answer"
        details = list(self.error_messages) + [f"{field}: {message}" for field, message in self.errors.items()]
        suffix = f": {'; '.join(details)}" if details else ""
        return f"{self.method} {self.path} -> {answer}{suffix}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()!r})"


class JiraBadRequest(JiraError):
    """400: Jira rejected the request (bad JQL, invalid field, unavailable transition, ...)."""


class JiraAuthError(JiraError):
    """The credentials are missing, wrong, expired or revoked: a 401, or any answer whose
    `X-Seraph-LoginReason` says the login failed (Jira Cloud serves such a request as an
    anonymous one, so its 404 or 400 says nothing about the resource)."""

    def _describe(self) -> str:
        return f"credentials rejected: {super()._describe()}"


class JiraForbidden(JiraError):
    """403: authenticated, but not allowed (or the XSRF check refused the request)."""


class JiraNotFound(JiraError):
    """404: the issue/project/resource does not exist or the user cannot see it."""


class JiraPayloadTooLarge(JiraError):
    """413: Jira refuses the request body as too large (an attachment over the site's limit).
    Sending it again cannot help."""


class JiraRateLimited(JiraError):
    """429 still answered after the retries ran out, or Jira asked for a longer wait than allowed.

    `retry_after` is Jira's advice in seconds when it gave one.
    """

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class JiraServerError(JiraError):
    """5xx from Jira (after retries, for requests that may be retried)."""


class JiraUnavailable(JiraError):
    """No HTTP answer: connection refused or dropped, or the request timed out."""

    def __init__(self, method: str, path: str, reason: str) -> None:
        self.reason = reason
        super().__init__(None, method, path, [reason])


class TransitionUnavailable(JiraError):
    """No transition from the issue's current status leads to `wanted` (by status or transition name).

    `available` lists the target status names that were on offer.
    """

    def __init__(self, key: str, wanted: str, available: list[str], path: str = "") -> None:
        self.key = key
        self.wanted = wanted
        self.available = list(available)
        offered = ", ".join(self.available) or "none"
        super().__init__(None, "POST", path, [f"{key}: no transition to {wanted!r} (available: {offered})"])


class SearchPaginationError(JiraError):
    """Jira handed back a page token it had already given: following it would loop forever."""


_BY_STATUS: dict[int, type[JiraError]] = {
    400: JiraBadRequest,
    401: JiraAuthError,
    403: JiraForbidden,
    404: JiraNotFound,
    413: JiraPayloadTooLarge,
    429: JiraRateLimited,
}


def error_class_for(status: int) -> type[JiraError]:
    """The exception type that represents an HTTP error status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return JiraServerError
    return JiraError


def parse_error_body(body: Any, text: str = "") -> tuple[list[str], dict[str, str]]:
    """Jira's `{"errorMessages": [...], "errors": {...}}`, tolerating other shapes.

    A non-JSON answer (a proxy's HTML page) contributes at most a short first line.
    """
    if isinstance(body, dict):
        messages = [str(m) for m in body.get("errorMessages") or [] if m]
        errors = {str(k): str(v) for k, v in (body.get("errors") or {}).items()}
        if not messages and not errors and body.get("message"):
            messages = [str(body["message"])]
        return messages, errors
    first_line = text.strip().splitlines()[0][:200] if text.strip() else ""
    if first_line.startswith("<"):
        return [], {}
    return ([first_line] if first_line else []), {}
