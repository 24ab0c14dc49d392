"""Rich-text fields between the caller's plain text and each deployment's wire format.

Cloud (REST v3) wants and returns ADF documents; Data Center (REST v2) uses strings. Callers
of JiraClient always pass and receive plain text for descriptions and comment bodies.
"""

from __future__ import annotations

from typing import Any

from app.jira.adf import adf_to_text, text_to_adf

TEXT_FIELDS = ("description", "environment")


def wire_text(text: str | None, deployment: str) -> Any:
    """Plain text as this deployment expects it in a request body."""
    if deployment == "cloud":
        return text_to_adf(text or "")
    return text or ""


def outgoing_fields(fields: dict[str, Any], deployment: str) -> dict[str, Any]:
    """A copy of `fields` with plain-text description/environment encoded for the wire."""
    encoded = dict(fields)
    for name in TEXT_FIELDS:
        if isinstance(encoded.get(name), str):
            encoded[name] = wire_text(encoded[name], deployment)
    return encoded


def incoming_comment(comment: dict[str, Any]) -> dict[str, Any]:
    """A comment with its `body` as plain text."""
    decoded = dict(comment)
    if "body" in decoded:
        decoded["body"] = adf_to_text(decoded["body"])
    return decoded


def incoming_issue(issue: dict[str, Any]) -> dict[str, Any]:
    """An issue whose description/environment and embedded comments are plain text (None stays None)."""
    fields = issue.get("fields")
    if not isinstance(fields, dict):
        return issue
    decoded_fields = dict(fields)
    for name in TEXT_FIELDS:
        if decoded_fields.get(name) is not None:
            decoded_fields[name] = adf_to_text(decoded_fields[name])
    comment_page = decoded_fields.get("comment")
    if isinstance(comment_page, dict) and isinstance(comment_page.get("comments"), list):
        decoded_fields["comment"] = {**comment_page, "comments": [incoming_comment(c) for c in comment_page["comments"]]}
    return {**issue, "fields": decoded_fields}
