"""One sync pass of one pair: snapshot -> plan -> execute -> record.

1. Read both projects' issues updated since each side's watermark minus the overlap window
   (every page, oldest first) and keep the versions not processed yet (issue id, `updated`).
2. For each, in `updated` order: compare with the stored status, plan (app.sync.plan, pure),
   execute (app.sync.executor, idempotent actions), record the new baseline and an event.
   A failed action is recorded in `failures` and the pass goes on.
3. Retry the failures that are due.
4. Advance each watermark from the `updated` values Jira returned, only after a full pass.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.config import PairConfig
from app.instants import utc_now
from app.jira import JiraClient, JiraError, JiraNotFound
from app.sync.audit import Progress, processed_event
from app.sync.creation import creation_intent
from app.sync.executor import ActionExecutor, ActionFailed, action_name
from app.sync.failures import failure_document
from app.sync.model import PassSummary
from app.sync.model import CreateDevIssue, Mapping, Plan, Side, StatusChange, other_side, same_status
from app.sync.plan import plan as plan_change
from app.sync.snapshot import issue_snapshot
from app.sync.store import PairStore
from app.sync.window import DEFAULT_OVERLAP, SEARCH_FIELDS, advance_watermark, is_new_version, window_jql

log = logging.getLogger(__name__)

SIDES: tuple[Side, Side] = ("user", "dev")
STATE_BATCH = 200


@dataclass(frozen=True)
class Observed:
    """A new version of an issue and the state stored for it before (None = never seen)."""

    change: StatusChange
    stored: dict[str, Any] | None


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
    ) -> None:
        self.config = config
        self.jira = jira
        self.store = store
        self.time_zone = time_zone or "UTC"
        self.clock = clock
        self.overlap = overlap
        self.monotonic = monotonic
        self.executor = ActionExecutor(jira, store, config, clock, self.time_zone)

    # -- the pass ----------------------------------------------------------------------------

    def run_pass(self, should_stop: Callable[[], bool] = lambda: False) -> PassSummary:
        summary = PassSummary(started_at=self.clock())
        counts: Counter[str] = Counter()
        state = self.store.sync_state()
        acting = self._acting(state)
        observed, watermarks = self._observe(state)
        progress = Progress(len(observed), self.monotonic, first_pass=not state.get("initial_sync_done"))
        interrupted = False
        baselined: set[str] = set()
        for item in observed:
            if should_stop():
                interrupted = True
                break
            if item.change.issue.id in baselined:
                # This pass moved the issue after its snapshot was taken: the snapshot is stale and
                # must not overwrite the status the sync set. The next pass reads the new version.
                continue
            baselined |= self._process(item, acting, counts)
            progress.tick()
        if not interrupted and not should_stop():
            self._retry_due_failures(counts, should_stop)
            self.store.save_sync_state(
                initial_sync_done=True, **{f"{side}_watermark": mark for side, mark in watermarks.items() if mark}
            )
        counts["failures_pending"] = self.store.failure_count()
        # A pass that completes is ok: changes that failed are kept and shown as failures pending.
        # A pass that cannot complete (search or MongoDB down) raises, and the loop reports it.
        summary.counts = dict(counts)
        summary.finished_at = self.clock()
        return summary

    def preview(self) -> list[tuple[StatusChange, Plan]]:
        """What the next pass would decide, reading only (the `plan` command)."""
        state = self.store.sync_state()
        acting = self._acting(state)
        observed, _ = self._observe(state)
        return [
            (item.change, self._plan(item.change, acting, self._mapping_before(item.change)))
            for item in observed
        ]

    def _acting(self, state: dict[str, Any]) -> bool:
        """False only on a first pass with initialSyncEnabled off: it records a baseline."""
        return bool(state.get("initial_sync_done")) or self.config.initial_sync_enabled

    # -- snapshot ----------------------------------------------------------------------------

    def _observe(self, state: dict[str, Any]) -> tuple[list[Observed], dict[Side, datetime | None]]:
        observed: list[Observed] = []
        watermarks: dict[Side, datetime | None] = {}
        for side in SIDES:
            since = state.get(f"{side}_watermark")
            seen_updates: list[datetime] = []
            for batch in _batches(self._search(side, since), STATE_BATCH):
                stored = self.store.issue_states(issue.id for issue in batch)
                for issue in batch:
                    seen_updates.append(issue.updated)
                    before = stored.get(issue.id)
                    if is_new_version(before.get("updated") if before else None, issue.updated):
                        observed.append(Observed(StatusChange(issue, before["status"] if before else None), before))
            watermarks[side] = advance_watermark(since, seen_updates)
        observed.sort(key=lambda item: item.change.issue.updated)
        return observed, watermarks

    def _search(self, side: Side, since: datetime | None) -> Iterator:
        project = self.config.user_project_key if side == "user" else self.config.dev_project_key
        jql = window_jql(project, since, self.time_zone, self.overlap)
        for raw in self.jira.search(jql, fields=list(SEARCH_FIELDS)):
            yield issue_snapshot(raw, side, self.config.jira.base_url)

    # -- plan and execute --------------------------------------------------------------------

    def _plan(self, change: StatusChange, acting: bool, mapping: Mapping | None) -> Plan:
        if not acting:
            return Plan(None, (), "initial sync disabled: status recorded as baseline")
        issue = change.issue
        partner_status = None
        if mapping:
            partner = self.store.issue_states([mapping.id_of(other_side(issue.side))])
            partner_status = next(iter(partner.values()), {}).get("status")
        return plan_change(change, mapping, self.config, partner_status)

    def _mapping_before(self, change: StatusChange) -> Mapping | None:
        """The mapping as the plan must see it: absent while a creation is unfinished.

        A pass aborted after the Dev issue was created leaves a mapping behind; planning against
        it would drop the creation's other actions (attachments, link, comment). While the User
        issue is still in the status that created it and the whole creating plan has not run,
        it is planned again as the creation it was, and each action finds its own work done.
        Once the User issue has moved on, the mapping is what its new status needs.
        """
        issue = change.issue
        mapping = self.store.mapping_for(issue.side, issue.id)
        if mapping and issue.side == "user":
            creation = self.store.intent(creation_intent(issue.id))
            if creation and not creation.get("completed") and same_status(creation.get("status"), issue.status):
                return None
        return mapping

    def _process(self, item: Observed, acting: bool, counts: Counter[str]) -> set[str]:
        """Plan and execute one observed version; returns the ids of issues whose stored status
        the sync set meanwhile (their snapshots in this pass are stale)."""
        issue, change = item.change.issue, item.change
        counts["processed"] += 1
        if item.stored and item.stored.get("key") != issue.key:
            self.store.update_mapping_key(issue.side, issue.id, issue.key)
        if change.status_changed:
            counts["changes"] += 1
        change_id = _change_id(change)
        mapping = self._mapping_before(change)
        decided = self._plan(change, acting, mapping)
        if decided.actions:
            self.store.clear_failures_of_issue(issue.id)
        result = self._execute(change, decided, mapping, change_id, counts)
        self.store.save_issue_state(issue.id, issue.side, issue.key, issue.status, issue.updated)
        self._record(change, decided, mapping, result)
        return result["baselined"]

    def _execute(
        self, change: StatusChange, decided: Plan, mapping: Mapping | None, change_id: str, counts: Counter[str]
    ) -> dict[str, Any]:
        if not decided.actions:
            return {"result": "nothing to do", "actions": [], "mapping": mapping, "baselined": set()}
        try:
            outcome = self.executor.execute(decided.actions, mapping, change_id)
        except ActionFailed as failed:
            counts["failed"] += 1
            self._record_failure(change, decided, mapping, change_id, failed)
            return {
                "result": "failed",
                "actions": [action_name(failed.action)],
                "error": str(failed),
                "mapping": failed.outcome.mapping or mapping,
                "baselined": failed.outcome.baselined,
            }
        self.store.clear_failure(change_id)
        if any(isinstance(action, CreateDevIssue) for action in decided.actions):
            self.store.finish_intent(creation_intent(change.issue.id), completed=True)
        for name in outcome.done:
            counts[f"actions.{name}"] += 1
        return {"result": "done", "actions": outcome.done, "mapping": outcome.mapping, "baselined": outcome.baselined}

    def _record_failure(
        self, change: StatusChange, decided: Plan, mapping: Mapping | None, change_id: str, failed: ActionFailed
    ) -> None:
        issue = change.issue
        described = {
            "issue_id": issue.id,
            "issue_key": issue.key,
            "side": issue.side,
            "from_status": change.previous_status,
            "to_status": issue.status,
            "updated": issue.updated,
            "had_mapping": mapping is not None,
            "rule_id": decided.rule_id,
        }
        document = failure_document(self.store.failure(change_id), described, str(failed), self.clock())
        self.store.record_failure(change_id, document)
        log.warning(
            "change failed",
            extra={"issueKey": issue.key, "ruleId": decided.rule_id, "attempts": document["attempts"], "error": str(failed)},
        )

    def _retry_due_failures(self, counts: Counter[str], should_stop: Callable[[], bool]) -> None:
        for failure in self.store.due_failures(self.clock()):
            if should_stop():
                return
            counts["retried"] += 1
            try:
                raw = self.jira.get_issue(failure["issue_id"], fields=list(SEARCH_FIELDS))
            except JiraNotFound:
                self.store.clear_failure(failure["_id"])  # the source issue is gone: nothing to sync
                continue
            except JiraError as error:
                log.warning("retry postponed: %s", error, extra={"issueKey": failure["issue_key"]})
                continue
            issue = issue_snapshot(raw, failure["side"], self.config.jira.base_url)
            if not same_status(issue.status, failure["to_status"]):
                self.store.clear_failure(failure["_id"])  # the issue moved on; its newer change decides
                continue
            change = StatusChange(issue, failure["from_status"])
            mapping = self._mapping_before(change) if failure["had_mapping"] else None
            decided = plan_change(change, mapping, self.config, None)
            if not decided.actions:
                self.store.clear_failure(failure["_id"])  # nothing left to do (e.g. the rule changed)
            result = self._execute(change, decided, mapping, failure["_id"], counts)
            self._record(change, decided, mapping, result)

    # -- audit -------------------------------------------------------------------------------

    def _record(self, change: StatusChange, decided: Plan, mapping: Mapping | None, result: dict[str, Any]) -> None:
        event = processed_event(change, decided, mapping, result)
        log.info("issue.processed", extra=event)
        self.store.record_event({**event, "at": self.clock()})


def _change_id(change: StatusChange) -> str:
    """Names one observed version of an issue; stable across passes and retries."""
    return f"{change.issue.id}@{change.issue.updated.isoformat()}"


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
