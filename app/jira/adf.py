"""Plain text <-> Atlassian Document Format (ADF), enough for descriptions and comments.

Text -> ADF: blank lines separate paragraphs, single newlines become hard breaks, and
http(s) URLs become text carrying a `link` mark. ADF -> text reads paragraphs, headings,
lists, code blocks, quotes, mentions, emoji and cards; `adf_to_text(text_to_adf(t))` gives
back `t` for text whose line endings are `\\n` and that has no blank-only or padding lines.
"""

from __future__ import annotations

import re
from typing import Any

URL_PATTERN = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def _inline(line: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    position = 0
    for match in URL_PATTERN.finditer(line):
        if match.start() > position:
            nodes.append({"type": "text", "text": line[position : match.start()]})
        url = match.group(0)
        nodes.append({"type": "text", "text": url, "marks": [{"type": "link", "attrs": {"href": url}}]})
        position = match.end()
    if position < len(line):
        nodes.append({"type": "text", "text": line[position:]})
    return nodes


def _paragraph(block: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for index, line in enumerate(block.split("\n")):
        if index:
            content.append({"type": "hardBreak"})
        content.extend(_inline(line))
    return {"type": "paragraph", "content": content}


def text_to_adf(text: str | None) -> dict[str, Any]:
    """An ADF document for plain `text` (None or blank -> a document with no content)."""
    normalized = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    blocks = [block for block in PARAGRAPH_BREAK.split(normalized) if block.strip()] if normalized.strip() else []
    return {"type": "doc", "version": 1, "content": [_paragraph(block) for block in blocks]}


def _inline_text(node: dict[str, Any]) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        text = str(node.get("text", ""))
        for mark in node.get("marks") or []:
            href = (mark.get("attrs") or {}).get("href")
            if mark.get("type") == "link" and href and href != text:
                return f"{text} ({href})"
        return text
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return str(attrs.get("text") or f"@{attrs.get('id', '')}")
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName", ""))
    if kind in ("inlineCard", "blockCard", "embedCard"):
        return str(attrs.get("url", ""))
    if kind == "date":
        return str(attrs.get("timestamp", ""))
    if kind == "status":
        return str(attrs.get("text", ""))
    return "".join(_inline_text(child) for child in node.get("content") or [])


def _block_text(node: dict[str, Any]) -> str:
    kind = node.get("type")
    children = node.get("content") or []
    if kind in ("bulletList", "orderedList"):
        start = int((node.get("attrs") or {}).get("order", 1))
        lines = []
        for index, item in enumerate(children):
            bullet = "-" if kind == "bulletList" else f"{start + index}."
            body = "\n".join(_block_text(child) for child in item.get("content") or [])
            lines.append(f"{bullet} {body}")
        return "\n".join(lines)
    if kind == "blockquote":
        inner = "\n\n".join(_block_text(child) for child in children)
        return "\n".join(f"> {line}" for line in inner.split("\n"))
    if kind == "rule":
        return "----"
    if kind in ("table", "tableRow"):
        return "\n".join(_block_text(child) for child in children)
    if kind in ("tableCell", "tableHeader", "panel", "expand", "nestedExpand", "layoutSection", "layoutColumn"):
        return "\n\n".join(_block_text(child) for child in children)
    return "".join(_inline_text(child) for child in children) if children else _inline_text(node)


def adf_to_text(doc: dict[str, Any] | str | None) -> str:
    """Plain text of an ADF document; a string (Data Center body) is returned as it is."""
    if doc is None:
        return ""
    if isinstance(doc, str):
        return doc
    blocks = [_block_text(node) for node in doc.get("content") or []]
    return "\n\n".join(block for block in blocks if block != "")
