"""Transitions as plain values, and the pure choice of the one that reaches a wanted status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DONE_CATEGORY = "done"


@dataclass(frozen=True)
class Transition:
    """One transition offered from an issue's current status.

    `to_category` is the target status's category key: "new", "indeterminate" or "done".
    `field_ids` are the fields on the transition screen (None when Jira did not say).
    """

    id: str
    name: str
    to_status: str
    to_category: str
    field_ids: frozenset[str] | None = None


def parse_transitions(body: dict[str, Any]) -> list[Transition]:
    """Transitions from a `GET /issue/{key}/transitions` answer."""
    parsed = []
    for raw in body.get("transitions") or []:
        target = raw.get("to") or {}
        fields = raw.get("fields")
        parsed.append(
            Transition(
                id=str(raw.get("id")),
                name=str(raw.get("name", "")),
                to_status=str(target.get("name", "")),
                to_category=str((target.get("statusCategory") or {}).get("key", "")),
                field_ids=frozenset(fields) if isinstance(fields, dict) else None,
            )
        )
    return parsed


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def choose_transition(transitions: list[Transition], wanted: str) -> Transition | None:
    """The transition whose target status is `wanted` (case-insensitive, trimmed), else the one
    whose own name is `wanted`; None when neither is on offer."""
    for transition in transitions:
        if _same(transition.to_status, wanted):
            return transition
    for transition in transitions:
        if _same(transition.name, wanted):
            return transition
    return None


def transition_payload(transition: Transition, resolution: str | None) -> dict[str, Any]:
    """The POST body performing `transition`; a resolution is set only when entering a done status
    and only when the transition screen can take it (or Jira did not list the screen's fields)."""
    payload: dict[str, Any] = {"transition": {"id": transition.id}}
    screen_takes_resolution = transition.field_ids is None or "resolution" in transition.field_ids
    if resolution and transition.to_category == DONE_CATEGORY and screen_takes_resolution:
        payload["fields"] = {"resolution": {"name": resolution}}
    return payload
