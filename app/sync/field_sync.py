"""Brings the synced fields of one pair of issues in step, each write safe to run again.

The pass's search already answered the changed issue's fields. When none differs from its
baseline nothing is read or written. Else the partner is read, never through the index, so a
value the search has not caught up with is not overwritten: on Cloud the engine has every such
partner of the pass read ahead in one `POST /issue/bulkfetch` per 100 (`read_partners`; which
ones is app.sync.field_plan's pure `partners_to_read`), and a partner missing from that answer,
or one this pass wrote since, is read by its own `GET /issue`; Data Center has no bulkfetch, so
there each partner is one GET. What was read ahead is trusted for READ_AHEAD_SECONDS: a pass that
takes longer reads the partners it has not reached yet again (one bulkfetch), so a person's edit
of a partner is overwritten unseen only when it lands within that window before the write, as
with any read before a write Jira cannot make conditional. Each field is planned (app.sync.field_plan, pure), and only when
both sides changed one field to different values are the two issues' changelogs read, from the
most recent page backwards and only until each such field's latest change is found. Labels
copied from the one side that changed are written as `update` operations (added and removed
since the baseline), so a label a person adds on the partner meanwhile stays; else a field's
value is set. The writes to one issue go in one
`PUT /issue`; a field Jira refuses (its `errors` name it) is left out and the rest sent again, so
other fields of the same change still go through; the refused ones come back as `refused`, with
Jira's reason, for the engine's pending `field` failure. A baseline is recorded after its write
(a crash in between is seen next time as both sides equal: the baseline moves, nothing is written
twice) and whenever both sides agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.config import FieldDirection
from app.jira import JiraAuthError, JiraBadRequest, JiraClient, JiraError
from app.sync.field_plan import (
    Agree,
    FieldState,
    NeedTimes,
    Seen,
    Write,
    differs_from_baselines,
    label_operations,
    needing_times,
    partners_to_read,
    plan_field,
)
from app.sync.field_values import FieldValue, custom_text_form, field_value, write_form
from app.sync.jira_answers import parse_jira_datetime
from app.sync.model import Mapping as Pairing
from app.sync.model import Side, other_side
from app.sync.store import PairStore
from app.sync.templates import browse_url, fit_text
from app.vocabulary import SIDES, copy_direction

READ_AHEAD_SECONDS = 2.0  # how long partners read ahead are trusted (see the module docstring)

# How a changelog names a built-in field on Data Center, which gives no `fieldId`.
CHANGELOG_NAMES = {"components": "Component", "fixVersions": "Fix Version"}


@dataclass
class FieldsDone:
    """What one reconcile did: counts by `fields.<what>.<direction>`, events, the ids of the issues
    it wrote, and the refused fields with Jira's reason."""

    counts: dict[str, int] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    written: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)
    planned: bool = False  # both issues were compared (else the search showed nothing new)

    def count(self, what: str, direction: str) -> None:
        key = f"fields.{what}.{direction}"
        self.counts[key] = self.counts.get(key, 0) + 1


