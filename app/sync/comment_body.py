"""A copy's body: one attribution line, then the original's body (pure).

The line names the original's author (display name), its issue key linked to the comment, and
when it was written (UTC, to the minute). On Cloud the body is an ADF document: the line is a
paragraph put before the original's content nodes, which are left as they are (mentions and
marks included) but for the media nodes naming a file of the original issue: those become links
to the partner's copy of the file, or to the original comment (app.sync.comment_media says why).
On Data Center it is wiki markup: the line, an empty line, the original unchanged (its `!file!`
finds the partner's copy of the file by name).
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from app.sync.comment_media import NO_FILES, FileLinks, PartnerFiles, names_media_file, refer_to_copies
from app.sync.jira_answers import CommentView
from app.sync.templates import browse_url

# Wiki markup's references to an issue's own attachments: !file.png!, !file.png|thumbnail!, [^file.txt]
WIKI_EMBED = re.compile(r"![^!\s|][^!|\n]*(?:\|[^!\n]*)?!|\[\^[^\]\n]+\]")


def embeds_files(body: Any) -> bool:
    """Whether a comment body shows files attached to its issue (ADF media nodes naming a Media
    Services file; wiki `!file!` or `[^file]`): its copy needs them on the partner issue too."""
    if isinstance(body, str):
        return WIKI_EMBED.search(body) is not None
    if isinstance(body, dict):
        return names_media_file(body) or any(embeds_files(node) for node in body.get("content") or [])
    if isinstance(body, list):
        return any(embeds_files(node) for node in body)
    return False


def comment_url(site_url: str, issue_key: str, comment_id: str) -> str:
    """The browse URL that opens an issue at one comment (both products take `focusedCommentId`)."""
    return f"{browse_url(site_url, issue_key)}?focusedCommentId={comment_id}"


def attribution(original: CommentView) -> tuple[str, str]:
    """(who, when) of the attribution line."""
    when = original.created.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if original.created else "?"
    return original.author or "someone", when


def copy_body(original: CommentView, origin_key: str, site_url: str, deployment: str,
              files: PartnerFiles = NO_FILES) -> Any:
    """The body of the copy of `original` (a comment of `origin_key`), in the wire format;
    `files`: the original issue's attachments and their copies on the partner (none known: every
    file the original embeds is linked to the original comment)."""
    who, when = attribution(original)
    url = comment_url(site_url, origin_key, original.id or "")
    if deployment == "cloud":
        line = {"type": "paragraph", "content": [
            {"type": "text", "text": f"{who} wrote on "},
            {"type": "text", "text": origin_key, "marks": [{"type": "link", "attrs": {"href": url}}]},
            {"type": "text", "text": f" ({when}):"},
        ]}
        content = original.body.get("content") if isinstance(original.body, dict) else None
        if not isinstance(content, list):
            content = [{"type": "paragraph", "content": [{"type": "text", "text": str(original.body or "")}]}]
        content = refer_to_copies(content, files, FileLinks(site_url, origin_key, url))
        return {"type": "doc", "version": 1, "content": [line, *content]}
    return f"{who} wrote on [{origin_key}|{url}] ({when}):\n\n{original.body if isinstance(original.body, str) else ''}"

