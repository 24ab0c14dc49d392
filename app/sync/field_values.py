"""A synced field's value as Jira answers it, made comparable, and written back in Jira's form.

Jira answers the same fact in many shapes: labels in any order, a user as an object, a select as
`{"value": ...}`, components and versions as objects whose ids differ per project, a description
as ADF on Cloud. `field_value` keeps what the pair compares (names, option values, user ids,
text with its whitespace settled and without the lines the sync owns); `write_form` turns such a
value back into what `PUT /issue` takes. Pure functions; nothing here reads Jira.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from app.jira.adf import adf_to_text, text_to_adf
from app.sync.templates import LINK_LINE_PREFIX

# A paragraph is text Cloud's v3 API holds as ADF: written back as ADF there, as a string on Data Center.
Kind = Literal["text", "paragraph", "number", "date", "user", "option", "options", "names", "labels", "name"]
Plain = str | float | tuple[str, ...] | None

# The lines of a description that belong to the sync (ours, and the original service's), never copied.
OWNED_LINE = re.compile(rf"^[ \t]*({re.escape(LINK_LINE_PREFIX)}|User Link:|Dev Link:).*$", re.MULTILINE)
BUILTIN_KINDS: dict[str, Kind] = {
    "summary": "text", "description": "text", "priority": "name", "labels": "labels", "duedate": "date",
    "assignee": "user", "components": "names", "fixVersions": "names",
}


@dataclass(frozen=True)
class FieldValue:
    """One field's value as compared: its kind and its plain value (None = empty)."""

    kind: Kind
    plain: Plain

    def same(self, other: FieldValue | None) -> bool:
        return other is not None and self.plain == other.plain

    def stored(self) -> Any:
        """As a stored document keeps it (tuples become lists)."""
        return list(self.plain) if isinstance(self.plain, tuple) else self.plain

    @classmethod
    def from_stored(cls, kind: Kind, value: Any) -> FieldValue:
        return cls(kind, tuple(value) if isinstance(value, list) else value)


def settle_text(text: str) -> str:
    """Text as compared and copied: without the sync's own lines, line ends trimmed, at most one
    blank line in a row, no blank lines around it."""
    lines = [line.rstrip() for line in OWNED_LINE.sub("", text.replace("\r\n", "\n")).split("\n")]
    settled = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return settled.strip()


def owned_lines(text: str | None) -> list[str]:
    """The lines of a description that the sync owns (kept on the side that has them)."""
    return [match.group(0).strip() for match in OWNED_LINE.finditer(text or "")]


def field_value(name: str, raw: Any) -> FieldValue:
    """The comparable value of field `name` from Jira's answer `raw` (None when empty)."""
    kind = BUILTIN_KINDS.get(name) or custom_kind(raw)
    return FieldValue(kind, _plain(kind, raw))


def custom_kind(raw: Any) -> Kind:
    """A custom field's kind, read from its value's shape (an empty value compares as text)."""
    if isinstance(raw, list):
        return "options" if any(isinstance(item, dict) and "value" in item for item in raw) else "labels"
    if isinstance(raw, dict):
        if raw.get("type") == "doc":
            return "paragraph"
        if "value" in raw:
            return "option"
        return "user"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return "number"
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return "date"
    return "text"


def _plain(kind: Kind, raw: Any) -> Plain:
    if raw is None or raw == "" or raw == []:
        return None
    if kind in ("text", "paragraph"):
        text = adf_to_text(raw) if isinstance(raw, dict) else str(raw)
        return settle_text(text) or None
    if kind == "number":
        return float(raw)
    if kind in ("labels", "names", "options"):
        items = sorted({_name(item) for item in raw} - {""})
        return tuple(items) or None
    return _name(raw) or None


def _name(item: Any) -> str:
    """A user's id, an option's value, a component's, version's or priority's name; a string as is."""
    if isinstance(item, dict):
        for key in ("accountId", "value", "name", "key"):
            if item.get(key):
                return str(item[key]).strip()
        return ""
    return str(item).strip()


def write_form(value: FieldValue, deployment: str, target_text: str | None = None) -> Any:
    """What `PUT /issue` (and the create) takes for `value`. A text keeps the owned lines
    `target_text` has (the description's link line); a paragraph goes as ADF on Cloud, as a string
    on Data Center."""
    plain = value.plain
    if value.kind == "text":
        text = str(plain or "")
        kept = owned_lines(target_text)
        return "\n\n".join([part for part in (text, "\n".join(kept)) if part]) if kept else (text or None)
    if plain is None:
        return [] if value.kind in ("labels", "names", "options") else None
    if value.kind == "paragraph":
        return custom_text_form(str(plain), deployment, paragraph=True)
    if value.kind == "name":
        return {"name": plain}
    if value.kind == "user":
        return {"accountId": plain} if deployment == "cloud" else {"name": plain}
    if value.kind == "option":
        return {"value": plain}
    if value.kind == "options":
        return [{"value": item} for item in _items(plain)]
    if value.kind == "names":
        return [{"name": item} for item in _items(plain)]
    if value.kind == "labels":
        return list(_items(plain))
    return plain


def custom_text_form(text: str | None, deployment: str, paragraph: bool) -> Any:
    """A custom paragraph field is ADF on Cloud's v3 API; a single-line text field stays a string."""
    return text_to_adf(text or "") if paragraph and deployment == "cloud" else text


def _items(plain: Plain) -> tuple[str, ...]:
    return plain if isinstance(plain, tuple) else (str(plain),)
