"""The original TypeScript service's state in a pair's database, imported once at the first pass.

The original service (kiendd/Jira-sync, src/db/models.ts, mongoose) keeps, in a database named
after the pair: `jira_mapping` (`user_issue_key`, `dev_issue_key`, browse URLs, `created_at`),
`user_project_issue_state` and `dev_project_issue_state` (`issue_key`, `status`, `updated_at`)
and `sync_state` (`name`, `last_sync`: the end of its last pass, by its own clock). Keys, not
ids: moved issues change keys, so every mapped key is resolved through Jira (a GET, which
follows a moved issue's old key). The import:

- mappings   -> mappings, by id; a key Jira no longer knows is reported (log, `plan`, the
                import record), never dropped silently; a pair already known is left alone;
- states     -> the baselines of the mapped issues, and of the others by key (`legacy_states`,
                read at an issue's first sighting), so a change made since the original
                service last looked is still a change;
- last_sync  -> both watermarks (the window's overlap covers its clock), and the horizon before
                which an issue never stored counts as known (no full re-sync storm).

It runs once (`sync_state.original_import` records what it did) and is idempotent: every write
is keyed, so an import interrupted halfway runs again whole. The original's collections are
left in place. `OriginalImport.plan` reads only, for the `plan` command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from app.jira import JiraClient, JiraNotFound
from app.sync.credentials import CredentialCheck
from app.sync.jira_answers import IssueView
from app.sync.model import IssueSnapshot, Mapping, Side
from app.sync.state import ImportRecord, SyncState, SyncStateUpdate
from app.sync.store import PairStore

log = logging.getLogger(__name__)

STATE_COLLECTIONS: dict[Side, str] = {"user": "user_project_issue_state", "dev": "dev_project_issue_state"}
MAPPING_COLLECTION = "jira_mapping"


@dataclass(frozen=True)
class OriginalState:
    """What the original service left in the database (plain data)."""

    mappings: list[tuple[str, str]]  # (user key, dev key)
    states: dict[Side, dict[str, str]]  # side -> key -> last status it saw
    last_sync: datetime | None


@dataclass
class ImportPlan:
    """What importing would write: resolved pairs, the keys that did not resolve, and when the
    original last synced."""

    mappings: list[Mapping] = field(default_factory=list)
    statuses: dict[str, tuple[Side, str, str]] = field(default_factory=dict)  # id -> (side, key, status)
    unresolved: list[str] = field(default_factory=list)  # "USER-1 -> DEV-1: why"
    already: int = 0
    legacy: dict[Side, dict[str, str]] = field(default_factory=dict)  # side -> key -> status, the unpaired
    last_sync: datetime | None = None

    @property
    def legacy_states(self) -> int:
        return sum(len(states) for states in self.legacy.values())

    def issue_states(self, issue_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The baselines this import stores for `issue_ids` (as PairStore.issue_states reads them)."""
        return {issue_id: {"side": side, "key": key, "status": status}
                for issue_id in issue_ids if issue_id in self.statuses
                for side, key, status in [self.statuses[issue_id]]}

    def legacy_statuses(self, side: Side, first_seen: Iterable[IssueSnapshot]) -> dict[str, str]:
        """The original's last status of each first-seen issue it did not pair (key -> status)."""
        known = self.legacy.get(side, {})
        return {issue.key: known[issue.key] for issue in first_seen if issue.key in known}

    def summary(self) -> str:
        shown = "; ".join(self.unresolved[:5]) + (" …" if len(self.unresolved) > 5 else "")
        return (f"import from the original service: {len(self.mappings)} mapping(s) by id, {self.already} already "
                f"known, {len(self.unresolved)} not resolvable{f' ({shown})' if self.unresolved else ''}; "
                f"{len(self.statuses) + self.legacy_states} baseline(s); watermark "
                f"{self.last_sync.isoformat() if self.last_sync else 'none (a full first pass)'}")


