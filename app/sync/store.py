"""A pair's state in its own MongoDB database: what was seen, mapped, done and failed.

Collections (all keyed by Jira issue **ids**, which survive a move; keys are kept for people):
- `issue_state`  `_id` = issue id: side, key, last seen status, its `updated`.
- `mappings`     `_id` = User issue id: dev id/key, user key; unique on `dev_id` too.
- `sync_state`   `_id` = "pair": per-side watermarks, initial sync done (app.sync.state owns
                 the document).
- `creations`    `_id` = User issue id: a Dev issue's creation and the parts it owes
                 (app.sync.creation owns the document).
- `intents`      write-ahead records of the other remote writes that cannot be repeated
                 blindly (comment, attachment copy); `done` once the write is recorded.
- `attachments`  `_id` = source attachment id: target issue and target attachment id (None:
                 never to be copied: there before an adoption, or refused by Jira).
- `partner_hints` `_id` = issue id: the partner keys an unmapped issue's link lines name
                 (app.sync.adoption).
- `legacy_states` `_id` = "side:KEY": the status the original service last saw of an issue it
                 did not pair (app.sync.original), read at the issue's first sighting.
- `failures`     `_id` = change id (or creation id): the change, attempts, next attempt, last
                 error; `kind` "creation" for a creation's, which no newer change supersedes
                 (app.sync.failures owns the document).
- `comment_copies` `_id` = "side:comment id": an original comment and its copy, written ahead;
                 `comments_due` `_id` = issue id: comments still to read (app.sync.comment_copies
                 owns both documents).
- `field_baselines` `_id` = "user issue id:field": the value last seen equal on both issues
                 (app.sync.field_baselines owns the document).
- `events`       audit trail, expired by a TTL index.
- `requests`     an operator's resync and retry requests for the active worker
                 (app.sync.requests owns the document).

Writes use `update_one` with `$set` only: the embedded MongoDB-wire server drops the filter's
`_id` on `replace_one` upserts and ignores `$setOnInsert`. Instants are stored as sortable UTC
text (app.instants) for the same reason; `events.at` stays a BSON date for its TTL index.

Fencing: a store made with the `fence` of the pair's lease (app.leases) stamps every document it
writes with it and writes only over documents of an equal or older fence; meeting a newer one it
raises FenceLost, as it does when the pair's `sync_state` says a newer holder claimed the
database. So a worker that lost its lease while paused cannot overwrite its successor's
intents, mappings or watermarks. (Audit events and hints are not fenced: only added to.)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Unpack

import pymongo
import pymongo.errors
from pymongo.collection import Collection
from pymongo.database import Database

from app.instants import decode_instants, encode_instant, encode_instants
from app.mongo import count
from app.redaction import redact_strings
from app.sync import comment_copies, failures, field_baselines, requests
from app.sync.comment_copies import CommentCopy
from app.sync.failures import Failure, FailureKind
from app.sync.field_values import FieldValue
from app.sync.model import IssueRef, Mapping, Side
from app.sync.requests import SyncRequest
from app.sync.state import SyncState, SyncStateUpdate, update_document

EVENTS_TTL = timedelta(days=30)
PAIR_STATE = "pair"  # the `_id` of the pair's sync_state document


class FenceLost(Exception):
    """A newer holder of the pair's lease has written to the pair's database: this one no
    longer owns the pair and must stop acting."""

    def __init__(self, collection: str, doc_id: str, fence: int) -> None:
        super().__init__(f"{collection}/{doc_id} carries a newer fence than {fence}: the pair's lease moved on")


class PairStore:
    """All MongoDB reads and writes of one pair; plain values in, plain values out. `fence`:
    the lease fence every write carries (None: unfenced, for tools and tests)."""

    def __init__(self, db: Database[Any], fence: int | None = None) -> None:
        self.db = db
        self.fence = fence

    def claim(self) -> None:
        """Mark the pair's database as this fence's; FenceLost if a newer one claimed it."""
        self._write(self.db.sync_state, PAIR_STATE, {})

    def ensure_indexes(self) -> None:
        self.db.mappings.create_index("dev_id", unique=True)
        self.db.failures.create_index("next_attempt_at")
        # No index on partner_hints.names: the embedded server answers nothing for an array
        # element matched through an index on the array (the collection stays small anyway).
        self.db.events.create_index("at", expireAfterSeconds=int(EVENTS_TTL.total_seconds()))
        requests.ensure_indexes(self.db.requests)

    # -- issue_state -------------------------------------------------------------------------

    def issue_states(self, issue_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(issue_ids)
        if not ids:
            return {}
        return {doc["_id"]: decode_instants(doc) for doc in self.db.issue_state.find({"_id": {"$in": ids}})}

    def save_issue_state(self, issue_id: str, side: Side, key: str, status: str, updated: datetime | None,
                         status_seen_changing: bool = False) -> None:
        """`status_seen_changing`: this version (`updated`) is where its status was seen to change;
        kept as `status_updated`, which later versions that change other fields leave alone."""
        fields: dict[str, Any] = {"side": side, "key": key, "status": status}
        if updated is not None:
            fields["updated"] = encode_instant(updated)
            if status_seen_changing:
                fields["status_updated"] = encode_instant(updated)
        self._write(self.db.issue_state, issue_id, fields)

    def reset_baseline(self, issue_id: str, side: Side, key: str, status: str) -> None:
        """Store `status` as the issue's baseline with no version: its next sighting is new."""
        self._write(self.db.issue_state, issue_id, {"side": side, "key": key, "status": status}, unset=("updated",))

    # -- mappings ----------------------------------------------------------------------------

    def mapping_for(self, side: Side, issue_id: str) -> Mapping | None:
        field = "_id" if side == "user" else "dev_id"
        doc = self.db.mappings.find_one({field: issue_id})
        return _mapping(doc) if doc else None

    def save_mapping(self, mapping: Mapping, found_by: str | None = None) -> None:
        """`found_by` says how the pairing was found (created, adopted by ..., imported), for the trace."""
        fields = {"user_key": mapping.user_key, "dev_id": mapping.dev_id, "dev_key": mapping.dev_key}
        self._write(self.db.mappings, mapping.user_id, fields if found_by is None else {**fields, "found_by": found_by})

    def update_mapping_key(self, side: Side, issue_id: str, key: str) -> None:
        """An issue moved: its id is unchanged, its key is new."""
        field, key_field = ("_id", "user_key") if side == "user" else ("dev_id", "dev_key")
        doc = self.db.mappings.find_one({field: issue_id}, {"_id": 1})
        if doc is not None:
            self._write(self.db.mappings, doc["_id"], {key_field: key})

    def pairing_origin(self, user_id: str) -> str | None:
        """How the mapping of `user_id` was found (`found_by`), if it was recorded."""
        doc = self.db.mappings.find_one({"_id": user_id}, {"found_by": 1})
        return doc.get("found_by") if doc else None

    def issue_id_of(self, key: str) -> str | None:
        """The id of the issue last stored under `key` (None: never seen by that key)."""
        doc = self.db.issue_state.find_one({"key": key}, {"_id": 1})
        return str(doc["_id"]) if doc else None

    def mapping_count(self) -> int:
        return count(self.db.mappings)

    # -- sync_state --------------------------------------------------------------------------

    def sync_state(self) -> SyncState:
        """The pair's watermarks and flags; FenceLost once a newer lease holder claimed the pair."""
        state = SyncState.from_document(self.db.sync_state.find_one({"_id": PAIR_STATE}) or {})
        if self.fence is not None and (state.fence or 0) > self.fence:
            raise FenceLost("sync_state", PAIR_STATE, self.fence)
        return state

    def save_sync_state(self, **update: Unpack[SyncStateUpdate]) -> None:
        """The one writer of the pair's sync state: sets the fields of `update`, keeps the others."""
        self._write(self.db.sync_state, PAIR_STATE, update_document(update))

    # -- creations ---------------------------------------------------------------------------

    def creation(self, user_issue_id: str) -> dict[str, Any] | None:
        return self.db.creations.find_one({"_id": user_issue_id})

    def save_creation(self, user_issue_id: str, document: dict[str, Any]) -> None:
        self._write(self.db.creations, user_issue_id, encode_instants(document))

    def creations_in(self, phases: Iterable[str]) -> list[dict[str, Any]]:
        return list(self.db.creations.find({"phase": {"$in": list(phases)}}))

    # -- intents (write-ahead records for writes that must not be repeated) -------------------

    def intent(self, intent_id: str) -> dict[str, Any] | None:
        return self.db.intents.find_one({"_id": intent_id})

    def begin_intent(self, intent_id: str, now: datetime, **fields: Any) -> None:
        self._write(self.db.intents, intent_id, encode_instants({"done": False, "at": now, **fields}))

    def finish_intent(self, intent_id: str, **fields: Any) -> None:
        self._write(self.db.intents, intent_id, {"done": True, **fields})

    # -- attachments -------------------------------------------------------------------------

    def copied_attachment_ids(self, attachment_ids: Iterable[str]) -> set[str]:
        """Those of `attachment_ids` already copied, or themselves copies (never copied back)."""
        ids = list(attachment_ids)
        if not ids:
            return set()
        done = self.db.attachments.find({"$or": [{"_id": {"$in": ids}}, {"target_attachment_id": {"$in": ids}}]})
        return {value for doc in done for value in (doc["_id"], doc.get("target_attachment_id")) if value in ids}

    def attachment_counterparts(self, attachment_ids: Iterable[str]) -> dict[str, str | None]:
        """Each of `attachment_ids` the attachment copy knows, with its counterpart on the partner
        issue: its copy (None: never copied), or the attachment it is itself a copy of."""
        ids = list(attachment_ids)
        if not ids:
            return {}
        found: dict[str, str | None] = {}
        for doc in self.db.attachments.find({"$or": [{"_id": {"$in": ids}}, {"target_attachment_id": {"$in": ids}}]}):
            source, target = str(doc["_id"]), doc.get("target_attachment_id")
            if source in ids:
                found[source] = None if target is None else str(target)
            if target is not None and str(target) in ids:
                found[str(target)] = source
        return found

    def record_attachment(self, source_id: str, target_issue_id: str, target_attachment_id: str | None) -> None:
        """`source_id` is copied as `target_attachment_id` (None: Jira refused it; never copied)."""
        self._write(self.db.attachments, source_id,
                    {"target_issue_id": target_issue_id, "target_attachment_id": target_attachment_id})

    def save_legacy_states(self, rows: Iterable[tuple[Side, str, str]]) -> None:
        for side, key, status in rows:
            self.db.legacy_states.update_one({"_id": f"{side}:{key}"}, {"$set": {"status": status}}, upsert=True)

    def legacy_statuses(self, side: Side, keys: Iterable[str]) -> dict[str, str]:
        """The original service's last status of each of `keys` it knew (key -> status)."""
        ids = [f"{side}:{key}" for key in keys]
        if not ids:
            return {}
        return {doc["_id"].split(":", 1)[1]: doc["status"] for doc in self.db.legacy_states.find({"_id": {"$in": ids}})}

    # -- partner hints -----------------------------------------------------------------------

    def save_hint(self, issue_id: str, side: Side, key: str, names: list[str]) -> None:
        self.db.partner_hints.update_one({"_id": issue_id}, {"$set": {"side": side, "key": key, "names": names}},
                                         upsert=True)

    def hints_naming(self, key: str, side: Side) -> list[IssueRef]:
        """The issues of `side` whose link lines name `key`."""
        return [IssueRef(doc["_id"], doc["key"]) for doc in self.db.partner_hints.find({"side": side, "names": key})]

    # -- failures ----------------------------------------------------------------------------

    def due_failures(self, now: datetime) -> list[Failure]:
        return failures.read_due(self.db.failures, now)

    def failure(self, failure_id: str) -> Failure | None:
        return failures.read_one(self.db.failures, failure_id)

    def record_failure(self, failure: Failure) -> None:
        # Its reason is shown by /health and the dashboard: no secret's value, whatever carried it.
        self._write(self.db.failures, failure.id, redact_strings(failure.to_document()))

    def clear_failure(self, failure_id: str) -> None:
        self._delete(self.db.failures, {"_id": failure_id})

    def clear_failures_of_issue(self, issue_id: str, keep: str) -> None:
        """The change `keep` of the issue supersedes its other failed changes (not its creation's)."""
        self._delete(self.db.failures, {"issue_id": issue_id, "_id": {"$ne": keep},
                                        "kind": {"$nin": [FailureKind.CREATION.value, FailureKind.COMMENT.value,
                                                          FailureKind.FIELD.value]}})

    def make_failures_due(self, now: datetime, issue_key: str | None = None, issue_id: str | None = None,
                          given_up_only: bool = False) -> int:
        """Make the matching retryable failures due at `now` (an operator's retry); how many."""
        due = failures.read_matching(self.db.failures, issue_key=issue_key, issue_id=issue_id, given_up_only=given_up_only)
        for failure in due:
            self._write(self.db.failures, failure.id, {"next_attempt_at": encode_instant(now)})
        return len(due)

    def failure_count(self) -> int:
        """The pending failures (app.sync.failures says what pending means)."""
        return failures.count_pending(self.db.failures)

    def pending_failures(self) -> list[Failure]:
        return failures.read_pending(self.db.failures)

    # -- comment copies (app.sync.comment_copies owns the documents) --------------------------

    def comment_copies_of(self, origin_side: Side, origin_issue_id: str) -> dict[str, CommentCopy]:
        return comment_copies.read_copies_of(self.db.comment_copies, origin_side, origin_issue_id)

    def save_comment_copy(self, copy: CommentCopy) -> None:
        self._write(self.db.comment_copies, copy.id, copy.to_document())

    def issues_with_copies(self) -> list[tuple[str, Side]]:
        return comment_copies.read_issues_with_copies(self.db.comment_copies)

    def mark_comments_due(self, issue_id: str, side: Side) -> None:
        self._write(self.db.comments_due, issue_id, {"side": side})

    def comments_due(self) -> list[tuple[str, Side]]:
        return comment_copies.read_due(self.db.comments_due)

    def clear_comments_due(self, issue_id: str) -> None:
        self._delete(self.db.comments_due, {"_id": issue_id})

    # -- field baselines (app.sync.field_baselines owns the documents) --------------------------

    def field_baselines(self, user_id: str) -> dict[str, FieldValue]:
        return field_baselines.read_baselines(self.db.field_baselines, user_id)

    def save_field_baseline(self, user_id: str, field: str, value: FieldValue) -> None:
        self._write(self.db.field_baselines, field_baselines.baseline_id(user_id, field),
                    field_baselines.to_document(user_id, field, value))

    # -- events ------------------------------------------------------------------------------

    def record_event(self, event: dict[str, Any]) -> None:
        self.db.events.insert_one(dict(event))

    def events_of(self, issue_ids: list[str], since: datetime | None = None) -> list[dict[str, Any]]:
        """The events of the issues `issue_ids` (and since `since`), oldest first."""
        query: dict[str, Any] = {"issueId": {"$in": issue_ids}}
        if since is not None:
            query["at"] = {"$gte": since}
        return list(self.db.events.find(query).sort("at", pymongo.ASCENDING))

    def events_named(self, name: str, since: datetime | None = None) -> list[dict[str, Any]]:
        """The events of one type (pair-wide ones: a lease taken), oldest first."""
        query: dict[str, Any] = {"event": name}
        if since is not None:
            query["at"] = {"$gte": since}
        return list(self.db.events.find(query).sort("at", pymongo.ASCENDING))

    def latest_issue_events(self, limit: int) -> list[dict[str, Any]]:
        """The newest events about an issue, newest first."""
        return list(self.db.events.find({"issueKey": {"$exists": True}}).sort("at", pymongo.DESCENDING).limit(limit))

    # -- requests (an operator's, consumed by the lease holder only) --------------------------

    def waiting_requests(self) -> list[SyncRequest]:
        return requests.waiting(self.db.requests)

    def finish_request(self, request_id: str, outcome: str, now: datetime) -> None:
        requests.finish(self.db.requests, request_id, outcome, now)


    # -- fenced writes -----------------------------------------------------------------------

    def _write(self, collection: Collection[Any], doc_id: str, fields: dict[str, Any], unset: tuple[str, ...] = ()) -> None:
        """Set `fields` on the document (made if missing), over an equal or older fence only."""
        update: dict[str, Any] = {"$set": fields if self.fence is None else {**fields, "fence": self.fence}}
        if unset:
            update["$unset"] = {name: "" for name in unset}
        if self.fence is None:
            collection.update_one({"_id": doc_id}, update, upsert=True)
            return
        # One request whether the document is new or ours: one a newer fence wrote does not
        # match, and the upsert then collides with its _id.
        try:
            collection.update_one({"_id": doc_id, "fence": {"$lte": self.fence}}, update, upsert=True)
            return
        except pymongo.errors.DuplicateKeyError:
            pass
        # Written before fences (or by an unfenced store): the first fenced write takes it over.
        # A second filter, not an `$or` in the first: the embedded server misapplies `$or` in updates.
        if not collection.update_one({"_id": doc_id, "fence": {"$exists": False}}, update).matched_count:
            raise FenceLost(collection.name, doc_id, self.fence)

    def _delete(self, collection: Collection[Any], query: dict[str, Any]) -> None:
        """Delete what `query` matches; FenceLost when a newer fence wrote one of them."""
        if self.fence is not None:
            newer = collection.find_one({**query, "fence": {"$gt": self.fence}}, {"_id": 1})
            if newer is not None:
                raise FenceLost(collection.name, newer["_id"], self.fence)
        collection.delete_many(query)


def _mapping(doc: dict[str, Any]) -> Mapping:
    return Mapping(user_id=doc["_id"], user_key=doc["user_key"], dev_id=doc["dev_id"], dev_key=doc["dev_key"])
