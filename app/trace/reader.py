"""Reads one issue's trace (and each pair's recent activity) from what the sync stores: the
pair's mappings, issue state, creations, failures and events (through their owners,
app.sync.store, app.sync.failures, app.sync.creation), and the pair's lease. Reads only.

The key is looked up in every valid pair whose User or Dev project is the key's, and in every
pair whose database knows the key (an issue that moved keeps its id; its old key stays in the
events and resolves to the id). MongoDB not answering is said, per pair, not raised.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pymongo
import pymongo.errors
from pymongo.database import Database

from app.config import LoadedPair, LoadResult
from app.instants import as_utc, utc_now
from app.leases.store import LeaseStore
from app.sync import failures
from app.sync.creation import CreationRecord
from app.sync.model import Mapping, Side, other_side
from app.sync.store import PairStore
from app.sync.templates import browse_url
from app.trace.lines import (
    LineKind,
    TraceLine,
    event_lines,
    failure_line,
    ordered,
    pairing_line,
    touching_leases,
)

ACTIVITY_SHOWN = 10  # per pair on the dashboard
EVENTS_PER_ACTION = 20  # events read per action shown (a read bounded however quiet the pair)
ACTIVITY_KINDS = (LineKind.ACTED, LineKind.FAILED, LineKind.PAIRING, LineKind.EVENT)


@dataclass(frozen=True)
class IssueLink:
    side: Side
    key: str
    url: str


@dataclass(frozen=True)
class PairTrace:
    """One pair's view of the issue. `seen`: the pair's database knows it."""

    pair: str
    side: Side
    key: str
    seen: bool
    issue_id: str | None = None
    partner_key: str | None = None
    links: tuple[IssueLink, ...] = ()
    lines: tuple[TraceLine, ...] = ()
    unavailable: str | None = None  # why the pair's records could not be read

    def to_json(self) -> dict[str, Any]:
        return {"pair": self.pair, "side": self.side, "key": self.key, "seen": self.seen, "issueId": self.issue_id,
                "partnerKey": self.partner_key, "links": [{"side": link.side, "key": link.key, "url": link.url}
                                                          for link in self.links],
                "unavailable": self.unavailable, "lines": [line.to_json() for line in self.lines]}


@dataclass(frozen=True)
class Trace:
    key: str
    pairs: tuple[PairTrace, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)  # config files that did not load

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "pairs": [pair.to_json() for pair in self.pairs], "problems": list(self.problems)}


@dataclass(frozen=True)
class Activity:
    """One pair's latest actions, newest first (None and `unavailable`: MongoDB did not answer)."""

    pair: str
    lines: tuple[TraceLine, ...] = ()
    unavailable: str | None = None


def project_of(key: str) -> str:
    return key.rpartition("-")[0]


def side_by_project(pair: LoadedPair, key: str) -> Side | None:
    project = project_of(key)
    if project == pair.config.user_project_key:
        return "user"
    if project == pair.config.dev_project_key:
        return "dev"
    return None


