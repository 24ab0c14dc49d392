"""What the sync knows of its comment copies, as values, and their stored documents (the owner of
a pair's `comment_copies` and `comments_due` collections: nothing else builds or reads them).

`comment_copies`, `_id` = "<origin side>:<origin comment id>": one original comment and its copy
on the partner issue. A copy is *written ahead*: the document says `posting` before the POST
that creates the copy is sent, and `copied` with the copy's id once Jira answered. A `posting`
document found later (a kill -9, a dropped answer, MongoDB gone between the two writes) means
"the copy may exist": the partner's comments are read and the copy is found by our marker
(app.sync.marker.CopyMarker) before anything is posted again. `digest` is the digest of the
original as last copied (or skipped), so an edit shows as a different digest. `deleted`: the
original was deleted and so was its copy (or the copy was gone). `skipped`: not copied, for
`reason`.

`comments_due`, `_id` = issue id: an issue whose comments a pass still has to read, written
ahead before its change is recorded as processed, removed once its comments were reconciled;
so a pass that dies between the two leaves the work to the next one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pymongo.collection import Collection

from app.instants import decode_instant, encode_instant
from app.mongo import Document
from app.sync.model import Side


class CopyState(StrEnum):
    POSTING = "posting"
    COPIED = "copied"
    DELETED = "deleted"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CommentCopy:
    """One original comment and what became of it on the partner issue."""

    origin_side: Side
    origin_issue_id: str
    origin_comment_id: str
    copy_issue_id: str
    state: CopyState
    digest: str
    copy_comment_id: str | None = None
    reason: str | None = None
    at: datetime | None = None

    @property
    def id(self) -> str:
        return copy_id(self.origin_side, self.origin_comment_id)

    def to_document(self) -> dict[str, Any]:
        """The stored fields (`_id` apart), instants as text."""
        return {
            "origin_side": self.origin_side,
            "origin_issue_id": self.origin_issue_id,
            "origin_comment_id": self.origin_comment_id,
            "copy_issue_id": self.copy_issue_id,
            "state": self.state.value,
            "digest": self.digest,
            "copy_comment_id": self.copy_comment_id,
            "reason": self.reason,
            "at": None if self.at is None else encode_instant(self.at),
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> CommentCopy:
        side = document.get("origin_side")
        state = document.get("state")
        at = decode_instant(document.get("at"))
        copy_comment = document.get("copy_comment_id")
        return cls(
            origin_side="dev" if side == "dev" else "user",
            origin_issue_id=str(document.get("origin_issue_id")),
            origin_comment_id=str(document.get("origin_comment_id")),
            copy_issue_id=str(document.get("copy_issue_id")),
            # An unknown state reads as `posting`: the safe one (the marker is looked for first).
            state=CopyState(str(state)) if state in CopyState._value2member_map_ else CopyState.POSTING,
            digest=str(document.get("digest") or ""),
            copy_comment_id=None if copy_comment is None else str(copy_comment),
            reason=document.get("reason"),
            at=at if isinstance(at, datetime) else None,
        )


def copy_id(origin_side: Side, origin_comment_id: str) -> str:
    return f"{origin_side}:{origin_comment_id}"


# -- reading the collections (PairStore writes them, fenced) -------------------------------------

def read_copies_of(collection: Collection[Document], origin_side: Side, origin_issue_id: str) -> dict[str, CommentCopy]:
    """The copies of one issue's comments, by origin comment id."""
    found = collection.find({"origin_side": origin_side, "origin_issue_id": origin_issue_id})
    return {copy.origin_comment_id: copy for copy in (CommentCopy.from_document(doc) for doc in found)}


def read_issues_with_copies(collection: Collection[Document]) -> list[tuple[str, Side]]:
    """Every (origin issue id, side) with a live copy: what a full scan re-reads for edits and deletes."""
    seen: dict[str, Side] = {}
    for doc in collection.find({"state": CopyState.COPIED.value}, {"origin_issue_id": 1, "origin_side": 1}):
        seen[str(doc["origin_issue_id"])] = "dev" if doc.get("origin_side") == "dev" else "user"
    return sorted(seen.items())


def read_due(collection: Collection[Document]) -> list[tuple[str, Side]]:
    """The issues whose comments are still to be read, as (issue id, side)."""
    return [(str(doc["_id"]), "dev" if doc.get("side") == "dev" else "user") for doc in collection.find({})]


def count_by_state(collection: Collection[Document], states: Iterable[CopyState] = tuple(CopyState)) -> dict[str, int]:
    """How many originals are in each state (the dashboard's comment activity)."""
    counts = {state.value: 0 for state in states}
    for doc in collection.find({}, {"state": 1}):
        state = str(doc.get("state"))
        if state in counts:
            counts[state] += 1
    return counts
