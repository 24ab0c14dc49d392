"""Plain data of a sync pass: what was seen, what is linked, and what a pass did.

Dataclasses only, no I/O. The planner (app.sync.plan) turns a `StatusChange` into a Plan of
actions (app.sync.actions); the executor carries it out and answers with an `Execution`; a
pass adds everything up in a `PassSummary`.
"""

from __future__ import annotations

from collections.abc import Mapping as FieldMap
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from app.sync.marker import IssueMarker
from app.vocabulary import Side as Side
from app.vocabulary import normalize_status as normalize_status
from app.vocabulary import other_side as other_side


def same_status(a: str | None, b: str | None) -> bool:
    """True when both names are known and equal after `normalize_status`."""
    return a is not None and b is not None and normalize_status(a) == normalize_status(b)


@dataclass(frozen=True)
class IssueRef:
    """Another issue, as a link names it."""

    id: str
    key: str


@dataclass(frozen=True)
class AttachmentView:
    id: str
    filename: str | None = None
    size: int | None = None
    content: str | None = None  # the URL Jira serves the file from

    def listed(self) -> dict[str, Any]:
        """As Jira lists it in an issue's `attachment` field (what the attachment copy reads)."""
        return {"id": self.id, "filename": self.filename, "size": self.size, "content": self.content}


@dataclass(frozen=True)
class IssueSnapshot:
    """One issue as a search returned it. `id` is stable; `key` changes when the issue moves.

    `status_category` is Jira's category key ("new", "indeterminate", "done");
    `url` is the browse URL when the engine knows it (else the planner derives it);
    `linked` the issues its issue links join it to; `marker` its `jira-sync` issue property
    (set on the Dev issues the sync creates) when it has one.
    """

    id: str
    key: str
    side: Side
    status: str
    status_category: str
    updated: datetime
    summary: str
    description: str | None = None
    priority: str | None = None
    issue_type: str | None = None
    url: str | None = None
    linked: tuple[IssueRef, ...] = ()
    marker: IssueMarker | None = None
    attachment_ids: tuple[str, ...] = ()
    attachments: tuple[AttachmentView, ...] | None = None  # as the search listed them (None: not read)
    fields: FieldMap[str, Any] = field(default_factory=dict)  # the synced fields as answered (app.sync.field_sync)


@dataclass(frozen=True)
class StatusChange:
    """An issue as seen now, with the status stored for it before (None = first sighting)."""

    issue: IssueSnapshot
    previous_status: str | None

    @property
    def first_sighting(self) -> bool:
        return self.previous_status is None

    @property
    def status_changed(self) -> bool:
        """A real `from -> to` change: seen before, with a different (normalized) status."""
        return self.previous_status is not None and not same_status(
            self.previous_status, self.issue.status
        )


@dataclass(frozen=True)
class Mapping:
    """The link between one User issue and its Dev issue (ids are the identity, keys the labels)."""

    user_id: str
    user_key: str
    dev_id: str
    dev_key: str

    def key_of(self, side: Side) -> str:
        return self.user_key if side == "user" else self.dev_key

    def id_of(self, side: Side) -> str:
        return self.user_id if side == "user" else self.dev_id


ExecutionResult = Literal["done", "failed", "nothing to do", "abandoned"]


@dataclass(frozen=True)
class Execution:
    """What carrying out one plan did.

    `result`: "done" (every action ran), "failed" (the first failing action stopped the rest;
    `error` says why), "nothing to do", or "abandoned" (a creation no longer wanted, see
    app.sync.creation). `actions_done` names the actions that changed something in Jira;
    `mapping` is the pair after the plan (a creation makes one); `baselined` holds the ids of
    issues whose stored status the sync set meanwhile.
    """

    result: ExecutionResult
    actions_done: tuple[str, ...] = ()
    mapping: Mapping | None = None
    error: str | None = None
    baselined: frozenset[str] = frozenset()


@dataclass
class PassSummary:
    """What one pass did; `counts` keys are free-form (seen, changed, actions, failed, ...)."""

    started_at: datetime
    finished_at: datetime | None = None
    duration_s: float = 0.0
    ok: bool = True
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def as_document(self) -> dict[str, Any]:
        return asdict(self)