class Tracer:
    """Reads traces over one MongoDB client; `configs` gives the valid pairs (a fresh scan or a
    cached one), `pair_database` names a pair's database as the bundle does."""

    def __init__(self, client: pymongo.MongoClient[Any], pair_database: Callable[[str], str], control_db: str,
                 configs: Callable[[], LoadResult], clock: Callable[[], datetime] = utc_now) -> None:
        self.client, self.pair_database, self.control_db = client, pair_database, control_db
        self.configs, self.clock = configs, clock

    def trace(self, key: str, pair_name: str | None = None, since: datetime | None = None) -> Trace:
        key = key.strip().upper()
        result = self.configs()
        pairs = [pair for pair in result.pairs if pair_name is None or pair.name == pair_name]
        traces = []
        for pair in pairs:
            traced = self._trace_in(pair, key, since)
            if traced is not None:
                traces.append(traced)
        return Trace(key, tuple(traces), tuple(str(error) for error in result.errors))

    def activity(self, limit: int = ACTIVITY_SHOWN) -> list[Activity]:
        shown: list[Activity] = []
        unreachable: str | None = None  # after one timeout, the other pairs are not waited for too
        for pair in self.configs().pairs:
            if unreachable is not None:
                shown.append(Activity(pair.name, unavailable=unreachable))
                continue
            try:
                # Most events are sightings that did nothing: read enough to find `limit` actions.
                events = PairStore(self._db(pair)).latest_issue_events(limit * EVENTS_PER_ACTION)
            except pymongo.errors.PyMongoError as error:
                unreachable = _unreachable(error)
                shown.append(Activity(pair.name, unavailable=unreachable))
                continue
            lines = [line for event in events for line in event_lines(event) if line.kind in ACTIVITY_KINDS]
            shown.append(Activity(pair.name, tuple(lines[:limit])))
        return shown

    # -- one pair ------------------------------------------------------------------------------

    def _db(self, pair: LoadedPair) -> Database[Any]:
        return self.client[self.pair_database(pair.name)]

    def _trace_in(self, pair: LoadedPair, key: str, since: datetime | None) -> PairTrace | None:
        """The pair's trace of `key`; None when the key is neither of its projects nor known to it."""
        by_project = side_by_project(pair, key)
        store = PairStore(self._db(pair))
        try:
            found = _resolve(store, key)
            if found is None:
                return None if by_project is None else PairTrace(pair.name, by_project, key, seen=False)
            return self._read(pair, store, key, *found, since)
        except pymongo.errors.PyMongoError as error:
            if by_project is None:
                return None
            return PairTrace(pair.name, by_project, key, seen=False, unavailable=_unreachable(error))

    def _read(self, pair: LoadedPair, store: PairStore, asked: str, issue_id: str, side: Side,
              since: datetime | None) -> PairTrace:
        now = self.clock()
        current = store.issue_states([issue_id]).get(issue_id)
        key = current["key"] if current else asked
        mapping = store.mapping_for(side, issue_id)
        ids = [issue_id] + ([mapping.id_of(other_side(side))] if mapping else [])
        creation_doc = store.creation(mapping.user_id if mapping else issue_id) if side == "user" or mapping else None
        creation = CreationRecord.from_document(creation_doc) if creation_doc else None
        lines: list[TraceLine] = []
        if asked != key:
            lines.append(TraceLine(None, LineKind.NOTE, asked, f"{asked} moved: it is {key} now (same issue id {issue_id})"))
        partner_key = mapping.key_of(other_side(side)) if mapping else None
        origin = store.pairing_origin(mapping.user_id) if mapping else None
        lines.append(pairing_line(key, partner_key, origin, creation is not None))
        if creation is not None:
            lines.append(TraceLine(as_utc(creation.started_at), LineKind.ACTED, creation.create.user_issue_key,
                                   f"creation of its Dev issue recorded ({creation.phase}"
                                   + (f": {creation.dev_key}" if creation.dev_key else "") + ")"))
        events = store.events_of(ids, since)
        lines += [line for event in events for line in event_lines(event)]
        leases = touching_leases(events, store.events_named("lease.taken", since))
        lines += [line for event in leases for line in event_lines(event)]
        lines += [failure_line(failure, now) for failure in failures.read_of_issues(store.db.failures, ids)]
        lines += self._missing(pair, events, leases, current, since)
        return PairTrace(pair.name, side, key, True, issue_id, partner_key, _links(pair, side, key, mapping),
                         tuple(ordered(lines)))

    def _missing(self, pair: LoadedPair, events: list[dict[str, Any]], leases: list[MappingOf[str, Any]],
                 current: dict[str, Any] | None, since: datetime | None) -> list[TraceLine]:
        """Notes for what the records cannot tell."""
        notes = []
        if not events:
            last = f"; last seen as {current['status']!r}" if current else ""
            scope = "since then" if since else "within the 30 days events are kept"
            notes.append(f"no event recorded {scope}{last}")
        elif any("bundle" not in event for event in events):
            notes.append("some events come from a worker that did not record its bundle and pass")
        if events and not leases:
            lease = LeaseStore(self.client[self.control_db]).lease(pair.name)
            held = f"held by bundle {lease.owner} (fence {lease.fence}, moved {lease.handovers}×)" if lease and lease.owner \
                else "held by no bundle now"
            notes.append(f"no lease hand-over recorded while the sync followed it; the pair's lease is {held}")
        return [TraceLine(None, LineKind.NOTE, None, note) for note in notes]


def _resolve(store: PairStore, key: str) -> tuple[str, Side] | None:
    """The issue id and side stored for `key`: by its stored key, a mapping, an event or a failure."""
    issue_id = store.issue_id_of(key)
    if issue_id is not None:
        side = store.issue_states([issue_id])[issue_id].get("side")
        return issue_id, "dev" if side == "dev" else "user"
    for side in ("user", "dev"):
        mapping = store.db.mappings.find_one({f"{side}_key": key})
        if mapping is not None:
            return (str(mapping["_id"]), "user") if side == "user" else (str(mapping["dev_id"]), "dev")
    events = store.db.events.find({"issueKey": key, "issueId": {"$exists": True}}).sort("at", pymongo.DESCENDING)
    for event in events.limit(1):
        return str(event["issueId"]), "dev" if event.get("projectType") == "dev" else "user"
    for failure in failures.read_matching(store.db.failures, issue_key=key):
        if failure.change.issue_id is not None:
            return failure.change.issue_id, failure.change.side or "user"
    return None


def _links(pair: LoadedPair, side: Side, key: str, mapping: Mapping | None) -> tuple[IssueLink, ...]:
    base = pair.config.jira.base_url
    keys: list[tuple[Side, str]] = [(side, key)]
    if mapping is not None:
        keys.append((other_side(side), mapping.key_of(other_side(side))))
    return tuple(IssueLink(which, shown, browse_url(base, shown)) for which, shown in sorted(keys, key=lambda k: k[0] != "user"))


def _unreachable(error: BaseException) -> str:
    text = str(error).split(", Timeout:")[0].split(" (configured timeouts")[0]
    return f"MongoDB unreachable ({type(error).__name__}: {text[:200]})"
