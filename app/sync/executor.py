"""Carries out a plan's actions against Jira, each one safe to run again.

A pass may die between any two steps (kill -9, MongoDB or Jira down), and a failed change is
retried on later passes, so every action first finds out whether it already happened:

- create:      see app.sync.creation (write-ahead intent, link and marker made with the issue);
- transition:  reads the partner's status and does nothing when it is already there;
- attachments: each source attachment id is recorded once copied; an unfinished copy is
               matched on the target by file name and size;
- link:        looks for an existing link between the two issues;
- comment:     an intent per (change, side), and a `jira-sync` comment property to find a
               comment whose intent was never marked done.
Each action records its own state only after its remote write succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.config import PairConfig
from app.jira import JiraClient, JiraError, JiraNotFound
from app.sync.creation import LINK_TYPE, MARKER_PROPERTY, DevIssueCreation, creation_intent
from app.sync.model import (
    Action,
    AddComment,
    CopyAttachments,
    CreateDevIssue,
    LinkIssues,
    Mapping,
    TransitionPartner,
    same_status,
)
from app.sync.store import PairStore
from app.sync.templates import browse_url

DONE_RESOLUTION = "Done"


class PartnerMissing(Exception):
    """The mapped partner issue no longer exists in Jira; it is reported, never recreated."""

    def __init__(self, key: str, issue_id: str) -> None:
        super().__init__(f"partner issue {key} (id {issue_id}) no longer exists; not recreated")


class ActionFailed(Exception):
    """An action could not be completed; `action` names it, `cause` says why, `outcome` holds
    what the actions before it did."""

    def __init__(self, action: Action, cause: Exception, outcome: "Outcome") -> None:
        super().__init__(f"{type(action).__name__} failed: {cause}")
        self.action = action
        self.cause = cause
        self.outcome = outcome


@dataclass
class Outcome:
    """What executing one plan did; `mapping` is the pair after any creation."""

    mapping: Mapping | None
    created: bool = False  # the Dev issue was created by this plan, together with its link
    done: list[str] = field(default_factory=list)
    baselined: set[str] = field(default_factory=set)  # issue ids whose stored status the sync set


@dataclass
class ActionExecutor:
    """Runs the actions of one plan in order; the first Jira failure stops the rest (ActionFailed).

    Anything else (MongoDB unreachable, a bug) propagates and aborts the pass: its changes are
    read again on the next pass, and the actions above make that repetition harmless.
    """

    jira: JiraClient
    store: PairStore
    config: PairConfig
    clock: Callable[[], datetime]
    time_zone: str

    def __post_init__(self) -> None:
        self.creation = DevIssueCreation(self.jira, self.store, self.config, self.clock, self.time_zone)

    def execute(self, actions: tuple[Action, ...], mapping: Mapping | None, change_id: str) -> Outcome:
        creating = next((a for a in actions if isinstance(a, CreateDevIssue)), None)
        if creating:
            # A creation may be re-planned from a newer version of the User issue (the link it
            # made bumps `updated`); its comment must still be recognised as the same one.
            change_id = creation_intent(creating.user_issue_id)
        outcome = Outcome(mapping)
        for action in actions:
            try:
                did = self._run(action, outcome, change_id)
            except (JiraError, PartnerMissing) as error:
                raise ActionFailed(action, error, outcome) from error
            if did:
                outcome.done.append(action_name(action))
        return outcome

    def _run(self, action: Action, outcome: Outcome, change_id: str) -> bool:
        if isinstance(action, CreateDevIssue):
            outcome.mapping, outcome.created = self.creation.ensure(action)
            return outcome.created
        mapping = outcome.mapping
        if mapping is None:
            raise RuntimeError(f"{action_name(action)} planned without a mapping; the planner never does that")
        if isinstance(action, TransitionPartner):
            outcome.baselined.add(mapping.id_of(action.side))
            return self.transition(mapping, action)
        if isinstance(action, CopyAttachments):
            return self.copy_attachments(mapping, action) > 0
        if isinstance(action, LinkIssues):
            return False if outcome.created else self.link(mapping)
        if isinstance(action, AddComment):
            return self.comment(mapping, action, change_id)
        raise TypeError(f"unknown action {action!r}")

    # -- transition --------------------------------------------------------------------------

    def transition(self, mapping: Mapping, action: TransitionPartner) -> bool:
        partner_id = mapping.id_of(action.side)
        partner = self._partner(partner_id, mapping.key_of(action.side), ["status"])
        if partner["key"] != mapping.key_of(action.side):
            self.store.update_mapping_key(action.side, partner_id, partner["key"])  # it moved
        reached = partner["fields"]["status"]["name"]
        already_there = same_status(reached, action.target_status)
        if not already_there:
            reached = self.jira.transition_to(partner_id, action.target_status, resolution=DONE_RESOLUTION).to_status
        # The status the sync set becomes the partner's baseline, so the next pass does not
        # sync it back (no echo).
        self.store.save_issue_state(partner_id, action.side, partner["key"], reached, None)
        return not already_there

    def _partner(self, issue_id: str, key: str, fields: list[str]) -> dict[str, Any]:
        try:
            return self.jira.get_issue(issue_id, fields=fields)
        except JiraNotFound as error:
            raise PartnerMissing(key, issue_id) from error

    # -- attachments -------------------------------------------------------------------------

    def copy_attachments(self, mapping: Mapping, action: CopyAttachments) -> int:
        source_id, target_id = mapping.id_of(action.from_side), mapping.id_of(action.to_side)
        sources = self.jira.attachments(source_id)
        copied = self.store.copied_attachment_ids(str(a["id"]) for a in sources)
        pending = [a for a in sources if str(a["id"]) not in copied]
        on_target: list[dict[str, Any]] | None = None
        count = 0
        for attachment in pending:
            intent_id = f"attach:{attachment['id']}"
            if self.store.intent(intent_id):
                on_target = on_target if on_target is not None else self.jira.attachments(target_id)
                twin = _same_file(attachment, on_target)
                if twin:
                    self.store.record_attachment(str(attachment["id"]), target_id, str(twin["id"]))
                    self.store.finish_intent(intent_id)
                    continue
            self.store.begin_intent(intent_id, self.clock(), target_issue_id=target_id)
            content = self.jira.download_attachment(attachment)
            try:
                uploaded = self.jira.add_attachment(target_id, attachment["filename"], content)
            except JiraNotFound as error:
                raise PartnerMissing(mapping.key_of(action.to_side), target_id) from error
            self.store.record_attachment(str(attachment["id"]), target_id, str(uploaded[0]["id"]))
            self.store.finish_intent(intent_id)
            count += 1
        return count

    # -- link --------------------------------------------------------------------------------

    def link(self, mapping: Mapping) -> bool:
        dev = self._partner(mapping.dev_id, mapping.dev_key, ["issuelinks"])
        if _links_to(dev["fields"].get("issuelinks") or [], mapping.user_id):
            return False
        self.jira.create_issue_link(LINK_TYPE, mapping.dev_key, mapping.user_key)
        return True

    # -- comment -----------------------------------------------------------------------------

    def comment(self, mapping: Mapping, action: AddComment, change_id: str) -> bool:
        intent_id = f"comment:{change_id}:{action.side}"
        issue_id = mapping.id_of(action.side)
        intent = self.store.intent(intent_id)
        if intent and intent.get("done"):
            return False
        if intent and self._has_marked_comment(issue_id, change_id):
            self.store.finish_intent(intent_id)
            return False
        # Only a creating rule's comment lacks its target key: the Dev issue it just created.
        target_key = action.context.target_key or mapping.dev_key
        text = action.text(target_key=target_key, target_url=browse_url(self.config.jira.base_url, target_key))
        self.store.begin_intent(intent_id, self.clock(), issue_id=issue_id)
        self.jira.add_comment(issue_id, text, properties={MARKER_PROPERTY: {"changeId": change_id}})
        self.store.finish_intent(intent_id)
        return True

    def _has_marked_comment(self, issue_id: str, change_id: str) -> bool:
        for comment in self.jira.comments(issue_id, expand_properties=True):
            for prop in comment.get("properties") or []:
                if prop.get("key") == MARKER_PROPERTY and (prop.get("value") or {}).get("changeId") == change_id:
                    return True
        return False


def action_name(action: Action) -> str:
    return {
        CreateDevIssue: "create",
        TransitionPartner: "transition",
        CopyAttachments: "attachments",
        LinkIssues: "link",
        AddComment: "comment",
    }[type(action)]


def _same_file(attachment: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    for candidate in candidates:
        if candidate.get("filename") == attachment.get("filename") and candidate.get("size") == attachment.get("size"):
            return candidate
    return None


def _links_to(links: list[dict[str, Any]], issue_id: str) -> bool:
    return any(str((link.get("inwardIssue") or link.get("outwardIssue") or {}).get("id")) == issue_id for link in links)
