"""Carries out the comment planner's actions for one paired issue, each safe to run again.

One reconcile reads the issue's comments once (one GET per page of 100, `expand=properties`),
plans (app.sync.comment_plan, pure) against what became of each original
(app.sync.comment_copies), and acts:
- post:   the files the original embeds go to the partner first, through the attachment copy
          every attachment takes (app.sync.executor: each file once); on Data Center the copy's
          `!file!` then finds its file by name, on Cloud the copy links each media node's file
          to the partner's copy of it, as the attachment copy recorded it (app.sync.comment_media);
          the copy is written ahead (`posting`) before the POST; the POST carries our CopyMarker
          and, for an internal copy, `sd.public.comment` `{"internal": true}`, so the copy is
          internal from its first moment. A `posting` record found again means the copy may exist: the
          partner's comments are read and the copy found by its marker before anything is
          posted. The answer is read back: a copy meant to be internal that Jira says is public
          (`jsdPublic`, or the property on Data Center) is deleted at once and reported;
- edit:   a PUT of the new body (the same PUT twice is harmless; the internal flag is kept);
          files the edited original embeds go first as for a post (a file copied before is not
          uploaded again);
- delete: a DELETE (a copy already gone counts as deleted);
- skip:   recorded with its reason, so it is reported once per version of the original.
The first Jira failure stops the issue's reconcile; it comes back as `error` and the engine keeps
a `comment` failure that is retried (a later edit simply supersedes what was unfinished: each
reconcile starts again from the comments as they are).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.config import CommentSync
from app.jira import JiraAuthError, JiraClient, JiraError, JiraNotFound
from app.sync.audit import comment_event
from app.sync.comment_body import copy_body, embeds_files
from app.sync.comment_copies import CommentCopy, CopyState
from app.sync.comment_media import NO_FILES, PartnerFiles
from app.sync.comment_plan import (
    CommentAction,
    CopyRules,
    DeleteCopy,
    EditCopy,
    PostCopy,
    SkipComment,
    plan_comments,
)
from app.sync.executor import PartnerMissing
from app.sync.jira_answers import INTERNAL_PROPERTY, CommentView, parse_jira_datetime
from app.sync.marker import CopyMarker
from app.sync.model import Mapping, Side, other_side
from app.sync.store import PairStore

SERVICE_DESK = "service_desk"


class CopyMadePublic(Exception):
    """Jira answered that a copy meant to be internal is public; the copy was deleted."""


@dataclass
class Reconciled:
    """What one reconcile did: counts by `<what>.<direction>`, audit events, and the failure."""

    counts: dict[str, int] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def count(self, what: str, direction: str) -> None:
        key = f"comments.{what}.{direction}"
        self.counts[key] = self.counts.get(key, 0) + 1


# (from side, mapping, change id) -> the from side's attachments as listed: ActionExecutor.copy_attachments
CopyFiles = Callable[[Side, Mapping, str], list[dict[str, Any]]]


@dataclass
class CommentCopier:
    jira: JiraClient
    store: PairStore
    settings: CommentSync
    project_keys: dict[Side, str]
    clock: Callable[[], datetime]
    copy_files: CopyFiles | None = None
    _service_desk: dict[Side, bool] = field(default_factory=dict)

    def rules(self, origin: Side, since: datetime) -> CopyRules:
        mode = self.settings.to_dev if origin == "user" else self.settings.to_user
        return CopyRules(origin, mode, self.settings.follow_edits, self.settings.restricted, since,
                         self.service_desk(origin), self.service_desk(other_side(origin)))

    def service_desk(self, side: Side) -> bool:
        """Whether the side's project is a service project (read once per worker)."""
        if side not in self._service_desk:
            project = self.jira.project(self.project_keys[side])
            self._service_desk[side] = project.get("projectTypeKey") == SERVICE_DESK
        return self._service_desk[side]

    def jira_now(self) -> datetime | None:
        """Jira's own time (`serverInfo.serverTime`), None when it does not say."""
        served = self.jira.server_info().get("serverTime")
        return parse_jira_datetime(served) if isinstance(served, str) and served else None

    def plan(self, origin: Side, issue_id: str, since: datetime) -> tuple[CommentAction, ...]:
        """What reconciling the issue would do (reads its comments; writes nothing)."""
        rules = self.rules(origin, since)
        if rules.mode == "none":
            return ()  # nothing goes that way: not even its comments are read
        originals = [CommentView.parse(raw) for raw in self.jira.raw_comments(issue_id)]
        return plan_comments(originals, self.store.comment_copies_of(origin, issue_id), rules)

    def reconcile(self, origin: Side, mapping: Mapping, since: datetime) -> Reconciled:
        """Bring the partner's copies of one issue's comments in line; never raises a JiraError
        (but JiraAuthError, which stops the pass)."""
        done = Reconciled()
        issue_id = mapping.id_of(origin)
        try:
            rules = self.rules(origin, since)
            actions = self.plan(origin, issue_id, since)
        except JiraAuthError:
            raise
        except JiraNotFound:
            return done  # the original issue is gone: nothing left to copy from it
        except JiraError as error:
            done.error = f"reading the comments of {mapping.key_of(origin)} failed: {error}"
            return done
        run = _Run(self, mapping, rules, done)
        for action in actions:
            try:
                run.act(action)
            except JiraAuthError:
                raise
            except (JiraError, CopyMadePublic, PartnerMissing) as error:
                done.error = _reason(action, mapping, rules, error)
                return done
        return done


