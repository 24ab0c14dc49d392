"""What to do about one synced field of one pair of issues: a pure decision over typed values.

A side whose value differs from the baseline (the value last seen equal on both sides) has
changed. Equal sides agree (the baseline moves, nothing is written: this is how the sync knows
its own writes, never by author). One changed side is copied to the other where the direction
allows. Both changed to different values: the later change wins by Jira's changelog time for
that field (the caller reads the changelogs only when the plan says it needs them); a one-way
direction lets its source win. No baseline yet counts as both changed (but an empty one-way source
never clears the other side's value at first sight).

Also pure: which partners a pass must read (`partners_to_read`), which conflicting fields need
change times (`needing_times`), and how labels copied from the one side that changed are written
(`label_operations`: what was added and removed since the baseline, so a label a person adds on
the partner meanwhile stays).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.config import FieldDirection
from app.sync.field_values import FieldValue, field_value
from app.vocabulary import Side, other_side

FROM_SIDE: dict[FieldDirection, frozenset[Side]] = {
    "both": frozenset({"user", "dev"}), "toDev": frozenset({"user"}), "toUser": frozenset({"dev"}), "none": frozenset(),
}


@dataclass(frozen=True)
class FieldState:
    """One field of a pair of issues: its direction, baseline and both sides' values."""

    name: str
    direction: FieldDirection
    baseline: FieldValue | None
    user: FieldValue
    dev: FieldValue

    def value_of(self, side: Side) -> FieldValue:
        return self.user if side == "user" else self.dev

    def changed(self, side: Side) -> bool:
        return not self.value_of(side).same(self.baseline)


@dataclass(frozen=True)
class Agree:
    """Both sides hold `value`: it becomes the baseline, nothing is written."""

    name: str
    value: FieldValue


@dataclass(frozen=True)
class Write:
    """Write `value` (from `source`) to the other side; it becomes the baseline once written.
    A conflict names the losing value and both sides' change times."""

    name: str
    source: Side
    value: FieldValue
    lost: FieldValue | None = None
    times: tuple[datetime | None, datetime | None] | None = None  # (user's, dev's) change times

    @property
    def target(self) -> Side:
        return other_side(self.source)

    @property
    def conflict(self) -> bool:
        return self.lost is not None

    def describe(self) -> str:
        shown = self.value.stored()
        lost = f" (both changed: the later change wins over {self.lost.stored()!r})" if self.lost is not None else ""
        return f"field {self.name} -> {self.target}: {shown!r}{lost}"


@dataclass(frozen=True)
class NeedTimes:
    """Both sides changed to different values: the changelogs must say which change is later."""

    name: str


FieldDecision = Agree | Write | NeedTimes | None


def plan_field(state: FieldState, times: dict[Side, datetime | None] | None = None) -> FieldDecision:
    """The decision for one field; `times` (each side's latest change of the field, from its
    changelog) only when an earlier call answered NeedTimes. None: nothing to do."""
    if state.user.same(state.dev):
        return None if state.user.same(state.baseline) else Agree(state.name, state.user)
    changed = [side for side in ("user", "dev") if state.changed(side)]
    sources = FROM_SIDE[state.direction]
    if len(changed) == 1:
        source: Side = changed[0]  # type: ignore[assignment]
        return Write(state.name, source, state.value_of(source)) if source in sources else None
    if len(sources) == 1:
        only: Side = next(iter(sources))
        if state.baseline is None and state.value_of(only).plain is None:
            return None  # first sight, its source empty: no fact to copy, the other side's value stays
        return Write(state.name, only, state.value_of(only))
    if not sources:
        return None
    if times is None:
        return NeedTimes(state.name)
    winner = later_side(times)
    return Write(state.name, winner, state.value_of(winner), lost=state.value_of(other_side(winner)),
                 times=(times.get("user"), times.get("dev")))


def later_side(times: dict[Side, datetime | None]) -> Side:
    """The side whose change is later; a side with a known time beats one without; the User
    side (the customer's word) wins a tie."""
    user, dev = times.get("user"), times.get("dev")
    if dev is not None and (user is None or dev > user):
        return "dev"
    return "user"


def differs_from_baselines(names: Iterable[str], seen: Mapping[str, Any], baselines: Mapping[str, FieldValue]) -> bool:
    """Whether an issue's answered fields show any of `names` other than its baseline (a field
    the answer lacks counts as changed: the partner is read to be sure)."""
    return any(name not in seen or not field_value(name, seen.get(name)).same(baselines.get(name)) for name in names)


@dataclass(frozen=True)
class Seen:
    """A changed paired issue as the pass's search answered it: its partner, its synced fields'
    raw values and the pair's baselines."""

    partner_id: str
    fields: Mapping[str, Any]
    baselines: Mapping[str, FieldValue]


def partners_to_read(names: list[str], seen: Iterable[Seen]) -> list[str]:
    """The partners to read for this pass's field step, each once, in the order met: those of the
    issues whose searched values differ from their baselines (the others are not compared)."""
    if not names:
        return []
    return list(dict.fromkeys(item.partner_id for item in seen if differs_from_baselines(names, item.fields, item.baselines)))


def needing_times(states: Iterable[FieldState]) -> frozenset[str]:
    """The fields both sides changed to different values, whose change times decide the winner."""
    return frozenset(state.name for state in states if isinstance(plan_field(state), NeedTimes))


def label_operations(write: Write, baseline: FieldValue | None, target_value: FieldValue) -> list[dict[str, str]] | None:
    """`update` operations for labels copied from the only side that changed: each label added
    and removed since the baseline. None (set the whole list): not labels, no baseline yet, or
    the target changed too (a conflict or a one-way source overrides it)."""
    if write.name != "labels" or baseline is None or not target_value.same(baseline):
        return None
    before, after = _labels(baseline), _labels(write.value)
    return [{"add": label} for label in sorted(after - before)] + [{"remove": label} for label in sorted(before - after)]


def _labels(value: FieldValue) -> set[str]:
    return set(value.plain) if isinstance(value.plain, tuple) else set()