def read_original(db: Database[Any]) -> OriginalState | None:
    """The original service's state in `db`, or None when it left none."""
    names = set(db.list_collection_names())
    if MAPPING_COLLECTION not in names and not names & set(STATE_COLLECTIONS.values()):
        return None
    mappings = [(doc["user_issue_key"], doc["dev_issue_key"]) for doc in db[MAPPING_COLLECTION].find()
                if doc.get("user_issue_key") and doc.get("dev_issue_key")]
    states = {side: {doc["issue_key"]: doc["status"] for doc in db[name].find() if doc.get("issue_key") and doc.get("status")}
              for side, name in STATE_COLLECTIONS.items()}
    syncs = [_instant(doc.get("last_sync")) for doc in db.sync_state.find({"name": {"$exists": True}})]
    known = [moment for moment in syncs if moment is not None]
    return OriginalState(mappings, states, min(known) if known else None)


def still_to_import(db: Database[Any], sync_state: SyncState) -> OriginalState | None:
    """The original's state in `db` when it has not been imported yet (by the pair's
    `sync_state`), else None."""
    return None if sync_state.original_import else read_original(db)


def import_update(plan: ImportPlan, now: datetime) -> SyncStateUpdate:
    """The pair's sync state after importing `plan` at `now`: what the import writes and what
    `plan`'s preview reads (Engine.preview), so that both agree on what follows an import."""
    record = ImportRecord(now, len(plan.mappings), plan.already, tuple(plan.unresolved),
                          len(plan.statuses) + plan.legacy_states)
    update = SyncStateUpdate(original_import=record)
    if plan.last_sync:
        update["user_watermark"] = update["dev_watermark"] = update["known_before"] = plan.last_sync
        update["initial_sync_done"] = True
        update["last_full_scan_at"] = now
    return update


@dataclass
class OriginalImport:
    jira: JiraClient
    store: PairStore
    clock: Callable[[], datetime]
    credentials: CredentialCheck

    def plan(self, original: OriginalState) -> ImportPlan:
        """Resolve the original's keys through Jira; reads only."""
        result = ImportPlan(last_sync=original.last_sync)
        for user_key, dev_key in original.mappings:
            user, dev = self._resolve(user_key), self._resolve(dev_key)
            if user is None or dev is None:
                missing = ", ".join(key for key, found in ((user_key, user), (dev_key, dev)) if found is None)
                result.unresolved.append(f"{user_key} -> {dev_key}: {missing} not found in Jira")
                continue
            mapping = Mapping(user.id, user.key, dev.id, dev.key)
            known = self.store.mapping_for("user", mapping.user_id) or self.store.mapping_for("dev", mapping.dev_id)
            if known is not None:
                result.already += 1
                continue
            result.mappings.append(mapping)
            ends: tuple[tuple[Side, str, IssueView], ...] = (("user", user_key, user), ("dev", dev_key, dev))
            for side, key, issue in ends:
                status = original.states[side].get(key) or issue.current_status()
                result.statuses[issue.id] = (side, issue.key, status)
        mapped_keys = {key for pair in original.mappings for key in pair}
        result.legacy = {side: {key: status for key, status in states.items() if key not in mapped_keys}
                         for side, states in original.states.items()}
        return result

    def apply(self, plan: ImportPlan) -> ImportRecord:
        """Write what `plan` resolved; returns the record kept in sync_state.original_import."""
        for mapping in plan.mappings:
            self.store.save_mapping(mapping, found_by="imported")
        for issue_id, (side, key, status) in plan.statuses.items():
            self.store.save_issue_state(issue_id, side, key, status, None)  # not `updated`: its next version is new
        self.store.save_legacy_states(
            (side, key, status) for side, states in plan.legacy.items() for key, status in states.items()
        )
        update = import_update(plan, self.clock())
        self.store.save_sync_state(**update)
        record = update["original_import"]
        log.info("imported the original service's state", extra=record.counts())
        for line in plan.unresolved:
            log.warning("original mapping not imported: %s", line)
        return record

    def _resolve(self, key: str) -> IssueView | None:
        try:
            return IssueView.parse(self.jira.get_issue(key, fields=["status"]))
        except JiraNotFound:
            self.credentials.prove()  # a key hidden from rejected credentials is not a vanished issue
            return None


def _instant(value: Any) -> datetime | None:
    """A BSON date, or the text the embedded server hands back for one written by an upsert."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None

