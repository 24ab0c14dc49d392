"""Creating a User issue's Dev issue so that a crash at any point never leads to a second one,
and so that everything the creation owes is done once, whatever the issues do meanwhile.

A creation is recorded in the pair's `creations` collection (`_id` = the User issue id) before
anything is sent to Jira, and moves through phases:

    creating   written ahead of the create request: the Dev issue may or may not exist yet
    created    the Dev issue is known and mapped; the parts may still be owed
    finished   the link and every part of the creating plan ran
    abandoned  nothing was created and the User issue no longer asks for it

The Dev issue is created in one request *with* its link to the User issue and a `jira-sync`
issue property naming that User issue (Jira stores all three together). Where the Dev
project's create screen has no "Linked Issues" field, the link follows separately and the
record remembers that it is still owed (`linked`).

The *parts* are the actions planned with the creation (transition, attachments, comment):
they are written into the record with it and owed to the creation, not to the User issue's
status, so a creation whose comment failed still posts it after the issue moved on. Each part
is marked done (`parts_done`) once it ran, and never runs twice.

A record found in phase `creating` (a crash, or a create whose answer was lost) is recovered
before anything is created again: the Dev issue is looked for by its marker, among the User
issue's links, then directly by key (GETs never go through the search index: the keys after
the highest Dev key the pair had seen when the record was written), then among the Dev issues
the search finds created since. As the search index may lag and a key probe stops at a gap,
nothing is created again while the record is younger than INDEX_LAG_ALLOWANCE: the creation
waits as a pending failure instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from app.config import PairConfig
from app.instants import decode_instant
from app.jira import JiraBadRequest, JiraClient, JiraNotFound, jql_datetime, jql_string
from app.sync import marker
from app.sync.actions import Action, CreateDevIssue, action_document, action_from_document
from app.sync.credentials import CredentialCheck
from app.sync.field_values import field_value, write_form
from app.sync.jira_answers import IssueView
from app.sync.marker import IssueMarker
from app.sync.model import IssueRef, Mapping, same_status
from app.sync.store import PairStore
from app.sync.templates import browse_url, dev_description, fit_text

LINK_TYPE = "Relates"
RECOVERY_WINDOW = timedelta(minutes=2)  # JQL dates are minute-precise; the clocks may differ a little
INDEX_LAG_ALLOWANCE = timedelta(minutes=5)  # Atlassian: search lags "seconds to minutes"
PROBE_GAP = 5  # consecutive missing keys that end a probe (deleted issues leave gaps)
PROBE_LIMIT = 200  # keys probed at most in one recovery

Phase = Literal["creating", "created", "finished", "abandoned"]
OWING: tuple[Phase, ...] = ("creating", "created")


@dataclass(frozen=True)
class CreationRecord:
    """One creation as stored (see the module docstring for the phases)."""

    create: CreateDevIssue
    parts: tuple[Action, ...]
    started_at: datetime
    phase: Phase = "creating"
    dev_id: str | None = None
    dev_key: str | None = None
    linked: bool = False
    parts_done: frozenset[int] = field(default_factory=frozenset)
    dev_key_floor: int | None = None  # the highest Dev key number the pair knew when it began

    @property
    def user_issue_id(self) -> str:
        return self.create.user_issue_id

    @property
    def change_id(self) -> str:
        """Names the creation in the failures and on its comment: the same across every attempt
        and every newer version of the User issue (the link it makes bumps `updated`)."""
        return creation_id(self.user_issue_id)

    @property
    def mapping(self) -> Mapping | None:
        if self.dev_id is None or self.dev_key is None:
            return None
        return Mapping(self.create.user_issue_id, self.create.user_issue_key, self.dev_id, self.dev_key)

    @property
    def created_again_from(self) -> datetime:
        """When an interrupted create, not found, may be sent again: Jira's search has caught up."""
        return self.started_at + INDEX_LAG_ALLOWANCE

    def owed_parts(self) -> list[tuple[int, Action]]:
        return [(index, part) for index, part in enumerate(self.parts) if index not in self.parts_done]

    def to_document(self) -> dict[str, Any]:
        return {
            "create": action_document(self.create),
            "parts": [action_document(part) for part in self.parts],
            "started_at": self.started_at,
            "phase": self.phase,
            "dev_id": self.dev_id,
            "dev_key": self.dev_key,
            "linked": self.linked,
            "parts_done": sorted(self.parts_done),
            "dev_key_floor": self.dev_key_floor,
            "user_key": self.create.user_issue_key,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> CreationRecord:
        create = action_from_document(document["create"])
        assert isinstance(create, CreateDevIssue)
        return cls(
            create=create,
            parts=tuple(action_from_document(part) for part in document.get("parts") or ()),
            started_at=decode_instant(document["started_at"]),
            phase=document.get("phase", "creating"),
            dev_id=document.get("dev_id"),
            dev_key=document.get("dev_key"),
            linked=bool(document.get("linked")),  # the embedded server hands `$set` booleans back as 0/1
            parts_done=frozenset(int(index) for index in document.get("parts_done") or ()),
            dev_key_floor=document.get("dev_key_floor"),
        )


def creation_id(user_issue_id: str) -> str:
    return f"create:{user_issue_id}"


class CreationDeferred(Exception):
    """An interrupted create was not found yet, and may still show up: it is not sent again
    before the search index has had time to catch up."""


@dataclass
class DevIssueCreation:
    """The creations of one pair: their records, and the Dev issue each one makes at most once."""

    jira: JiraClient
    store: PairStore
    config: PairConfig
    clock: Callable[[], datetime]
    time_zone: str
    credentials: CredentialCheck

    def begin(self, action: CreateDevIssue, parts: tuple[Action, ...]) -> tuple[CreationRecord, bool]:
        """The record of `action`'s creation, written ahead now unless one exists: (record, new)."""
        existing = self.record(action.user_issue_id)
        if existing is not None and existing.phase != "abandoned":
            return existing, False
        floor = self.store.sync_state().dev_key_high
        record = CreationRecord(action, tuple(parts), self.clock(), dev_key_floor=floor)
        self._save(record)
        return record, True

    def record(self, user_issue_id: str) -> CreationRecord | None:
        document = self.store.creation(user_issue_id)
        return CreationRecord.from_document(document) if document else None

    def owed(self) -> list[CreationRecord]:
        """Creations not finished yet (a crash or a failure interrupted them), oldest first."""
        return sorted((CreationRecord.from_document(doc) for doc in self.store.creations_in(OWING)),
                      key=lambda record: record.started_at)

    def ensure_dev_issue(self, record: CreationRecord, new: bool) -> tuple[CreationRecord, bool]:
        """The record with its Dev issue known (phase `created` or later) or `abandoned`, and
        whether this call created the Dev issue.

        A new record is created at once. Otherwise the Dev issue a previous attempt may have
        made is looked for first; only when there is none, and the User issue still stands in
        the status that asked for it, is it created (else the creation is abandoned).
        """
        if record.phase != "creating":
            return record, False
        mapped = self.store.mapping_for("user", record.user_issue_id)
        if mapped is not None:  # a crash between the mapping and the record: is the link there?
            return self._mapped(record, mapped, linked=False, recovered=True), False
        if not new:
            found = self._find_created_dev_issue(record)
            if found is not None:
                return self._mapped(record, *found, recovered=True), False
            if not self._still_wanted(record):
                return self._save(replace(record, phase="abandoned")), False
            if self.clock() < record.created_again_from:
                until = record.created_again_from.strftime("%H:%M:%S UTC")
                raise CreationDeferred(f"the interrupted create of {record.create.user_issue_key}'s Dev issue was not "
                                       f"found (yet); not created again before {until}, once Jira's search has caught up")
        return self._create(record), True

    def link_made(self, record: CreationRecord) -> CreationRecord:
        return self._save(replace(record, linked=True))

    def part_done(self, record: CreationRecord, index: int) -> CreationRecord:
        return self._save(replace(record, parts_done=record.parts_done | {index}))

    def finish(self, record: CreationRecord) -> CreationRecord:
        return self._save(replace(record, phase="finished"))

    # -- creating and recovering ---------------------------------------------------------------

    def _create(self, record: CreationRecord) -> CreationRecord:
        action = record.create
        user_url = browse_url(self.jira.site_url, action.user_issue_key)
        fields: dict[str, Any] = {
            "project": {"key": action.project_key},
            "issuetype": {"name": action.issue_type},
            "summary": action.summary,
            "description": fit_text(action.description, user_url, self.jira.text_length),
        }
        if action.priority:
            fields["priority"] = {"name": action.priority}
        synced = self._synced_fields(action, user_url)
        fields.update(synced)
        ours = IssueMarker(action.user_issue_id, action.user_issue_key, self.config.name).properties()
        try:
            created = self._create_leaving_out(fields, synced, properties=ours,
                                               links=[(LINK_TYPE, action.user_issue_key)])
            linked = True
        except JiraBadRequest as refused:
            if "issuelinks" not in refused.errors:
                raise
            # The Dev project's create screen lacks "Linked Issues": create now, link as the
            # creation's next step (a crash in between is recovered through the marker).
            created = self._create_leaving_out(fields, synced, properties=ours)
            linked = False
        for name, direction in (self.config.fields or {}).items():  # the Dev issue starts equal
            if name in fields and direction in ("toDev", "both"):
                self.store.save_field_baseline(action.user_issue_id, name, field_value(name, fields[name]))
            elif direction == "toUser":  # what a new Dev issue has: nothing goes up until Dev sets it
                self.store.save_field_baseline(action.user_issue_id, name, field_value(name, None))
        mapping = Mapping(action.user_issue_id, action.user_issue_key, str(created["id"]), created["key"])
        return self._mapped(record, mapping, linked)

    def _names_to_dev(self) -> list[str]:
        return [name for name, direction in (self.config.fields or {}).items() if direction in ("toDev", "both")]

    def _synced_fields(self, action: CreateDevIssue, user_url: str) -> dict[str, Any]:
        """The fields the pair file sends to Dev (toDev, both) as the User issue has them now (a
        change made since the search saw it must not be lost), in the form the create takes; empty
        ones are left to Jira's defaults; the description keeps its link line and is fitted."""
        names = self._names_to_dev()
        if not names:
            return {}
        raw = self.jira.get_issue(action.user_issue_id, fields=names).get("fields") or {}
        forms: dict[str, Any] = {}
        for name in names:
            value = field_value(name, raw.get(name))
            if name == "description":
                described = dev_description(raw.get(name), user_url) if self.config.default_behavior.add_cross_links \
                    else raw.get(name) or ""
                forms[name] = fit_text(described, user_url, self.jira.text_length)
            elif value.plain is not None:
                forms[name] = write_form(value, self.jira.deployment)
        return forms

    def _create_leaving_out(self, fields: dict[str, Any], synced: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """Create; a synced field the create screen refuses is left out (and `fields` loses it), so
        the field step writes it later or reports why not."""
        while True:
            try:
                return self.jira.create_issue(fields, **extra)
            except JiraBadRequest as refused:
                named = [name for name in synced if name in refused.errors and name in fields]
                if not named:
                    raise
                for name in named:
                    del fields[name]

    def _mapped(self, record: CreationRecord, mapping: Mapping, linked: bool, recovered: bool = False) -> CreationRecord:
        """Record the mapping and the Dev issue's first status as its baseline (so that its next
        move is seen as a change), with the version read as where that status was seen to change
        (else its later edits would pass for moves made after a User change waiting for its
        retry, which would then be dropped as overtaken), then the record's new phase.

        A recovered Dev issue may have moved already (a person took it while its create's answer
        was lost): its baseline is then the status Jira creates issues in, with no `updated`, so
        that the move comes out as a change on the next read instead of being taken as where it began.
        """
        self.store.save_mapping(mapping, found_by="created")
        dev = IssueView.parse(self.jira.get_issue(mapping.dev_id, fields=["status", "updated", "created",
                                                                          "statuscategorychangedate"]))
        status = dev.current_status()
        initial = self._initial_status(record.create, dev) if recovered else None
        if initial is not None and not same_status(initial, status):
            self.store.reset_baseline(mapping.dev_id, "dev", dev.key, initial)
        else:  # its status is the one it was created in, or changed no later than this version
            self.store.save_issue_state(mapping.dev_id, "dev", dev.key, status, dev.updated, status_seen_changing=True)
        if not recovered:
            self._learn_initial_status(record.create.issue_type, status)
        return self._save(replace(record, phase="created", dev_id=mapping.dev_id, dev_key=mapping.dev_key,
                                  linked=linked))

    def _learn_initial_status(self, issue_type: str, status: str) -> None:
        known = self.store.sync_state().dev_initial_statuses
        if known.get(issue_type) != status:
            self.store.save_sync_state(dev_initial_statuses={**known, issue_type: status})

    def _initial_status(self, action: CreateDevIssue, dev: IssueView) -> str | None:
        """The status a new Dev issue of this type starts in, as seen after an earlier create; else,
        when the issue's status category changed since its creation, the first status of the "new"
        category the Dev project lists for the type (None: take the current status)."""
        learned = self.store.sync_state().dev_initial_statuses.get(action.issue_type)
        if learned:
            return learned
        if dev.status_category_changed in (None, dev.created):
            return None
        for entry in self.jira.project_statuses(action.project_key):
            if entry.get("name") == action.issue_type:
                new = [s["name"] for s in entry.get("statuses") or [] if (s.get("statusCategory") or {}).get("key") == "new"]
                return new[0] if new else None
        return None

    def _find_created_dev_issue(self, record: CreationRecord) -> tuple[Mapping, bool] | None:
        """The Dev issue an interrupted create made, and whether it is linked: among the User
        issue's links, else by key after the record's floor, else among the Dev issues the
        search finds created since the record (a create screen without links), by its marker."""
        action = record.create
        user_issue = IssueView.parse(self.jira.get_issue(action.user_issue_id, fields=["issuelinks"]))
        candidates = [ref for ref in user_issue.links if ref.key.startswith(f"{action.project_key}-")]
        for candidate in candidates:
            if self._marks(IssueMarker.read(self.jira.get_property(candidate.key, marker.KEY)), action):
                return self._mapping_of(action, candidate), True
        probed = self._probe_keys(record)
        if probed is not None:
            return probed
        for listed in self._created_since(action.project_key, record.started_at):
            if self._marks(IssueMarker.read(self.jira.get_property(listed.key, marker.KEY)), action):
                return self._mapping_of(action, listed), False
        return None

    def _probe_keys(self, record: CreationRecord) -> tuple[Mapping, bool] | None:
        """GET the Dev keys after the record's floor, one by one, until PROBE_GAP in a row are missing."""
        action = record.create
        first, missing = (record.dev_key_floor or 0) + 1, 0
        for number in range(first, first + PROBE_LIMIT):
            try:
                issue = IssueView.parse(self.jira.get_issue(f"{action.project_key}-{number}", fields=["issuelinks"],
                                                            properties=[marker.KEY]))
            except JiraNotFound:
                missing += 1
                if missing == PROBE_GAP:
                    break
                continue
            missing = 0
            if self._marks(issue.marker, action):
                return self._mapping_of(action, issue), issue.links_to(action.user_issue_id)
        self.credentials.prove()  # the missing keys were missing, not hidden from rejected credentials
        return None

    @staticmethod
    def _marks(found: IssueMarker | None, action: CreateDevIssue) -> bool:
        return found is not None and found.names(action.user_issue_id)

    @staticmethod
    def _mapping_of(action: CreateDevIssue, issue: IssueRef | IssueView) -> Mapping:
        return Mapping(action.user_issue_id, action.user_issue_key, issue.id, issue.key)

    def _created_since(self, project_key: str, since: datetime) -> list[IssueView]:
        window = jql_datetime(since - RECOVERY_WINDOW, self.time_zone)
        jql = f'project = {jql_string(project_key)} AND created >= "{window}" ORDER BY created ASC'
        return [IssueView.parse(raw) for raw in self.jira.search(jql, fields=["summary"])]

    def _still_wanted(self, record: CreationRecord) -> bool:
        issue = IssueView.parse(self.jira.get_issue(record.user_issue_id, fields=["status"]))
        return same_status(issue.status, record.create.user_status)

    def _save(self, record: CreationRecord) -> CreationRecord:
        self.store.save_creation(record.user_issue_id, record.to_document())
        return record
