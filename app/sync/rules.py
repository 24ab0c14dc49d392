"""The rule matcher: which configured rule, if any, decides about an issue's status.

Pure functions over the config's `Rule` models; conditions (mapping, status change) are
checked by the planner, not here, and a matched rule whose conditions fail does NOT fall
through to the next rule (as in the original service).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.config import Rule
from app.vocabulary import DIRECTIONS_FOR_SIDE, WILDCARD, Side, normalize_status


def status_matches(source_status: str, status: str) -> bool:
    """`source_status` matches `status` trimmed and case-insensitively; `*` matches any status."""
    pattern = normalize_status(source_status)
    return pattern == WILDCARD or pattern == normalize_status(status)


def direction_fits(sync_direction: str, side: Side) -> bool:
    """User issues take user_to_dev or both; Dev issues dev_to_user or both; none never fits."""
    return sync_direction in DIRECTIONS_FOR_SIDE[side]


def rules_in_order(rules: Iterable[Rule]) -> list[Rule]:
    """Enabled rules by ascending `priority`; equal priorities keep file order (stable sort)."""
    return sorted((rule for rule in rules if rule.enabled), key=lambda rule: rule.priority)


def match_rule(rules: Iterable[Rule], status: str, side: Side) -> Rule | None:
    """The first enabled rule, by priority, whose sourceStatus matches `status` and whose
    syncDirection fits `side`; None when no rule does."""
    for rule in rules_in_order(rules):
        if direction_fits(rule.sync_direction, side) and status_matches(rule.source_status, status):
            return rule
    return None