@dataclass
class _Run:
    """One reconcile's actions (its scratch pad: the partner's comments, read at most once)."""

    copier: CommentCopier
    mapping: Mapping
    rules: CopyRules
    done: Reconciled
    _partner_comments: list[CommentView] | None = None

    @property
    def origin_key(self) -> str:
        return self.mapping.key_of(self.rules.origin)

    @property
    def target_key(self) -> str:
        return self.mapping.key_of(self.rules.target)

    @property
    def target_id(self) -> str:
        return self.mapping.id_of(self.rules.target)

    def act(self, action: CommentAction) -> None:
        if isinstance(action, PostCopy):
            self._post(action)
        elif isinstance(action, EditCopy):
            self._edit(action)
        elif isinstance(action, DeleteCopy):
            self._delete(action)
        else:
            self._skip(action)

    # -- post ------------------------------------------------------------------------------

    def _post(self, action: PostCopy) -> None:
        original, copier = action.original, self.copier
        assert original.id is not None  # the planner never plans a comment without an id
        marker = CopyMarker(copier.jira.site_url, self.mapping.id_of(self.rules.origin), original.id)
        record = CommentCopy(self.rules.origin, marker.issue_id, original.id, self.target_id, CopyState.POSTING,
                             action.digest, at=copier.clock())
        stored = copier.store.comment_copies_of(self.rules.origin, marker.issue_id).get(original.id)
        if stored is not None and stored.state is CopyState.POSTING:
            found = self._find(marker)
            if found is not None:  # posted before; its answer (or its record) was lost
                self._check_internal(action, found)
                self._record_copied(record, found, action)
                return
        body = self._body(original, record.id)
        copier.store.save_comment_copy(record)  # written ahead: a copy may exist from here on
        properties: dict[str, Any] = marker.properties()
        if action.internal:
            properties[INTERNAL_PROPERTY] = {"internal": True}
        visibility = action.visibility.request() if action.visibility else None
        try:
            answer = CommentView.parse(copier.jira.post_comment(self.target_id, body, properties, visibility))
        except JiraError as error:
            if visibility is not None and error.status == 400 and "commentLevel" in error.errors:
                reason = f"restricted to {action.visibility.describe() if action.visibility else '?'}, which " \
                         f"{self.target_key}'s project does not have"
                self._skip(SkipComment(original, action.digest, reason))
                return
            raise
        self._check_internal(action, answer)
        self._record_copied(record, answer, action)

    def _body(self, original: CommentView, copy_id: str) -> Any:
        """The copy's body; the files the original embeds are copied to the partner first."""
        copier = self.copier
        files = NO_FILES
        if copier.copy_files is not None and embeds_files(original.body):
            listed = copier.copy_files(self.rules.origin, self.mapping, f"comment:{copy_id}")
            counterparts = copier.store.attachment_counterparts(str(a["id"]) for a in listed)
            files = PartnerFiles.of(listed, counterparts)
        return copy_body(original, self.origin_key, copier.jira.site_url, copier.jira.deployment, files)

    def _find(self, marker: CopyMarker) -> CommentView | None:
        if self._partner_comments is None:
            self._partner_comments = [CommentView.parse(raw) for raw in self.copier.jira.raw_comments(self.target_id)]
        return next((c for c in self._partner_comments if c.marker == marker), None)

    def _check_internal(self, action: PostCopy, copy: CommentView) -> None:
        """A copy meant to be internal must be: else it is deleted at once, and reported."""
        if not action.verify or copy.internal:
            return
        if copy.id is not None:
            self.copier.jira.delete_comment(self.target_id, copy.id)
        raise CopyMadePublic(f"Jira made the internal copy {copy.id} public on {self.target_key}; it was deleted")

    def _record_copied(self, record: CommentCopy, copy: CommentView, action: PostCopy) -> None:
        self.copier.store.save_comment_copy(replace(record, state=CopyState.COPIED, copy_comment_id=copy.id))
        self.done.count("copied", self.rules.direction)
        self.done.events.append(comment_event("comment.copied", self._keys(action.original.id, copy.id),
                                              "internal" if action.verify else "normal" if action.internal else "public"))

    # -- edit, delete, skip --------------------------------------------------------------------

    def _edit(self, action: EditCopy) -> None:
        copy, copier = action.copy, self.copier
        body = self._body(action.original, copy.id)
        visibility = action.visibility.request() if action.visibility else None
        try:
            copier.jira.update_comment(self.target_id, copy.copy_comment_id or "", body, visibility)
        except JiraNotFound:  # a person deleted the copy: nothing left to follow
            copier.store.save_comment_copy(replace(copy, state=CopyState.DELETED, reason="the copy was deleted",
                                                   at=copier.clock()))
            return
        copier.store.save_comment_copy(replace(copy, digest=action.digest, at=copier.clock()))
        self.done.count("edited", self.rules.direction)
        self.done.events.append(comment_event("comment.edited", self._keys(action.original.id, copy.copy_comment_id)))

    def _delete(self, action: DeleteCopy) -> None:
        copy, copier = action.copy, self.copier
        copy_comment_id = copy.copy_comment_id
        if copy_comment_id is None:  # posting: the copy may exist, found by its marker
            found = self._find(CopyMarker(copier.jira.site_url, copy.origin_issue_id, copy.origin_comment_id))
            copy_comment_id = found.id if found else None
        if copy_comment_id is not None:
            copier.jira.delete_comment(self.target_id, copy_comment_id)
        copier.store.save_comment_copy(replace(copy, state=CopyState.DELETED, reason=action.reason, at=copier.clock()))
        self.done.count("deleted", self.rules.direction)
        self.done.events.append(comment_event("comment.deleted", self._keys(copy.origin_comment_id, copy_comment_id),
                                              reason=action.reason))

    def _skip(self, action: SkipComment) -> None:
        original, copier = action.original, self.copier
        assert original.id is not None
        copier.store.save_comment_copy(CommentCopy(self.rules.origin, self.mapping.id_of(self.rules.origin),
                                                   original.id, self.target_id, CopyState.SKIPPED, action.digest,
                                                   reason=action.reason, at=copier.clock()))
        self.done.count("skipped", self.rules.direction)
        self.done.events.append(comment_event("comment.skipped", self._keys(original.id, None), reason=action.reason))

    def _keys(self, original_id: str | None, copy_id: str | None) -> dict[str, Any]:
        # By the original's issue id, as every event: the trace of either issue finds it.
        return {"issueId": self.mapping.id_of(self.rules.origin), "issueKey": self.origin_key,
                "targetKey": self.target_key, "direction": self.rules.direction,
                "commentId": original_id, "copyId": copy_id}


def _reason(action: CommentAction, mapping: Mapping, rules: CopyRules, error: Exception) -> str:
    what = action.describe()
    target = mapping.key_of(rules.target)
    if isinstance(error, PartnerMissing) or (isinstance(error, JiraNotFound) and isinstance(action, PostCopy)):
        return f"{what} on {target} failed: the partner issue no longer exists ({error})"
    return f"{what} on {target} failed: {error}"
