"""Jira's error answers: ``{"errorMessages": [...], "errors": {...}}`` with a status code."""

from __future__ import annotations

from flask import Response, jsonify


class JiraApiError(Exception):
    """An answer Jira would give instead of the resource; rendered by :func:`error_response`."""

    def __init__(
        self,
        status: int,
        messages: list[str] | None = None,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status}: {messages or ''} {errors or ''}")
        self.status = status
        self.messages = list(messages or [])
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})


def error_response(error: JiraApiError) -> Response:
    response = jsonify({"errorMessages": error.messages, "errors": error.errors})
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def not_found_issue() -> JiraApiError:
    return JiraApiError(404, ["Issue does not exist or you do not have permission to see it."])


def unauthorized() -> JiraApiError:
    return JiraApiError(
        401,
        ["You are not authenticated. Authentication required to perform this operation."],
        headers={"WWW-Authenticate": 'Basic realm="protected-area"'},
    )


def bad_request(message: str) -> JiraApiError:
    return JiraApiError(400, [message])


def field_errors(**errors: str) -> JiraApiError:
    return JiraApiError(400, [], errors)
