"""Plain data of a sync pass: what was seen, what is linked, and what to do.

Frozen dataclasses only, no I/O. The planner (`app.sync.plan`) turns a `StatusChange`
into a `Plan` of the action types below; the engine executes them against Jira.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Literal, Union

from app.sync.templates import render_template

Side = Literal["user", "dev"]


def other_side(side: Side) -> Side:
    """The partner side of `side` (user <-> dev)."""
    return "dev" if side == "user" else "user"


def normalize_status(status: str | None) -> str:
    """Status names compare trimmed and case-insensitively ("  in progress" == "In Progress")."""
    return (status or "").strip().casefold()


def same_status(a: str | None, b: str | None) -> bool:
    """True when both names are known and equal after `normalize_status`."""
    return a is not None and b is not None and normalize_status(a) == normalize_status(b)


@dataclass(frozen=True)
class IssueSnapshot:
    """One issue as a search returned it. `id` is stable; `key` changes when the issue moves.

    `status_category` is Jira's category key ("new", "indeterminate", "done");
    `url` is the browse URL when the engine knows it (else the planner derives it).
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


@dataclass(frozen=True)
class CommentContext:
    """Values for a comment template. "source" is the issue whose change fired the rule,
    "target" its partner, whichever side the comment is posted on. None = not known yet
    (e.g. `target_key` before the Dev issue is created) and renders as an empty string."""

    source_key: str
    source_status: str
    source_url: str | None = None
    target_key: str | None = None
    target_status: str | None = None
    target_url: str | None = None

    def placeholders(self) -> dict[str, str]:
        """The `${name}` values, keyed by their template names."""
        return {
            "sourceKey": self.source_key,
            "sourceStatus": self.source_status,
            "sourceUrl": self.source_url or "",
            "targetKey": self.target_key or "",
            "targetStatus": self.target_status or "",
            "targetUrl": self.target_url or "",
        }


@dataclass(frozen=True)
class CreateDevIssue:
    """Create the Dev issue for a User issue that has none. `description` already carries
    the link line back to the User issue when the pair's `addCrossLinks` is on."""

    user_issue_id: str
    user_issue_key: str
    project_key: str
    issue_type: str
    summary: str
    description: str
    priority: str | None
    user_status: str  # the User issue's status that called for the Dev issue


@dataclass(frozen=True)
class TransitionPartner:
    """Move the partner issue (on `side`) to the status named `target_status`."""

    side: Side
    target_status: str


@dataclass(frozen=True)
class CopyAttachments:
    """Copy the attachments of the `from_side` issue not yet copied to the `to_side` issue."""

    from_side: Side
    to_side: Side


@dataclass(frozen=True)
class LinkIssues:
    """Make sure a Jira issue link joins the two issues. (The User issue's link line goes into
    the Dev description only when the sync creates it: rewriting an existing description as
    plain text would flatten its rich text.)"""


@dataclass(frozen=True)
class AddComment:
    """Post the rendered `template` on the issue of `side`.

    Rendering waits for execution because the target key of a freshly created Dev issue
    is only known then: call `text(target_key=..., target_url=...)`.
    """

    side: Side
    template: str
    context: CommentContext

    def text(self, target_key: str | None = None, target_url: str | None = None) -> str:
        """The comment body; given values fill (and override) the context's target fields."""
        context = self.context
        if target_key is not None:
            context = replace(context, target_key=target_key)
        if target_url is not None:
            context = replace(context, target_url=target_url)
        return render_template(self.template, context.placeholders())


Action = Union[CreateDevIssue, TransitionPartner, CopyAttachments, LinkIssues, AddComment]


@dataclass(frozen=True)
class Plan:
    """What to do about one status change: the rule that decided (None = no rule), the
    actions in execution order (empty = nothing to do), and why, for logs and dry runs."""

    rule_id: str | None
    actions: tuple[Action, ...] = field(default=())
    reason: str = ""


@dataclass
class PassSummary:
    """What one pass did; `counts` keys are free-form (seen, changed, actions, failed, ...)."""

    started_at: datetime
    finished_at: datetime | None = None
    duration_s: float = 0.0
    ok: bool = True
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def as_document(self) -> dict:
        return asdict(self)
