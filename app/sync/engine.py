"""One sync pass of one pair: observe -> plan -> execute -> record -> retry.

1. Observe (app.sync.observe): both projects' issues updated since each side's watermark minus
   the overlap window, every page, and keep the versions not processed yet, oldest first.
2. For each: plan (app.sync.plan, pure) against the stored mapping and partner status, execute
   (app.sync.executor, idempotent actions), record the new baseline and one event. A failed
   action is kept in `failures` and the pass goes on.
3. Retry: the failures that are due go through the same plan-and-execute path as fresh
   changes, from the issue as it is now; creations that still owe something (a crash or a
   failure interrupted them) are carried out by the creation itself (app.sync.creation).
4. Comments (when the pair's file has a `comments` block): every paired issue whose change this
   pass saw (noted ahead in `comments_due`, so a crash leaves the work to the next pass), whose
   comment failure is due, or, on a full scan, that has live copies (edits and deletes need not
   move `updated`), has its comments reconciled with its partner's copies (app.sync.comment_sync).
5. Advance each watermark from the `updated` values Jira returned, only after a full pass.

Every `fullScanInterval` the observation also includes what a full scan found the windows
missed (an index that showed a change too late); those versions go through the same path.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.config import PairConfig
from app.instants import utc_now
from app.jira import JiraAuthError, JiraClient, JiraError, JiraNotFound
from app.sync.actions import CreateDevIssue, Plan
from app.sync.adoption import Adoption, Ambiguous
from app.sync.audit import Progress, adopted_event, creation_event, processed_event
from app.sync.comment_plan import CommentAction
from app.sync.comment_sync import CommentCopier
from app.sync.creation import CreationRecord, creation_id
from app.sync.executor import ActionExecutor
from app.sync.failures import FailedChange, Failure, FailureKind, creation_change, failed_again
from app.sync.field_plan import Write
from app.sync.field_sync import FieldsDone, FieldSync
from app.sync.model import (
    Execution,
    IssueSnapshot,
    Mapping,
    PassSummary,
    Side,
    StatusChange,
    other_side,
    same_status,
)
from app.sync.observe import DEFAULT_OVERLAP, Observation, Observed, Observer, full_scan_due
from app.sync.original import ImportPlan, OriginalImport, import_update, still_to_import
from app.sync.plan import plan as plan_change
from app.sync.requests import RequestKind
from app.sync.state import SyncState, SyncStateUpdate
from app.sync.store import PairStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preview:
    """What a pass would do about one change: its plan, and the partner it would adopt first."""

    change: StatusChange
    plan: Plan
    adopts: Mapping | None = None
    via: str | None = None


@dataclass(frozen=True)
class CommentPreview:
    """What a pass would do about one paired issue's comments (the `plan` command)."""

    issue_key: str
    side: Side
    actions: tuple[CommentAction, ...]


@dataclass(frozen=True)
class FieldPreview:
    """What a pass would write of one changed paired issue's fields (the `plan` command)."""

    issue_key: str
    side: Side
    writes: tuple[Write, ...]


