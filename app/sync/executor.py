"""Carries out a plan's actions against Jira, each one safe to run again.

A pass may die between any two steps (kill -9, MongoDB or Jira down), and a failed change is
retried on later passes, so every action first finds out whether it already happened:

- create:      see app.sync.creation (write-ahead record, link and marker made with the issue;
               the rest of a creating plan is owed to the creation and done once);
- transition:  reads the partner's status with the transitions on offer (one GET) and does
               nothing when it is already there, or when a person moved the partner after the
               change being synced (its own, newer change decides: the sync never overwrites a
               later move with an older one);
- attachments: each source attachment id is recorded once copied; an unfinished copy is
               matched on the target by file name and size;
- link:        looks for an existing link between the two issues;
- comment:     an intent per (change, side), and a `jira-sync` comment property to find a
               comment whose intent was never marked done.
Each action records its own state only after its remote write succeeded.

A Jira failure stops the plan and comes back as an Execution with result "failed". Anything
else (MongoDB unreachable, a bug) propagates and aborts the pass: its changes are read again
on the next pass, and the actions above make that repetition harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.config import PairConfig
from app.jira import JiraAuthError, JiraClient, JiraError, JiraNotFound, JiraPayloadTooLarge, JiraUnavailable
from app.jira.transitions import Transition
from app.sync.actions import Action, AddComment, CopyAttachments, CreateDevIssue, LinkIssues, TransitionPartner
from app.sync.creation import LINK_TYPE, CreationDeferred, CreationRecord, DevIssueCreation
from app.sync.credentials import CredentialCheck
from app.sync.failures import FailedChange, refused
from app.sync.jira_answers import CommentView, IssueView
from app.sync.marker import CommentMarker
from app.sync.model import Execution, ExecutionResult, IssueSnapshot, Mapping, Side, other_side, same_status
from app.sync.store import PairStore
from app.sync.templates import browse_url

DONE_RESOLUTION = "Done"


class PartnerMissing(Exception):
    """The mapped partner issue no longer exists in Jira; it is reported, never recreated."""

    def __init__(self, key: str, issue_id: str) -> None:
        super().__init__(f"partner issue {key} (id {issue_id}) no longer exists; not recreated")


@dataclass
class _Progress:
    """What a plan has done so far (the executor's scratch pad while it runs one plan)."""

    mapping: Mapping | None
    source_updated: datetime | None = None  # when the change being synced was made
    done: list[str] = field(default_factory=list)
    baselined: set[str] = field(default_factory=set)
    # The attachments of the issue being synced as the pass's search listed them, by issue id:
    # copied from that list rather than read again.
    listed_attachments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def execution(self, result: ExecutionResult, error: str | None = None) -> Execution:
        return Execution(result, tuple(self.done), self.mapping, error, frozenset(self.baselined))


@dataclass
class ActionExecutor:
    """Runs the actions of one plan in order; the first Jira failure stops the rest."""

    jira: JiraClient
    store: PairStore
    config: PairConfig
    clock: Callable[[], datetime]
    time_zone: str

    def __post_init__(self) -> None:
        self.credentials = CredentialCheck(self.jira)
        self.creation = DevIssueCreation(self.jira, self.store, self.config, self.clock, self.time_zone, self.credentials)

    def execute(self, actions: tuple[Action, ...], mapping: Mapping | None, change_id: str,
                source_updated: datetime | None = None, source: IssueSnapshot | None = None) -> Execution:
        """Carry out one plan; a creating plan (its first action creates) hands the rest to the
        creation. `source_updated` is the `updated` of the change being synced, `source` the
        issue as the pass read it (its attachments are not read again)."""
        if not actions:
            return Execution("nothing to do", mapping=mapping)
        listed = _listed_attachments(source)
        first = actions[0]
        if isinstance(first, CreateDevIssue):
            record, new = self.creation.begin(first, actions[1:])
            return self.carry_out_creation(record, new, listed)
        progress = _Progress(mapping, source_updated, listed_attachments=listed)
        for action in actions:
            failed = self._run(action, progress, change_id)
            if failed:
                return progress.execution("failed", failed)
        return progress.execution("done")

    def copy_attachments(self, from_side: Side, mapping: Mapping, change_id: str) -> list[dict[str, Any]]:
        """The attachments of `from_side`'s issue not copied yet, to its partner (the path every
        attachment copy takes: each file once); answers the issue's attachments as Jira listed
        them (read once). JiraError or PartnerMissing when it fails."""
        action = CopyAttachments(from_side=from_side, to_side=other_side(from_side))
        source_id = mapping.id_of(from_side)
        listed = self.jira.attachments(source_id)
        self._copy_attachments(action, mapping, change_id, _Progress(mapping, listed_attachments={source_id: listed}))
        return listed

    def carry_out_creation(self, record: CreationRecord, new: bool = False,
                           listed_attachments: dict[str, list[dict[str, Any]]] | None = None) -> Execution:
        """Make the creation's Dev issue (unless it exists) and do whatever it still owes."""
        progress = _Progress(record.mapping, listed_attachments=listed_attachments or {})
        try:
            record, created = self.creation.ensure_dev_issue(record, new)
        except JiraAuthError:
            raise  # the pass stops: nothing is decided on an answer given to nobody
        except (JiraError, CreationDeferred) as error:
            return progress.execution("failed", f"{CreateDevIssue.__name__} failed: {error}")
        if record.phase == "abandoned":
            return progress.execution("abandoned")
        if created:
            progress.done.append(CreateDevIssue.name)
        progress.mapping = record.mapping
        if not record.linked:
            failed = self._run(LinkIssues(), progress, record.change_id)
            if failed:
                return progress.execution("failed", failed)
            record = self.creation.link_made(record)
        for index, part in record.owed_parts():
            # The creation made its link: a LinkIssues part has nothing left to do.
            failed = None if isinstance(part, LinkIssues) else self._run(part, progress, record.change_id)
            if failed:
                return progress.execution("failed", failed)
            record = self.creation.part_done(record, index)
        self.creation.finish(record)
        return progress.execution("done")

    def _run(self, action: Action, progress: _Progress, change_id: str) -> str | None:
        """Run one action against the plan's mapping; the failure's text, or None when it ran."""
        mapping = progress.mapping
        if mapping is None:
            raise RuntimeError(f"{action.name} planned without a mapping; the planner never does that")
        try:
            did = self._handle(action, mapping, change_id, progress)
        except JiraAuthError:
            raise  # the pass stops: nothing is decided on an answer given to nobody
        except (JiraError, PartnerMissing) as error:
            return f"{type(action).__name__} failed: {error}"
        if did:
            progress.done.append(action.name)
        return None

    def _handle(self, action: Action, mapping: Mapping, change_id: str, progress: _Progress) -> bool:
        if isinstance(action, TransitionPartner):
            return self._transition(action, mapping, change_id, progress)
        if isinstance(action, CopyAttachments):
            return self._copy_attachments(action, mapping, change_id, progress)
        if isinstance(action, LinkIssues):
            return self._link(action, mapping, change_id, progress)
        if isinstance(action, AddComment):
            return self._comment(action, mapping, change_id, progress)
        raise RuntimeError(f"{action.name} is carried out by the creation, not as a plan's step")

    # -- transition --------------------------------------------------------------------------

    def _transition(self, action: TransitionPartner, mapping: Mapping, change_id: str, progress: _Progress) -> bool:
        partner_id = mapping.id_of(action.side)
        partner, offered = self._partner_with_transitions(partner_id, mapping.key_of(action.side))
        if partner.key != mapping.key_of(action.side):
            self.store.update_mapping_key(action.side, partner_id, partner.key)  # it moved
        reached = partner.current_status()
        if self._moved_later(partner_id, reached, partner.updated, progress.source_updated):
            return False  # a person moved the partner after this change: its own change decides
        progress.baselined.add(partner_id)
        already_there = same_status(reached, action.target_status)
        if not already_there:
            reached = self._transition_to(partner_id, action.target_status, offered)
        # The status the sync set becomes the partner's baseline, so the next pass does not
        # sync it back (no echo).
        self.store.save_issue_state(partner_id, action.side, partner.key, reached, None)
        return not already_there

    def _transition_to(self, issue_id: str, target_status: str, offered: list[Transition]) -> str:
        """Move the issue; when the answer is lost, read it back: a move Jira made is the sync's
        own and becomes the baseline (else the next pass would take it for a person's: an echo)."""
        try:
            return self.jira.transition_to(issue_id, target_status, resolution=DONE_RESOLUTION, offered=offered).to_status
        except JiraUnavailable:
            now = IssueView.parse(self.jira.get_issue(issue_id, fields=["status"])).current_status()
            if same_status(now, target_status):
                return now
            raise

    def _moved_later(self, partner_id: str, status: str, updated: datetime | None, source_updated: datetime | None) -> bool:
        """Whether the partner changed after the change being synced: a version of it newer than
        that change was already processed (a retry of an older change), or it left the status
        the sync last knew after that change (a person's move not processed yet)."""
        if source_updated is None:
            return False
        known = self.store.issue_states([partner_id]).get(partner_id, {})
        # A newer version whose status did not move (a field edit, the field step's own write) does
        # not decide the status: only where the status was last seen to change counts.
        newer = known.get("status_updated") or known.get("updated")
        if newer is not None and newer > source_updated:
            return True
        moved = known.get("status") is not None and not same_status(known["status"], status)
        return moved and updated is not None and updated > source_updated

    def _partner_with_transitions(self, issue_id: str, key: str) -> tuple[IssueView, list[Transition]]:
        """The partner's status and the transitions on offer from it: one read, then the move."""
        try:
            issue, offered = self.jira.issue_with_transitions(issue_id, ["status", "updated"])
        except JiraNotFound as error:
            self.credentials.prove()
            raise PartnerMissing(key, issue_id) from error
        return IssueView.parse(issue), offered

    def _partner(self, issue_id: str, key: str, fields: list[str]) -> IssueView:
        try:
            return IssueView.parse(self.jira.get_issue(issue_id, fields=fields))
        except JiraNotFound as error:
            self.credentials.prove()
            raise PartnerMissing(key, issue_id) from error

    # -- attachments -------------------------------------------------------------------------

    def _copy_attachments(self, action: CopyAttachments, mapping: Mapping, change_id: str, progress: _Progress) -> bool:
        source_id, target_id = mapping.id_of(action.from_side), mapping.id_of(action.to_side)
        listed = progress.listed_attachments.get(source_id)
        sources = listed if listed is not None else self.jira.attachments(source_id)
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
                self.credentials.prove()
                raise PartnerMissing(mapping.key_of(action.to_side), target_id) from error
            except JiraPayloadTooLarge as error:
                self._refuse(attachment, mapping, action, error)
            else:
                self.store.record_attachment(str(attachment["id"]), target_id, str(uploaded[0]["id"]))
                count += 1
            self.store.finish_intent(intent_id)
        return count > 0

    def _refuse(self, attachment: dict[str, Any], mapping: Mapping, action: CopyAttachments, error: JiraError) -> None:
        """Jira will never take this file: never try it again, and keep it in sight as a failure."""
        attachment_id = str(attachment["id"])
        self.store.record_attachment(attachment_id, mapping.id_of(action.to_side), None)
        reason = (f"{attachment.get('filename')!r} ({attachment.get('size', '?')} bytes) was refused by Jira as too "
                  f"large for {mapping.key_of(action.to_side)}; not copied ({error})")
        described = FailedChange(mapping.id_of(action.from_side), mapping.key_of(action.from_side), action.from_side,
                                 None, None)
        self.store.record_failure(refused(f"refused:{attachment_id}", described, reason, self.clock()))

    # -- link --------------------------------------------------------------------------------

    def _link(self, action: LinkIssues, mapping: Mapping, change_id: str, progress: _Progress) -> bool:
        dev = self._partner(mapping.dev_id, mapping.dev_key, ["issuelinks"])
        if dev.links_to(mapping.user_id):
            return False
        self.jira.create_issue_link(LINK_TYPE, mapping.dev_key, mapping.user_key)
        return True

    # -- comment -----------------------------------------------------------------------------

    def _comment(self, action: AddComment, mapping: Mapping, change_id: str, progress: _Progress) -> bool:
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
        text = action.text(target_key=target_key, target_url=browse_url(self.jira.site_url, target_key))
        self.store.begin_intent(intent_id, self.clock(), issue_id=issue_id)
        self.jira.add_comment(issue_id, text, properties=CommentMarker(change_id).properties())
        self.store.finish_intent(intent_id)
        return True

    def _has_marked_comment(self, issue_id: str, change_id: str) -> bool:
        mark = CommentMarker(change_id)
        return any(CommentView.parse(raw).marker == mark for raw in self.jira.comments(issue_id, expand_properties=True))


def _listed_attachments(source: IssueSnapshot | None) -> dict[str, list[dict[str, Any]]]:
    if source is None or source.attachments is None:
        return {}
    return {source.id: [attachment.listed() for attachment in source.attachments]}


def _same_file(attachment: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    for candidate in candidates:
        if candidate.get("filename") == attachment.get("filename") and candidate.get("size") == attachment.get("size"):
            return candidate
    return None