@dataclass
class FieldSync:
    jira: JiraClient
    store: PairStore
    directions: Mapping[str, FieldDirection]
    clock: Callable[[], datetime]
    display_names: dict[str, str] | None = None  # custom field id -> its name, once needed (changelogs on DC)
    partners: dict[str, dict[str, Any]] = field(default_factory=dict)  # issue id -> fields read ahead this pass
    read_ahead_at: datetime | None = None

    @property
    def names(self) -> list[str]:
        return [name for name, direction in self.directions.items() if direction != "none"]

    def unchanged(self, mapping: Pairing, side: Side, seen: Mapping[str, Any]) -> bool:
        """Whether every synced field of the issue the search answered equals its baseline."""
        return not differs_from_baselines(self.names, seen, self.store.field_baselines(mapping.user_id))

    def read_partners(self, changed: Iterable[tuple[Pairing, Side, Mapping[str, Any]]]) -> list[str]:
        """Read ahead, for this pass, the partners of the changed paired issues (pairing, side,
        fields as searched) whose values differ from their baselines: on Cloud one bulkfetch per
        100; Data Center has none (each partner is read by its reconcile). Forgets what the last
        pass read. The partners read. Raises JiraError when the bulkfetch fails."""
        self.partners = {}
        if not self.names or self.jira.deployment != "cloud":
            return []
        seen = [Seen(mapping.id_of(other_side(side)), fields, self.store.field_baselines(mapping.user_id))
                for mapping, side, fields in changed]
        wanted = partners_to_read(self.names, seen)
        if wanted:
            self._read_ahead(wanted)
        return wanted

    def _read_ahead(self, issue_ids: list[str]) -> None:
        self.read_ahead_at = self.clock()
        self.partners = {issue_id: dict(answer.get("fields") or {})
                         for issue_id, answer in self.jira.bulk_fetch(issue_ids, self.names).items()}

    def reconcile(self, mapping: Pairing, side: Side | None = None, seen: Mapping[str, Any] | None = None) -> FieldsDone:
        """Plan and write the fields of one pair of issues; `seen`: the `side` issue's fields as the
        search answered them (else both are read). Raises JiraError when an issue cannot be read."""
        done = FieldsDone()
        if not self.names or (side is not None and seen is not None and self.unchanged(mapping, side, seen)):
            return done
        done.planned = True
        raw = {s: (dict(seen) if s == side and seen is not None else self._read(mapping.id_of(s))) for s in SIDES}
        baselines = self.store.field_baselines(mapping.user_id)
        states = [FieldState(name, self.directions[name], baselines.get(name), field_value(name, raw["user"].get(name)),
                             field_value(name, raw["dev"].get(name))) for name in self.names]
        writes = self._decide(mapping, states, record=True)
        for target in SIDES:
            chosen = [write for write in writes if write.target == target]
            if chosen:
                self._write(mapping, target, chosen, raw, baselines, done)
        return done

    def preview(self, mapping: Pairing, side: Side, seen: Mapping[str, Any]) -> list[Write]:
        """The writes a reconcile would make (reads both issues when a field changed; writes nothing)."""
        if not self.names or self.unchanged(mapping, side, seen):
            return []
        raw = {s: (dict(seen) if s == side else self._read(mapping.id_of(s))) for s in SIDES}
        baselines = self.store.field_baselines(mapping.user_id)
        return self._decide(mapping, [FieldState(name, self.directions[name], baselines.get(name),
                                                 field_value(name, raw["user"].get(name)),
                                                 field_value(name, raw["dev"].get(name))) for name in self.names],
                            record=False)

    def _decide(self, mapping: Pairing, states: list[FieldState], record: bool) -> list[Write]:
        writes: list[Write] = []
        conflicting = needing_times(states)
        times = self._change_times(mapping, conflicting) if conflicting else {}
        for state in states:
            decision = plan_field(state)
            if isinstance(decision, NeedTimes):
                decision = plan_field(state, times.get(state.name, {}))
            if isinstance(decision, Agree) and record:
                self.store.save_field_baseline(mapping.user_id, decision.name, decision.value)
            elif isinstance(decision, Write):
                writes.append(decision)
        return writes

    def forget_partners(self) -> None:
        """Drop what was read ahead and not used (it is no fresher than the start of the pass)."""
        self.partners = {}

    def _read(self, issue_id: str) -> dict[str, Any]:
        """The partner's fields: as read ahead this pass (once), else by its own GET."""
        if issue_id in self.partners and self.read_ahead_at is not None and (
                (self.clock() - self.read_ahead_at).total_seconds() > READ_AHEAD_SECONDS):
            try:
                self._read_ahead(list(self.partners))  # the ones not reached yet, this one first among them
            except JiraAuthError:
                raise
            except JiraError:
                self.partners = {}  # each is read by its own GET below
        ahead = self.partners.pop(issue_id, None)
        if ahead is not None:
            return ahead
        answer = self.jira.get_issue(issue_id, fields=self.names)
        return dict(answer.get("fields") or {})

    # -- conflicts: each field's latest change on each side, by Jira's changelog ---------------

    def _change_times(self, mapping: Pairing, wanted: frozenset[str]) -> dict[str, dict[Side, datetime | None]]:
        """Each `wanted` field's latest change on each side, reading each changelog from its most
        recent page back only until every wanted field is found (or the history ends)."""
        times: dict[str, dict[Side, datetime | None]] = {name: {} for name in wanted}
        if self.display_names is None and self.jira.deployment != "cloud" and any(
                name.startswith("customfield_") for name in wanted):
            self.display_names = unique_names(self.jira.field_names())
        for side in SIDES:
            for page in self.jira.changelog_newest_first(mapping.id_of(side)):
                for history in page:
                    at = parse_jira_datetime(str(history.get("created")))
                    for item in history.get("items") or []:
                        name = self._field_of(item)
                        if name in times and (times[name].get(side) is None or at > times[name][side]):  # type: ignore[operator]
                            times[name][side] = at
                if all(times[name].get(side) is not None for name in wanted):
                    break  # a page holds newer changes than every page after it
        return times

    def _field_of(self, item: Mapping[str, Any]) -> str | None:
        field_id = item.get("fieldId")
        if field_id in self.directions:
            return str(field_id)
        label = str(item.get("field") or "")
        for name in self.names:
            if label in (name, CHANGELOG_NAMES.get(name), (self.display_names or {}).get(name)):
                return name
        return None

    # -- writing -------------------------------------------------------------------------------

    def _write(self, mapping: Pairing, target: Side, writes: list[Write], raw: dict[Side, dict[str, Any]],
               baselines: Mapping[str, FieldValue], done: FieldsDone) -> None:
        source_key = mapping.key_of(other_side(target))
        operations = {write.name: ops for write in writes
                      if (ops := label_operations(write, baselines.get(write.name),
                                                  field_value(write.name, raw[target].get(write.name)))) is not None}
        payload = {write.name: self._wire(write, raw, target, source_key) for write in writes}
        self.partners.pop(mapping.id_of(target), None)  # read ahead of this write: stale from now on
        sent = self._put(mapping.id_of(target), payload, operations, done, mapping.key_of(target))
        for write in writes:
            if write.name not in sent:
                continue
            # A text is recorded as sent (a description fitted to Jira's limit is what Dev holds).
            sent_value = field_value(write.name, payload[write.name]) if write.value.kind == "text" else write.value
            self.store.save_field_baseline(mapping.user_id, write.name, sent_value)
            done.count("updated", copy_direction(target))
            done.events.append(self._event(mapping, write))
            if write.conflict:
                done.count("conflicts", copy_direction(target))
        if sent:
            done.written.add(mapping.id_of(target))

    def _wire(self, write: Write, raw: dict[Side, dict[str, Any]], target: Side, source_key: str) -> Any:
        form = write_form(write.value, self.jira.deployment, raw[target].get(write.name) if write.name == "description"
                          else None)
        if write.name == "description" and isinstance(form, str):
            return fit_text(form, browse_url(self.jira.site_url, source_key), self.jira.text_length)
        source_raw = raw[write.source].get(write.name)
        if write.value.kind == "text" and write.name.startswith("customfield_"):
            return custom_text_form(form, self.jira.deployment, isinstance(source_raw, dict))
        return form

    def _put(self, issue_id: str, payload: dict[str, Any], operations: dict[str, list[dict[str, str]]],
             done: FieldsDone, key: str) -> set[str]:
        """Send `payload`, a field named in `operations` as those `update` operations instead; a
        field Jira refuses is left out and the rest sent again. The fields written."""
        remaining = dict(payload)
        while remaining:
            try:
                self.jira.edit_issue(issue_id, {name: value for name, value in remaining.items() if name not in operations},
                                     update={name: operations[name] for name in remaining if name in operations})
                return set(remaining)
            except JiraAuthError:
                raise
            except JiraBadRequest as refused:
                named = {name for name in remaining if name in refused.errors}
                for name in named or set(remaining):
                    done.refused[name] = f"{key} refused {name}: {refused.errors.get(name) or refused}"
                remaining = {name: value for name, value in remaining.items() if name not in named} if named else {}
            except JiraError as error:
                for name in remaining:
                    done.refused[name] = f"writing {name} to {key} failed: {error}"
                return set()
        return set()

    def _event(self, mapping: Pairing, write: Write) -> dict[str, Any]:
        source = write.source
        event: dict[str, Any] = {
            "event": "field.conflict" if write.conflict else "field.updated",
            "issueId": mapping.id_of(source), "issueKey": mapping.key_of(source),
            "targetKey": mapping.key_of(write.target), "direction": copy_direction(write.target),
            "field": write.name, "value": write.value.stored(),
        }
        if write.conflict and write.lost is not None and write.times is not None:
            event.update(lostValue=write.lost.stored(), userChangedAt=_text(write.times[0]),
                         devChangedAt=_text(write.times[1]))
        return event


def unique_names(names: Mapping[str, str]) -> dict[str, str]:
    """The custom fields whose name no other field has: a Data Center changelog item names its field
    by name alone (`fieldId` is not promised there), and a name two fields share tells neither."""
    counts = Counter(names.values())
    return {field_id: name for field_id, name in names.items() if field_id.startswith("customfield_") and counts[name] == 1}


def _text(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def field_values_of(raw: Mapping[str, Any], names: list[str]) -> dict[str, FieldValue]:
    """The comparable values of `names` in an issue's answered fields."""
    return {name: field_value(name, raw.get(name)) for name in names}
