"""What a Cloud copy carries where its original embeds a file of its issue (pure).

An ADF `media` node (in a `mediaSingle` or `mediaGroup`) or `mediaInline` node names a file by
its Media Services id (`attrs.id`, with `attrs.collection`). The copy lives on another issue, to
which the attachment copy (app.sync.executor) uploaded the original issue's files; a node naming
the original's media would show the original issue's file, or nothing, not the partner's.

What Atlassian documents, and what it does not (so the worst case is assumed):
- The media node's `id` "is the Media Services ID and is used for querying the media services
  API to retrieve metadata, such as, filename" (ADF reference, node `media`). That API is not
  Jira's REST API: nothing documented turns a REST attachment id into a media id or back. The
  attachment metadata (`AttachmentMetadata`) has no media id; `GET /attachment/content/{id}`
  answers 303 to "the download URL" without saying what it contains (some clients read a media
  id out of it: undocumented, so not done here). Hence the id an uploaded copy got in Media
  Services cannot be known, and the copy cannot carry a media node of its own.
- The schema allows `attrs.alt` (a string), and Jira's editor puts the file name there, but no
  page promises it. A node is tied to an attachment only when its `alt` equals the file name of
  exactly one attachment of the original issue, and that attachment's counterpart on the partner
  is known to the attachment copy; anything else (no `alt`, no or several attachments of that
  name, a file Jira refused or that was there before an adoption) is *unknown*.

So every media node that names a Media Services file (`type` `file` or `link`; an `external`
node names a URL, works anywhere and is kept) is replaced:
- known:   "📎 <file name>" linked to the partner's copy, `<site>/rest/api/3/attachment/content/<id>`
           (the documented download operation, getAttachmentContent: a 303 to the file for a
           signed-in person; built from the id the attachment copy recorded, as the metadata's
           `content` URL is not kept and the OpenAPI's own examples of it disagree in form);
- unknown: "📎 <alt, or 'a file'> (on <original key>)" linked to the original comment, where the
           file is shown.
A `mediaSingle` or `mediaGroup` becomes one paragraph per file (a `mediaSingle`'s caption follows
its link), allowed wherever those blocks are; a `mediaInline` becomes a linked text in its
paragraph. The node's own marks (a link, a border, an annotation) are not carried over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MEDIA_BLOCKS = frozenset({"mediaSingle", "mediaGroup"})
FILE_MARK = "📎"


@dataclass(frozen=True)
class PartnerFiles:
    """The original issue's attachments by file name, each with its counterpart on the partner
    issue as the attachment copy recorded it (None: never copied)."""

    by_name: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, listed: Iterable[Mapping[str, Any]], counterparts: Mapping[str, str | None]) -> PartnerFiles:
        """From the original issue's attachments as Jira lists them (`id`, `filename`) and the
        counterpart of each id the attachment copy knows."""
        by_name: dict[str, list[str | None]] = {}
        for attachment in listed:
            name = attachment.get("filename")
            if isinstance(name, str) and name:
                by_name.setdefault(name, []).append(counterparts.get(str(attachment.get("id"))))
        return cls({name: tuple(ids) for name, ids in by_name.items()})

    def copy_of(self, filename: str | None) -> str | None:
        """The partner's attachment id for the one original attachment named `filename`; None
        when there is none, several, or it was never copied."""
        found = self.by_name.get(filename or "", ())
        return found[0] if len(found) == 1 else None


NO_FILES = PartnerFiles()  # nothing known: every file the original embeds is linked to the original comment


@dataclass(frozen=True)
class FileLinks:
    """Where the copy's file links go: the site, and the original comment (for unknown files)."""

    site_url: str
    origin_key: str
    original_url: str

    def attachment_url(self, attachment_id: str) -> str:
        return f"{self.site_url.rstrip('/')}/rest/api/3/attachment/content/{attachment_id}"


def names_media_file(node: Any) -> bool:
    """Whether `node` is a media node naming a Media Services file (not an external URL)."""
    return (isinstance(node, dict) and node.get("type") in ("media", "mediaInline")
            and _attrs(node).get("type") != "external")


def refer_to_copies(nodes: list[Any], files: PartnerFiles, links: FileLinks) -> list[Any]:
    """`nodes` (an ADF content list) with every node naming a Media Services file replaced by a
    link to the partner's copy of the file, or to the original comment."""
    return [rewritten for node in nodes for rewritten in _rewrite(node, files, links)]


def _rewrite(node: Any, files: PartnerFiles, links: FileLinks) -> list[Any]:
    """What `node` becomes in the copy (a block may become several)."""
    if not isinstance(node, dict):
        return [node]
    kind, content = node.get("type"), node.get("content")
    children = content if isinstance(content, list) else []
    if kind in MEDIA_BLOCKS and any(names_media_file(child) for child in children):
        return _media_block(node, children, files, links)
    if names_media_file(node):
        text = _file_text(node, files, links)
        return [text] if kind == "mediaInline" else [_paragraph([text])]
    if isinstance(content, list):
        return [{**node, "content": refer_to_copies(content, files, links)}]
    return [node]


def _media_block(block: dict[str, Any], children: list[Any], files: PartnerFiles, links: FileLinks) -> list[Any]:
    """A `mediaSingle` or `mediaGroup`: a paragraph per file it names; `external` media stay in a
    block of the same type, in their place."""
    caption = [inline for child in children if isinstance(child, dict) and child.get("type") == "caption"
               for inline in child.get("content") or []]
    blocks: list[Any] = []
    kept: list[Any] = []
    for child in children:
        if isinstance(child, dict) and child.get("type") == "caption":
            continue
        if not names_media_file(child):
            kept.append(child)
            continue
        if kept:
            blocks.append({**block, "content": kept})
            kept = []
        after = [{"type": "text", "text": " "}, *caption] if caption and block.get("type") == "mediaSingle" else []
        blocks.append(_paragraph([_file_text(child, files, links), *after]))
    if kept:
        blocks.append({**block, "content": kept})
    return blocks


def _file_text(media: dict[str, Any], files: PartnerFiles, links: FileLinks) -> dict[str, Any]:
    alt = _attrs(media).get("alt")
    name = alt if isinstance(alt, str) and alt.strip() else None
    copy_id = files.copy_of(name)
    if name is not None and copy_id is not None:
        return _link(f"{FILE_MARK} {name}", links.attachment_url(copy_id))
    return _link(f"{FILE_MARK} {name or 'a file'} (on {links.origin_key})", links.original_url)


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _link(text: str, href: str) -> dict[str, Any]:
    return {"type": "text", "text": text, "marks": [{"type": "link", "attrs": {"href": href}}]}


def _paragraph(content: list[Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": content}
