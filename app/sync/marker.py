"""Our marker on Jira: the `jira-sync` entity property, its shapes and its versions (the one
module that knows them; everything else gets typed values).

Shapes, each under the key `KEY`:
- on an issue, `IssueMarker`: the Dev issue the sync created (app.sync.creation) or adopted
  (app.sync.adoption) names its User issue: `{"pair", "userIssueId", "userIssueKey"}`;
- on a comment, `CommentMarker`: a comment the sync posted names the change it announces:
  `{"changeId"}` (found again when a post's answer was lost: app.sync.executor).
A shape is told by its fields, so a new one (issue 19's comment copies) takes a field of its
own and a class here, and `comment_marker` learns it.

Versions: version 1 is every marker written so far; it carries no version field. A later
version writes `"v": 2` and its reader here accepts both; a marker from a newer version than
this reader knows is read as no marker of ours (never misread).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KEY = "jira-sync"  # the entity property key, on issues and on comments
VERSION = 1  # the newest version this module writes and reads


@dataclass(frozen=True)
class IssueMarker:
    """On a Dev issue: the User issue it belongs to, and the pair that made it so."""

    user_issue_id: str
    user_issue_key: str | None = None
    pair: str | None = None

    def names(self, user_issue_id: str) -> bool:
        return self.user_issue_id == user_issue_id

    def value(self) -> dict[str, Any]:
        return {"pair": self.pair, "userIssueId": self.user_issue_id, "userIssueKey": self.user_issue_key}

    def properties(self) -> dict[str, Any]:
        """As `properties` of a create request."""
        return {KEY: self.value()}

    @classmethod
    def read(cls, value: Any) -> IssueMarker | None:
        """The property's value as ours, or None (absent, another shape, a newer version)."""
        if not _ours(value) or value.get("userIssueId") in (None, ""):
            return None
        key, pair = value.get("userIssueKey"), value.get("pair")
        return cls(str(value["userIssueId"]), None if key is None else str(key), None if pair is None else str(pair))


@dataclass(frozen=True)
class CommentMarker:
    """On a comment the sync posted: the change it announces."""

    change_id: str

    def properties(self) -> dict[str, Any]:
        """As `properties` of an add-comment request."""
        return {KEY: {"changeId": self.change_id}}

    @classmethod
    def read(cls, value: Any) -> CommentMarker | None:
        if not _ours(value) or not isinstance(value.get("changeId"), str):
            return None
        return cls(value["changeId"])


def issue_marker(properties: Mapping[str, Any] | None) -> IssueMarker | None:
    """Our marker among an issue's properties as a search or GET returns them ({key: value})."""
    return IssueMarker.read((properties or {}).get(KEY))


def comment_marker(properties: list[Mapping[str, Any]] | None) -> CommentMarker | None:
    """Our marker among a comment's expanded properties ([{key, value}])."""
    for prop in properties or []:
        if prop.get("key") == KEY:
            return CommentMarker.read(prop.get("value"))
    return None


def _ours(value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    version = value.get("v", 1)
    return isinstance(version, int) and version <= VERSION
