"""Text the sync writes into Jira: comment templates, browse URLs, the description link line.

Pure string functions; nothing here raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
LINK_LINE_PREFIX = "User issue: "
JIRA_TEXT_LIMIT = 32_767  # Jira refuses a description or comment longer than this
TRUNCATION_NOTE = "\n\n[… cut by jira-sync to fit Jira's limit of {limit:,} characters; the whole text is on {url}]"


def render_template(template: str, values: Mapping[str, str]) -> str:
    """Replace each `${name}` whose name is in `values`; leave unknown placeholders as written.

    Single pass: a value that itself contains `${...}` is not expanded again.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return PLACEHOLDER.sub(substitute, template)


def browse_url(base_url: str, key: str) -> str:
    """The people-facing URL of an issue: `<base>/browse/<KEY>` (one slash, whatever the base ends with)."""
    return f"{base_url.rstrip('/')}/browse/{key}"


def link_line(user_url: str) -> str:
    """The line a Dev description carries to point back at its User issue."""
    return f"{LINK_LINE_PREFIX}{user_url}"


def description_has_link(description: str | None, url: str) -> bool:
    """True when `description` already mentions `url` (so the link line is not added twice)."""
    return bool(description and url in description)


def dev_description(user_description: str | None, user_url: str) -> str:
    """The description of a Dev issue: the User issue's text, then the link line back to it.

    Idempotent: a text that already mentions `user_url` is returned unchanged (trimmed).
    """
    body = (user_description or "").strip()
    if description_has_link(body, user_url):
        return body
    line = link_line(user_url)
    return f"{body}\n\n{line}" if body else line


def fit_text(text: str, whole_at: str, measure: Callable[[str], int] = len, limit: int = JIRA_TEXT_LIMIT) -> str:
    """`text` if Jira takes it (`measure` is how Jira counts it on the wire), else its head, a
    note saying where the whole text is, and its last line kept (the link line back)."""
    if measure(text) <= limit:
        return text
    head, _, last = text.rpartition("\n")
    tail = f"\n{last}" if head and last.startswith(LINK_LINE_PREFIX) else ""
    body = head if tail else text
    note = TRUNCATION_NOTE.format(limit=limit, url=whole_at)
    low, high = 0, len(body)  # the longest head that fits: measure grows with the head
    while low < high:
        middle = (low + high + 1) // 2
        if measure(body[:middle].rstrip() + note + tail) <= limit:
            low = middle
        else:
            high = middle - 1
    return body[:low].rstrip() + note + tail