class Engine:
    """Runs passes for one pair; Jira, the store and the clock are injected."""

    def __init__(
        self,
        config: PairConfig,
        jira: JiraClient,
        store: PairStore,
        time_zone: str | None,
        clock: Callable[[], datetime] = utc_now,
        overlap: timedelta = DEFAULT_OVERLAP,
        monotonic: Callable[[], float] = time.monotonic,
        bundle: str | None = None,
    ) -> None:
        self.config = config
        self.bundle = bundle  # named in every event, with the pass: which bundle and pass saw what
        self.pass_started: datetime | None = None
        self.store = store
        self.clock = clock
        self.monotonic = monotonic
        self.jira = jira
        self.observer = Observer(config, jira, store, time_zone or "UTC", overlap)
        self.executor = ActionExecutor(jira, store, config, clock, time_zone or "UTC")
        self.adoption = Adoption(jira, store, config, clock, self.executor.credentials)
        self.original = OriginalImport(jira, store, clock, self.executor.credentials)
        self.comments = (CommentCopier(jira, store, config.comments,
                                       {"user": config.user_project_key, "dev": config.dev_project_key}, clock,
                                       self.executor.copy_attachments)
                         if config.comments is not None else None)
        self.fields = FieldSync(jira, store, config.fields, clock) if config.fields else None

    # -- the pass ----------------------------------------------------------------------------

    def run_pass(self, should_stop: Callable[[], bool] = lambda: False) -> PassSummary:
        summary = PassSummary(started_at=self.clock())
        self.pass_started = summary.started_at
        counts: Counter[str] = Counter()
        self.executor.credentials.new_pass()
        self._import_original()
        state = self._comments_enabled(self.store.sync_state(), summary.started_at)
        acting = self._acting(state)
        baselined: set[str] = set(self._serve_requests(acting, counts))
        observation = self.observer.observe(state, summary.started_at)
        changes = observation.changes
        scanning = full_scan_due(state.last_full_scan_at, summary.started_at, self.config.full_scan_seconds)
        missed: list[Observed] = []
        if scanning:
            missed = self.observer.full_scan({item.change.issue.id for item in changes}, state.known_before)
            counts["full_scan_missed"] = len(missed)
            changes = sorted(changes + missed, key=lambda item: item.change.issue.updated)
        progress = Progress(len(changes), self.monotonic, first_pass=not state.initial_sync_done)
        interrupted = False
        missed_ids = {found.change.issue.id for found in missed}
        fields_written: set[str] = set()  # issues whose fields this pass wrote
        self._read_field_partners(changes, baselined)
        for item in changes:
            if should_stop():
                interrupted = True
                break
            if self.comments is not None:  # ahead of the baseline: a crash leaves the comments due
                self.store.mark_comments_due(item.change.issue.id, item.change.issue.side)
            if item.change.issue.id not in fields_written:  # else its field values are stale, not its status
                fields_written |= self._sync_fields(item.change.issue, counts)  # before its version is recorded
            if item.change.issue.id in baselined:
                # This pass moved the issue after its snapshot was taken: the snapshot's status is
                # stale and must not overwrite the one the sync set (its comments and fields, which a
                # move does not change, were taken up above). The next pass reads the new version.
                continue
            counts["processed"] += 1
            counts["changes"] += item.change.status_changed
            seen_by = "full scan" if item.change.issue.id in missed_ids else "search"
            baselined |= self._process(item, acting, counts, seen_by=seen_by, fields_written=fields_written)
            progress.tick()
        if self.fields is not None:
            self.fields.forget_partners()  # read ahead for the changes above; a retry reads afresh
        if not interrupted and not should_stop():
            self._retry_due_failures(acting, counts, should_stop)
            self._retry_field_failures(counts, should_stop)
            self._carry_out_owed_creations(counts, should_stop)
            self._sync_comments(state, scanning, counts, should_stop)
        if not interrupted and not should_stop():
            self.store.save_sync_state(**pass_update(state, observation, summary.started_at, scanning))
        counts["failures_pending"] = self.store.failure_count()
        # A pass that completes is ok: changes that failed are kept and shown as failures pending.
        # A pass that cannot complete (search or MongoDB down) raises, and the loop reports it.
        summary.counts = dict(counts)
        summary.finished_at = self.clock()
        return summary

    def preview_import(self) -> ImportPlan | None:
        """What the first pass would import from the original service's state, reading only."""
        original = still_to_import(self.store.db, self.store.sync_state())
        return self.original.plan(original) if original is not None else None

    def preview(self, imported: ImportPlan | None = None) -> list[Preview]:
        """What the next pass would decide, reading only (the `plan` command): each change's plan,
        with the partner it would adopt from Jira first, if any; after the `imported` state of
        the original service, when there is one to import."""
        state = self.store.sync_state()
        adopted: dict[str, Mapping] = {}  # issue id -> the pairing this preview already found
        if imported is not None:
            adopted.update({issue_id: m for m in imported.mappings for issue_id in (m.user_id, m.dev_id)})
            state = state.updated(import_update(imported, self.clock()))
        acting = self._acting(state)
        return [self._preview(item.change, acting, adopted)
                for item in self.observer.observe(state, self.clock(), imported).changes]

    def preview_issue(self, key: str) -> Preview:
        """What a pass would decide about `key` as Jira has it now, against what is stored,
        reading only (the trace of an issue the sync has not seen yet)."""
        issue = self.observer.fetch(key, self._side_of(key))
        stored = self.store.issue_states([issue.id]).get(issue.id)
        change = StatusChange(issue, stored.get("status") if stored else None)
        return self._preview(change, self._acting(self.store.sync_state()), {})

    def _preview(self, change: StatusChange, acting: bool, adopted: dict[str, Mapping]) -> Preview:
        """One change's preview; `adopted` (issue id -> pairing) gathers the pairings it finds."""
        issue = change.issue
        mapping = self._mapping(change) or adopted.get(issue.id)
        decided = self._plan(change, acting, mapping)
        found = self.adoption.find(issue) if mapping is None and (decided.creates or decided.wants_partner) else None
        if isinstance(found, Ambiguous):
            return Preview(change, Plan(decided.rule_id, (), found.reason))
        if found is not None:
            mapping = self.adoption.pairing(issue, found)
            adopted.update({mapping.user_id: mapping, mapping.dev_id: mapping})
            return Preview(change, self._plan(change, acting, mapping), mapping, found.via)
        return Preview(change, decided)

    def _side_of(self, key: str) -> Side:
        return "dev" if key.rpartition("-")[0] == self.config.dev_project_key else "user"

    def preview_fields(self) -> list[FieldPreview]:
        """What the next pass would write of the synced fields, reading only: per changed paired
        issue its field writes (app.sync.field_sync)."""
        if self.fields is None:
            return []
        previews = []
        for item in self.observer.observe(self.store.sync_state(), self.clock()).changes:
            issue = item.change.issue
            mapping = self.store.mapping_for(issue.side, issue.id)
            writes = self.fields.preview(mapping, issue.side, issue.fields) if mapping is not None else []
            if writes:
                previews.append(FieldPreview(issue.key, issue.side, tuple(writes)))
        return previews

    def preview_comments(self) -> list[CommentPreview]:
        """What the next pass would do about comments, reading only: the paired issues it would
        read (those changed, those left due, those whose comment failure is due; on a full scan
        those with copies), each with its planned copies, edits, deletes and skips."""
        if self.comments is None:
            return []
        state = self.store.sync_state()
        now = self.clock()
        since = state.comments_since or now  # not enabled yet: nothing older than now is copied
        changed = [(item.change.issue.id, item.change.issue.side) for item in self.observer.observe(state, now).changes]
        scanning = full_scan_due(state.last_full_scan_at, now, self.config.full_scan_seconds)
        work = comment_work(self.store.comments_due() + changed,
                            [f for f in self.store.due_failures(now) if f.kind is FailureKind.COMMENT],
                            self.store.issues_with_copies() if scanning else [])
        previews = []
        for issue_id, side in work:
            mapping = self.store.mapping_for(side, issue_id)
            if mapping is None:
                continue
            actions = self.comments.plan(side, issue_id, since)
            if actions:
                previews.append(CommentPreview(mapping.key_of(side), side, actions))
        return previews

    def _import_original(self) -> None:
        """Once, before the first pass over a database the original service left behind."""
        original = still_to_import(self.store.db, self.store.sync_state())
        if original is not None:
            record = self.original.apply(self.original.plan(original))
            self._record({"event": "original.imported", **record.counts()})

    def _acting(self, state: SyncState) -> bool:
        """False only on a first pass with initialSyncEnabled off: it records a baseline."""
        return state.initial_sync_done or self.config.initial_sync_enabled

    # -- plan and execute: one path for fresh changes and retries ------------------------------

    def _process(self, item: Observed, acting: bool, counts: Counter[str], change_id: str | None = None,
                 seen_by: str = "search", fields_written: set[str] | None = None) -> frozenset[str]:
        """Plan and execute one version of an issue, store it as the baseline, record the event;
        returns the ids of issues whose stored status the sync set meanwhile (their snapshots in
        this pass are stale). `change_id` names the change (a retry keeps its failure's);
        `seen_by` how this version was found (search, full scan, retry, resync), for the trace;
        `fields_written` gathers the issues an adoption's field step wrote."""
        change, issue = item.change, item.change.issue
        if item.stored and item.stored.get("key") != issue.key:
            self.store.update_mapping_key(issue.side, issue.id, issue.key)
        mapping = self._mapping(change)
        if mapping is None:
            self.adoption.note_hints(issue)
        decided = self._plan(change, acting, mapping)
        change_id = change_id or _change_id(change)
        execution: Execution | None = None
        if mapping is None and (decided.creates or decided.wants_partner):
            found = self.adoption.find(issue)  # Jira may know the partner the database lost (or never had)
            if isinstance(found, Ambiguous):
                execution = Execution("failed", error=found.reason)
            elif found is not None:
                mapping = self.adoption.adopt(issue, found)
                counts["adopted"] += 1
                self._record(adopted_event(issue, mapping, found.via))
                # The field step ran while the pair was unknown: bring its fields in step now (no
                # baselines: the later change wins), before this version is recorded as seen.
                written = self._sync_fields(issue, counts)
                if fields_written is not None:
                    fields_written |= written
                decided = self._plan(change, acting, mapping)
        if decided.actions:
            self.store.clear_failures_of_issue(issue.id, keep=change_id)
        if execution is None:
            execution = self.executor.execute(decided.actions, mapping, change_id, issue.updated, issue)
        failure = self._settle(execution, counts, *_failure_of(change, decided, mapping, change_id))
        self._note_recent(change, execution)
        self.store.save_issue_state(issue.id, issue.side, issue.key, issue.status, issue.updated,
                                    status_seen_changing=change.status_changed or item.stored is None)
        self._record({**processed_event(change, decided, mapping, execution), "seenBy": seen_by,
                      **failure_fields(failure)})
        return execution.baselined

    def _note_recent(self, change: StatusChange, execution: Execution) -> None:
        """Remember what the sync saw change or wrote, for the next searches to reconcile."""
        written = set(execution.baselined)
        if CreateDevIssue.name in execution.actions_done and execution.mapping:
            written.add(execution.mapping.dev_id)
        if change.status_changed:
            written.add(change.issue.id)
        self.observer.recent.note(sorted(written), self.clock())

    def _mapping(self, change: StatusChange) -> Mapping | None:
        return self.store.mapping_for(change.issue.side, change.issue.id)

    def _plan(self, change: StatusChange, acting: bool, mapping: Mapping | None) -> Plan:
        if not acting:
            return Plan(None, (), "initial sync disabled: status recorded as baseline")
        partner_status = None
        if mapping:
            partner = self.store.issue_states([mapping.id_of(other_side(change.issue.side))])
            partner_status = next(iter(partner.values()), {}).get("status")
        return plan_change(change, mapping, self.config, partner_status, self.jira.site_url)

    def _settle(self, execution: Execution, counts: Counter[str], failure_id: str, kind: FailureKind,
                described: FailedChange, due_by: datetime | None = None) -> Failure | None:
        """Count what an execution did and keep (or clear) its failure (tried again by `due_by` at
        the latest: app.sync.failures); the failure kept."""
        for name in execution.actions_done:
            counts[f"actions.{name}"] += 1
        if execution.result != "failed":
            self.store.clear_failure(failure_id)
            return None
        counts["failed"] += 1
        failure = failed_again(self.store.failure(failure_id), failure_id, kind, described, execution.error or "",
                               self.clock(), due_by=due_by)
        self.store.record_failure(failure)
        log.warning(
            "change failed",
            extra={"issueKey": described.issue_key, "ruleId": described.rule_id,
                   "attempts": failure.attempts, "error": execution.error},
        )
        return failure

    # -- retries -----------------------------------------------------------------------------

    def _retry_due_failures(self, acting: bool, counts: Counter[str], should_stop: Callable[[], bool]) -> None:
        for failure in self.store.due_failures(self.clock()):
            if should_stop():
                return
            if failure.kind in (FailureKind.CREATION, FailureKind.COMMENT, FailureKind.FIELD):
                continue  # carried out by its creation, the comment step or the field step
            change = failure.change
            if change.issue_id is None or change.side is None:
                continue  # a refusal, or a document too old to plan from: shown, never retried
            counts["retried"] += 1
            try:
                issue = self.observer.fetch(change.issue_id, change.side)
            except JiraNotFound:
                self.executor.credentials.prove()  # a 404 to rejected credentials is no deletion
                self.store.clear_failure(failure.id)  # the source issue is gone: nothing to sync
                continue
            except JiraAuthError:
                raise
            except JiraError as error:
                log.warning("retry postponed: %s", error, extra={"issueKey": change.issue_key})
                continue
            if not same_status(issue.status, change.to_status):
                self.store.clear_failure(failure.id)  # the issue moved on; its newer change decides
                continue
            self._process(Observed(StatusChange(issue, change.from_status), None), acting, counts, failure.id,
                          seen_by="retry")

    def _carry_out_owed_creations(self, counts: Counter[str], should_stop: Callable[[], bool]) -> None:
        """Creations that still owe their Dev issue or a part: those whose failure is due, and
        those a crash interrupted (they have no failure)."""
        now = self.clock()
        for record in self.executor.creation.owed():
            if should_stop():
                return
            failure = self.store.failure(record.change_id)
            if failure and not failure.due(now):
                continue
            counts["retried"] += bool(failure)
            execution = self.executor.carry_out_creation(record)
            if self.comments is not None and execution.mapping is not None:
                self.store.mark_comments_due(execution.mapping.user_id, "user")  # they come with it
            # Still no Dev issue: the create is sent again once its index-lag guard ends, not a
            # backoff step later.
            due_by = record.created_again_from if execution.mapping is None else None
            kept = self._settle(execution, counts, record.change_id, FailureKind.CREATION,
                                _creation_described(record, failure), due_by)
            self._record({**creation_event(record, execution), **failure_fields(kept)})

    # -- fields (app.sync.field_sync) ---------------------------------------------------------

    def _sync_fields(self, issue: IssueSnapshot, counts: Counter[str]) -> frozenset[str]:
        """Bring the synced fields of a changed paired issue and its partner in step; the ids of
        the issues written (the field values of their snapshots in this pass are stale)."""
        if self.fields is None:
            return frozenset()
        mapping = self.store.mapping_for(issue.side, issue.id)
        if mapping is None:
            return frozenset()
        return self._reconcile_fields(mapping, counts, issue.side, issue.fields)

    def _read_field_partners(self, changes: list[Observed], skipped: set[str]) -> None:
        """Read ahead the partners the field step will compare (Cloud: one bulkfetch per 100
        instead of one GET each). When that read fails, each reconcile reads its own partner."""
        if self.fields is None:
            return
        changed = [(mapping, item.change.issue.side, item.change.issue.fields) for item in changes
                   if item.change.issue.id not in skipped
                   and (mapping := self.store.mapping_for(item.change.issue.side, item.change.issue.id)) is not None]
        try:
            self.fields.read_partners(changed)
        except JiraAuthError:
            raise
        except JiraError as error:
            log.warning("reading the partners of %d changed issue(s) at once failed, each is read alone: %s",
                        len(changed), error)

    def _retry_field_failures(self, counts: Counter[str], should_stop: Callable[[], bool]) -> None:
        if self.fields is None:
            return
        for failure in self.store.due_failures(self.clock()):
            if should_stop():
                return
            mapping = (self.store.mapping_for("user", failure.change.issue_id)
                       if failure.kind is FailureKind.FIELD and failure.change.issue_id else None)
            if mapping is not None:
                counts["retried"] += 1
                self._reconcile_fields(mapping, counts)
            elif failure.kind is FailureKind.FIELD:
                self.store.clear_failure(failure.id)  # the pair is gone: nothing left to sync

    def _reconcile_fields(self, mapping: Mapping, counts: Counter[str], side: Side | None = None,
                          seen: Any = None) -> frozenset[str]:
        assert self.fields is not None
        try:
            done = self.fields.reconcile(mapping, side, seen)
        except JiraAuthError:
            raise
        except JiraError as error:
            done = FieldsDone(planned=True, refused={"fields": f"reading the fields of {mapping.user_key} and "
                                                               f"{mapping.dev_key} failed: {error}"})
        counts.update(done.counts)
        for event in done.events:
            self._record(event)
        self.observer.recent.note(sorted(done.written), self.clock())
        if done.planned:
            self._settle_fields(mapping, done, counts)
        return frozenset(done.written)

    def _settle_fields(self, mapping: Mapping, done: FieldsDone, counts: Counter[str]) -> None:
        failure_id = field_failure_id(mapping.user_id)
        if not done.refused:
            self.store.clear_failure(failure_id)
            return
        counts["failed"] += 1
        described = FailedChange(mapping.user_id, mapping.user_key, "user", None, None)
        reason = "; ".join(done.refused.values())
        self.store.record_failure(failed_again(self.store.failure(failure_id), failure_id, FailureKind.FIELD,
                                               described, reason, self.clock()))
        for name, why in done.refused.items():
            self._record({"event": "field.failed", "issueId": mapping.user_id, "issueKey": mapping.user_key,
                          "targetKey": mapping.dev_key, "field": name, "reason": why})

    # -- comments ----------------------------------------------------------------------------

    def _comments_enabled(self, state: SyncState, now: datetime) -> SyncState:
        """The state, with the moment comment sync was first enabled recorded (once), by Jira's
        clock (the comments' `created` it is compared with are Jira's; this host's may be off)."""
        if self.comments is None or state.comments_since is not None:
            return state
        since = self.comments.jira_now() or now
        self.store.save_sync_state(comments_since=since)
        return state.updated(SyncStateUpdate(comments_since=since))

    def _sync_comments(self, state: SyncState, scanning: bool, counts: Counter[str],
                       should_stop: Callable[[], bool]) -> None:
        if self.comments is None or state.comments_since is None:
            return
        for issue_id, side in comment_work(self.store.comments_due(),
                                           [f for f in self.store.due_failures(self.clock()) if f.kind is FailureKind.COMMENT],
                                           self.store.issues_with_copies() if scanning else []):
            if should_stop():
                return
            mapping = self.store.mapping_for(side, issue_id)
            if mapping is not None:
                self._reconcile_comments(side, mapping, state.comments_since, counts)
            self.store.clear_comments_due(issue_id)

    def _reconcile_comments(self, side: Side, mapping: Mapping, since: datetime, counts: Counter[str]) -> None:
        assert self.comments is not None
        done = self.comments.reconcile(side, mapping, since)
        counts.update(done.counts)
        for event in done.events:
            self._record(event)
        failure_id = comment_failure_id(side, mapping.id_of(side))
        if done.error is None:
            self.store.clear_failure(failure_id)
            return
        counts["failed"] += 1
        described = FailedChange(mapping.id_of(side), mapping.key_of(side), side, None, None)
        failure = failed_again(self.store.failure(failure_id), failure_id, FailureKind.COMMENT, described, done.error,
                               self.clock())
        self.store.record_failure(failure)
        self._record({"event": "comment.failed", "issueId": mapping.id_of(side), "issueKey": mapping.key_of(side),
                      "reason": done.error})

    # -- audit -------------------------------------------------------------------------------

    def _record(self, event: dict[str, Any]) -> None:
        log.info(event["event"], extra=event)
        self.store.record_event({**event, "at": self.clock(), **pass_fields(self.bundle, self.pass_started)})

    def record(self, event: dict[str, Any]) -> None:
        """Add a pair-wide event (the worker's: a lease taken) to the audit trail."""
        self._record(event)

    # -- operator requests (app.sync.requests): resync an issue, retry given-up failures -------

    def _serve_requests(self, acting: bool, counts: Counter[str]) -> frozenset[str]:
        """Carry out the requests waiting for this pair, each once; the ids this baselined."""
        baselined: set[str] = set()
        for request in self.store.waiting_requests():
            if request.kind is RequestKind.RETRY:
                due = self.store.make_failures_due(self.clock(), request.issue_key, given_up_only=True)
                outcome = f"{due} given-up failure(s) due now; retried in this pass"
            else:
                try:
                    outcome, done = self._resync(request.issue_key or "", acting, counts)
                    baselined |= done
                except JiraError as error:  # finished all the same: a waiting request ends the loop's sleep
                    self.store.finish_request(request.id, f"not done: Jira answered {error}", self.clock())
                    if isinstance(error, JiraAuthError):
                        raise
                    continue
            self._record({"event": "request.served", "request": request.kind.value, "issueKey": request.issue_key,
                          "outcome": outcome, **self._ids_of(request.issue_key)})
            self.store.finish_request(request.id, outcome, self.clock())
        return frozenset(baselined)

    def _resync(self, key: str, acting: bool, counts: Counter[str]) -> tuple[str, frozenset[str]]:
        """Read `key` and its partner now and act on what differs from what is stored. A pending
        failure is made due instead (its retry knows the change that failed; a re-read would
        see no change and drop it)."""
        try:
            issue = self.observer.fetch(key, self._side_of(key))
        except JiraNotFound:
            self.executor.credentials.prove()
            return f"{key} not found in Jira", frozenset()
        mapping = self.store.mapping_for(issue.side, issue.id)
        issues = [issue]
        if mapping is not None:
            try:
                issues.append(self.observer.fetch(mapping.id_of(other_side(issue.side)), other_side(issue.side)))
            except JiraNotFound:
                self.executor.credentials.prove()
        before = sum(value for name, value in counts.items() if name.startswith("actions."))
        baselined: set[str] = set()
        parts = []
        for current in issues:
            due = self.store.make_failures_due(self.clock(), issue_id=current.id)
            if due:
                parts.append(f"{current.key} ({current.status}): {due} pending failure(s) retried now")
                continue
            if current.id in baselined:
                continue
            stored = self.store.issue_states([current.id]).get(current.id)
            change = StatusChange(current, stored.get("status") if stored else None)
            baselined |= self._process(Observed(change, stored), acting, counts, seen_by="resync")
            parts.append(f"{current.key} ({current.status}) re-read")
        actions = sum(value for name, value in counts.items() if name.startswith("actions.")) - before
        return "; ".join(parts) + f"; {actions} action(s) taken", frozenset(baselined)

    def _ids_of(self, key: str | None) -> dict[str, str]:
        """The issue id stored for `key`, so a request's event is found by the issue's id."""
        if key is None:
            return {}
        found = self.store.issue_id_of(key)
        return {"issueId": found} if found else {}


def pass_fields(bundle: str | None, pass_started: datetime | None) -> dict[str, Any]:
    """Which bundle, and which pass (named by its start), recorded an event."""
    fields: dict[str, Any] = {}
    if bundle is not None:
        fields["bundle"] = bundle
    if pass_started is not None:
        fields["pass"] = pass_started
    return fields


def failure_fields(failure: Failure | None) -> dict[str, Any]:
    """What a processed event keeps of the failure it left: attempts, given up, next attempt."""
    if failure is None:
        return {}
    return {"attempts": failure.attempts, "givenUp": failure.given_up, "nextAttemptAt": failure.next_attempt_at}


def pass_update(state: SyncState, observation: Observation, started_at: datetime, scanned: bool) -> SyncStateUpdate:
    """The pair's sync state after a completed pass that began at `started_at` (`scanned`: with a
    full scan; the first pass reads everything and counts as one)."""
    update = SyncStateUpdate(initial_sync_done=True)
    if scanned or not state.last_full_scan_at:
        update["last_full_scan_at"] = started_at
    highest = max(state.dev_key_high or 0, observation.highest_dev_key or 0)
    if highest:
        update["dev_key_high"] = highest
    if observation.watermarks.get("user"):
        update["user_watermark"] = observation.watermarks["user"]
    if observation.watermarks.get("dev"):
        update["dev_watermark"] = observation.watermarks["dev"]
    return update


def field_failure_id(user_id: str) -> str:
    return f"fields:{user_id}"


def comment_failure_id(side: Side, issue_id: str) -> str:
    return f"comments:{side}:{issue_id}"


def comment_work(due: list[tuple[str, Side]], failed: list[Failure],
                 with_copies: list[tuple[str, Side]]) -> list[tuple[str, Side]]:
    """The issues whose comments a pass reads, each once, in a stable order."""
    work: dict[str, Side] = dict(due)
    for failure in failed:
        if failure.change.issue_id is not None and failure.change.side is not None:
            work.setdefault(failure.change.issue_id, failure.change.side)
    for issue_id, side in with_copies:
        work.setdefault(issue_id, side)
    return list(work.items())


def _change_id(change: StatusChange) -> str:
    """Names one observed version of an issue; stable across passes and retries."""
    return f"{change.issue.id}@{change.issue.updated.isoformat()}"


def _failure_of(change: StatusChange, decided: Plan, mapping: Mapping | None,
                change_id: str) -> tuple[str, FailureKind, FailedChange]:
    """The failure a plan's execution keeps: a creating plan's belongs to its creation."""
    described = FailedChange.of(change, decided.rule_id, mapping is not None)
    if decided.creates:
        return creation_id(change.issue.id), FailureKind.CREATION, described
    return change_id, FailureKind.CHANGE, described


def _creation_described(record: CreationRecord, failure: Failure | None) -> FailedChange:
    create = record.create
    return creation_change(failure, create.user_issue_id, create.user_issue_key, create.user_status,
                           record.started_at, record.mapping is not None)
