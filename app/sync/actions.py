"""What the sync can do to Jira, as plain values: the five actions and the Plan that orders them.

Each action names itself (`name`, used in logs, events and metrics) and describes itself for
people (`describe`, used by the dry run), so no caller needs a chain of isinstance tests. The
planner (app.sync.plan) builds Plans; the executor (app.sync.executor) carries them out through
its one dispatch table. Actions are frozen and turn into plain documents and back
(`action_document` / `action_from_document`), because a creation writes the parts it still
owes into MongoDB before it starts (app.sync.creation).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar

from app.sync.model import Side
from app.sync.templates import render_template


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

    name: ClassVar[str] = "create"

    user_issue_id: str
    user_issue_key: str
    project_key: str
    issue_type: str
    summary: str
    description: str
    priority: str | None
    user_status: str  # the User issue's status that called for the Dev issue

    def describe(self, issue_key: str) -> str:
        return f"create {self.issue_type} in {self.project_key} for {issue_key}: {self.summary!r}"


@dataclass(frozen=True)
class TransitionPartner:
    """Move the partner issue (on `side`) to the status named `target_status`."""

    name: ClassVar[str] = "transition"

    side: Side
    target_status: str

    def describe(self, issue_key: str) -> str:
        return f"transition the {self.side} issue of {issue_key} to {self.target_status!r}"


@dataclass(frozen=True)
class CopyAttachments:
    """Copy the attachments of the `from_side` issue not yet copied to the `to_side` issue."""

    name: ClassVar[str] = "attachments"

    from_side: Side
    to_side: Side

    def describe(self, issue_key: str) -> str:
        return f"copy new attachments {self.from_side} -> {self.to_side} for {issue_key}"


@dataclass(frozen=True)
class LinkIssues:
    """Make sure a Jira issue link joins the two issues. (The User issue's link line goes into
    the Dev description only when the sync creates it: rewriting an existing description as
    plain text would flatten its rich text.)"""

    name: ClassVar[str] = "link"

    def describe(self, issue_key: str) -> str:
        return f"link {issue_key} with its partner"


@dataclass(frozen=True)
class AddComment:
    """Post the rendered `template` on the issue of `side`.

    Rendering waits for execution because the target key of a freshly created Dev issue
    is only known then: call `text(target_key=..., target_url=...)`.
    """

    name: ClassVar[str] = "comment"

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

    def describe(self, issue_key: str) -> str:
        return f"comment on the {self.side} issue of {issue_key}: {self.text()!r}"


Action = CreateDevIssue | TransitionPartner | CopyAttachments | LinkIssues | AddComment
ACTION_TYPES: dict[str, type] = {kind.name: kind for kind in (CreateDevIssue, TransitionPartner, CopyAttachments,
                                                               LinkIssues, AddComment)}


@dataclass(frozen=True)
class Plan:
    """What to do about one status change: the rule that decided (None = no rule), the
    actions in execution order (empty = nothing to do), and why, for logs and dry runs.
    `wants_partner`: a rule would act, but needs the partner the issue has no mapping for."""

    rule_id: str | None
    actions: tuple[Action, ...] = field(default=())
    reason: str = ""
    wants_partner: bool = False

    @property
    def creates(self) -> bool:
        """The plan creates the Dev issue (its first action); the rest is owed to the creation."""
        return bool(self.actions) and isinstance(self.actions[0], CreateDevIssue)


def action_document(action: Action) -> dict[str, Any]:
    """The action as a plain document (its name under `action`), for MongoDB."""
    return {"action": action.name, **asdict(action)}


def action_from_document(document: dict[str, Any]) -> Action:
    """The inverse of `action_document`."""
    fields = {key: value for key, value in document.items() if key != "action"}
    kind = ACTION_TYPES[document["action"]]
    if kind is AddComment:
        fields["context"] = CommentContext(**fields["context"])
    action: Action = kind(**fields)
    return action
