"""Problems that do not stop a pair, each as (field, message): worth a warning, not a refusal.

- `literal_token`: the file holds its token itself instead of an environment reference.
- `address_warning`: the base URL is a loopback or private address the file does not say it
  means (`allowPrivateAddress`); addresses a pair must never reach are refused by the model
  (app.config.addresses).
- `rule_conflicts`: a rule that can never fire because an earlier one with the same source
  status, direction and priority always matches first (and then moves the partner elsewhere).
- `status_problems`: rules naming statuses a project does not have, judged against the
  statuses Jira lists for each project (the worker asks at start; `validate` cannot).

All pure; the loader attaches the first two to a valid pair, the worker adds the third.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from app.config.addresses import private_host
from app.config.envsubst import references
from app.config.errors import Loc
from app.config.models import PairConfig, Rule
from app.vocabulary import DIRECTIONS_FOR_SIDE, WILDCARD, Side, normalize_status, other_side

Problem = tuple[Loc, str]


def literal_token(document: Mapping[str, Any], pair_name: str) -> Problem | None:
    """A warning when `jira.apiToken` is written in the file rather than referenced."""
    token = (document.get("jira") or {}).get("apiToken")
    if not isinstance(token, str) or not token or references(token):
        return None
    stem = pair_name.removeprefix("sync-").removeprefix("sync_") or pair_name  # sync-ab -> JIRA_AB_TOKEN
    variable = "JIRA_" + "".join(char if char.isalnum() else "_" for char in stem.upper()) + "_TOKEN"
    return (("jira", "apiToken"),
            f"is a literal token: anyone who can read this file can use it; put it in the environment (e.g. "
            f"{variable}=... in .env.consolidated) and write \"${{{variable}}}\" here instead")


def address_warning(config: PairConfig) -> Problem | None:
    """A warning when the token would go to a loopback or private address nobody said they meant."""
    host = urlsplit(config.jira.base_url).hostname or ""
    kind = private_host(host)
    if kind is None or config.jira.allow_private_address:
        return None
    return (("jira", "baseUrl"),
            f"{host} is a {kind} address, and the pair sends its token there; if it is the Jira site you mean, "
            'set "allowPrivateAddress": true in the jira block')


def rule_conflicts(config: PairConfig) -> list[Problem]:
    """One warning per enabled rule shadowed by an earlier one: same sourceStatus (as statuses
    compare), a direction firing for the same side, the same priority, a different target."""
    problems: list[Problem] = []
    rules = [(index, rule) for index, rule in enumerate(config.rules) if rule.enabled]
    for position, (index, rule) in enumerate(rules):
        for earlier_index, earlier in rules[:position]:
            if _shadows(earlier, rule):
                problems.append(((("rules", index, "priority")),
                                 f"rule {rule.id!r} never fires: rules[{earlier_index}] ({earlier.id!r}) has the same "
                                 f"sourceStatus, direction and priority {rule.priority}, comes first and moves the "
                                 "partner elsewhere; give one of them another priority"))
                break
    return problems


def status_problems(config: PairConfig, statuses: Mapping[str, Collection[str]]) -> list[Problem]:
    """Rules naming a status that a project they act on does not have.

    A source status must be in at least one project the rule listens to (else it never
    fires), a target status in every project the rule moves partners in. `statuses` maps a
    project key to its status names (every issue type's, as `GET /project/{key}/statuses`
    lists them); a project missing from it is not judged.
    """
    projects = {"user": config.user_project_key, "dev": config.dev_project_key}
    known = {key: {normalize_status(name) for name in names} for key, names in statuses.items()}
    problems: list[Problem] = []
    for index, rule in enumerate(config.rules):
        if not rule.enabled or rule.sync_direction == "none":
            continue
        sources = _sides(rule.sync_direction)
        listens = list(dict.fromkeys(projects[side] for side in sources))
        missing = _lacking(known, listens, rule.source_status)
        if missing and len(missing) == len(listens):
            problems.append((("rules", index, "sourceStatus"),
                             f"{rule.source_status!r} is not a status of project {', '.join(missing)}, "
                             f"so rule {rule.id!r} never fires"))
        if rule.actions.sync_status and rule.effective_target_status:
            moves = [projects[other_side(side)] for side in sources] if rule.sync_direction == "both" \
                else [projects[rule.target_project]]
            missing = _lacking(known, list(dict.fromkeys(moves)), rule.effective_target_status)
            if missing:
                field = ("actions", "targetStatus") if rule.actions.target_status else ("targetStatus",)
                problems.append((("rules", index, *field),
                                 f"{rule.effective_target_status!r} is not a status of project {', '.join(missing)}, "
                                 f"so rule {rule.id!r} cannot move the partner there"))
    return problems


def _lacking(known: Mapping[str, set[str]], keys: list[str], status: str) -> list[str]:
    """The judged projects among `keys` that have no status `status` (`*` is in every project)."""
    wanted = normalize_status(status)
    return [key for key in keys if key in known and wanted != WILDCARD and wanted not in known[key]]


def _shadows(earlier: Rule, later: Rule) -> bool:
    return (
        normalize_status(earlier.source_status) == normalize_status(later.source_status)
        and earlier.priority == later.priority
        and bool(set(_sides(earlier.sync_direction)) & set(_sides(later.sync_direction)))
        and _target(earlier) != _target(later)
    )


def _target(rule: Rule) -> tuple[str, str]:
    return rule.target_project, normalize_status(rule.effective_target_status)


def _sides(direction: str) -> tuple[Side, ...]:
    """The sides whose changes a rule of `direction` fires on, user first."""
    return tuple(side for side, directions in DIRECTIONS_FOR_SIDE.items() if direction in directions)
