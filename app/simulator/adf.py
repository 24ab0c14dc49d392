"""Just enough Atlassian Document Format for the simulator.

Descriptions and comments are stored as ADF documents. REST v2 (and Data Center) speaks plain
strings, so v2 reads flatten a document to text and v2 writes wrap text into a document.
"""

from __future__ import annotations

from typing import Any


def text_to_adf(text: str) -> dict:
    """Paragraphs split on blank lines, line breaks become ``hardBreak`` nodes."""
    paragraphs = []
    for block in text.split("\n\n"):
        content: list[dict] = []
        for index, line in enumerate(block.split("\n")):
            if index:
                content.append({"type": "hardBreak"})
            if line:
                content.append({"type": "text", "text": line})
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def adf_to_text(node: Any) -> str:
    """Plain text of a document: paragraphs joined by blank lines; unknown nodes keep their text."""
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji"):
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        return str((node.get("attrs") or {}).get("url", ""))
    children = [adf_to_text(child) for child in node.get("content") or []]
    separator = "\n\n" if kind in ("doc", "bulletList", "orderedList", "blockquote", "listItem") else ""
    return separator.join(children)


def is_adf_document(value: Any) -> bool:
    """True for a ``{"type": "doc", "version": 1, "content": [...]}`` document."""
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )
