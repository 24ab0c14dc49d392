"""The comment planner: (one issue's comments, what became of each, the pair's rules) -> actions.

Pure: no I/O, no clock. What it decides (README "Comments"):
- A comment carrying any of our markers (a copy, a notice) is never copied: no echo. Markers are
  the only test; the author is never looked at (the token's account may comment by hand).
- Only comments created at or after `since` (when comment sync was first enabled) are copied.
- To the Dev issue (`toDev`): `all`, or `public` (on a service project only what its customers
  see; elsewhere every unrestricted comment), or `none`. To the User issue (`toUser`): as
  `internal` notes, `public` replies, or `none`. A copy onto a service project is internal
  unless the file says `public` for that direction (a Dev project that is a service project
  included: nobody's customers read Dev talk by accident). `toUser: internal` sends the internal
  flag even to a project that is not a service project (there it changes nothing, and a project
  turned into a service project meanwhile still gets an internal note); only a service project's
  answer is checked for it (elsewhere Jira answers every comment public).
- A restricted comment (role or group) is skipped (`restricted: skip`), or copied with the same
  restriction (`keep`; Jira refuses a role the partner's project lacks and the copy is skipped).
- With `followEdits`, an original whose digest changed updates its copy, a copy whose original is
  gone (or no longer to be copied) is deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.sync.comment_copies import CommentCopy, CopyState
from app.sync.jira_answers import CommentView, Visibility
from app.sync.model import Side
from app.vocabulary import copy_direction

Mode = Literal["all", "public", "internal", "none"]


@dataclass(frozen=True)
class CopyRules:
    """The pair's comment rules for one direction, and what the two projects are."""

    origin: Side
    mode: Mode  # toDev's (all | public | none) going to Dev, toUser's (internal | public | none) to User
    follow_edits: bool
    restricted: Literal["skip", "keep"]
    since: datetime
    origin_service_desk: bool
    target_service_desk: bool

    @property
    def target(self) -> Side:
        return "dev" if self.origin == "user" else "user"

    @property
    def direction(self) -> str:
        return copy_direction(self.target)


@dataclass(frozen=True)
class PostCopy:
    original: CommentView
    digest: str
    internal: bool  # the request asks for an internal comment
    visibility: Visibility | None
    verify: bool = False  # the answer must say internal (a service project's), else the copy is deleted

    def describe(self) -> str:
        kind = "internal" if self.verify else "normal" if self.internal else "public"
        restricted = f", restricted to {self.visibility.describe()}" if self.visibility else ""
        return f"copy comment {self.original.id} as {kind}{restricted}"


@dataclass(frozen=True)
class EditCopy:
    original: CommentView
    copy: CommentCopy
    digest: str
    visibility: Visibility | None

    def describe(self) -> str:
        return f"edit the copy {self.copy.copy_comment_id} of comment {self.original.id}"


@dataclass(frozen=True)
class DeleteCopy:
    copy: CommentCopy
    reason: str

    def describe(self) -> str:
        return f"delete the copy {self.copy.copy_comment_id or '(to find by marker)'} of comment " \
               f"{self.copy.origin_comment_id}: {self.reason}"


@dataclass(frozen=True)
class SkipComment:
    original: CommentView
    digest: str
    reason: str

    def describe(self) -> str:
        return f"skip comment {self.original.id}: {self.reason}"


CommentAction = PostCopy | EditCopy | DeleteCopy | SkipComment


def digest(comment: CommentView) -> str:
    """What a copy depends on: the body, the restriction and the internal flag."""
    shown = json.dumps([comment.body, comment.visibility.request() if comment.visibility else None,
                        comment.internal], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


def plan_comments(originals: Sequence[CommentView], copies: Mapping[str, CommentCopy],
                  rules: CopyRules) -> tuple[CommentAction, ...]:
    """What to do about one issue's comments (oldest first) given what became of each."""
    if rules.mode == "none":
        return ()
    actions: list[CommentAction] = []
    listed: set[str] = set()
    for original in originals:
        if original.id is None or original.marker is not None:
            continue  # ours (a copy or a notice): never copied back
        listed.add(original.id)
        if original.created is None or original.created < rules.since:
            continue
        actions += _plan_one(original, copies.get(original.id), rules)
    if rules.follow_edits:
        for copy in copies.values():
            if copy.origin_comment_id not in listed and copy.state in (CopyState.COPIED, CopyState.POSTING):
                actions.append(DeleteCopy(copy, "the original was deleted"))
    return tuple(actions)


def _plan_one(original: CommentView, copy: CommentCopy | None, rules: CopyRules) -> list[CommentAction]:
    now = digest(original)
    decided = decide(original, rules, now)
    if copy is None or copy.state is CopyState.POSTING:
        return [decided]
    if copy.state is CopyState.DELETED or copy.digest == now:
        return []
    if copy.state is CopyState.SKIPPED:
        return [decided]  # changed since it was skipped: decided again
    if not rules.follow_edits:
        return []
    if isinstance(decided, SkipComment):
        return [DeleteCopy(copy, decided.reason), decided]
    return [EditCopy(original, copy, now, decided.visibility)]


def decide(original: CommentView, rules: CopyRules, now: str) -> PostCopy | SkipComment:
    """Copy or skip one original (as it is now), and how."""
    if rules.mode == "public" and rules.origin == "user":
        if rules.origin_service_desk and original.internal:
            return SkipComment(original, now, "an internal note; toDev is public")
        if original.visibility is not None:
            return SkipComment(original, now, f"restricted to {original.visibility.describe()}; toDev is public")
    if original.visibility is not None and rules.restricted == "skip":
        return SkipComment(original, now, f"restricted to {original.visibility.describe()}; restricted is skip")
    internal = rules.mode == "internal" if rules.target == "user" else rules.target_service_desk
    return PostCopy(original, now, internal, original.visibility, verify=internal and rules.target_service_desk)
