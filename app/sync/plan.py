"""The action planner: (status change, mapping, pair config, partner status) -> Plan.

Pure: no I/O, no clock. Decisions the original service left implicit, made explicit here:

- Trigger. With `onStatusChange` (the rule's, else `defaultBehavior.onlyOnStatusChange`) a
  rule fires only on a real change (seen before, different status); a first sighting is a
  baseline, not a change. The one exception is creation: a `createIssue` rule fires on a
  first sighting of a User issue without mapping (initial sync of an issue already in
  Will Do). With `onStatusChange` false a rule fires on every sighting, the first included.
- Mapping. `requireMapping` (default true) makes a rule apply only when a mapping exists.
  Without a mapping only creation is possible: `createIssue` on a User issue (on a Dev issue
  it is ignored; only Dev issues are created). With a mapping, a `createIssue` rule does not
  create again, and its creation-bound actions (attachments, link, comment) are not repeated
  either; only its `syncStatus` still applies.
- Target. Actions go to the partner side. A one-directional rule whose `targetProject` is its
  own source side is a config error (Plan with a reason, no actions); a `both` rule always
  targets the partner of the issue it matched.
- Target status = `actions.targetStatus`, else the rule's `targetStatus`, else the source
  issue's own status (mirror). No transition when the partner is known to be in it already.
- Attachments: `actions.syncAttachments` when set; when unset, `defaultBehavior.syncAttachments`
  for a rule that creates the Dev issue, and no copy otherwise.
- Links: `addCrossLink` -> LinkIssues (a Jira issue link). With `defaultBehavior.addCrossLinks`
  the created Dev issue's description also carries the User link line.
- Comments: `addComment` with a non-empty `commentTemplate`. A creating rule's comment goes on
  the User issue (it announces the new Dev issue, WORKFLOW.md); any other rule's comment goes
  on the rule's target (the partner). `${source*}` is always the issue that changed.
- No rule matched: with `skipIntermediateStatuses` nothing happens. Otherwise, when a mapping
  exists and the change would trigger (onlyOnStatusChange as above), `fallbackBehavior`
  applies: ignore -> nothing; default_to_closed -> partner to "Closed"; sync_to_resolved ->
  partner to "Resolved".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.sync.actions import (
    Action,
    AddComment,
    CommentContext,
    CopyAttachments,
    CreateDevIssue,
    LinkIssues,
    Plan,
    TransitionPartner,
)
from app.sync.model import Mapping, StatusChange, other_side, same_status
from app.sync.rules import match_rule
from app.sync.templates import browse_url, dev_description

if TYPE_CHECKING:
    from app.config import DefaultBehavior, PairConfig, Rule

FALLBACK_TARGET_STATUS: dict[str, str | None] = {
    "ignore": None,
    "default_to_closed": "Closed",
    "sync_to_resolved": "Resolved",
}


def plan(
    change: StatusChange,
    mapping: Mapping | None,
    config: PairConfig,
    partner_status: str | None = None,
    site_url: str | None = None,
) -> Plan:
    """Decide what one observed issue status means for its partner (see the module docstring).

    `partner_status` is the partner issue's current status when the engine knows it; it only
    suppresses transitions the partner has already made. `site_url` is the site's own URL for
    the links written for people (default: the configured base URL). Deterministic for equal inputs.
    """
    rule = match_rule(config.rules, change.issue.status, change.issue.side)
    if rule is None:
        return _plan_without_rule(change, mapping, config.default_behavior, partner_status)
    return _plan_for_rule(rule, change, mapping, config, partner_status, site_url or config.jira.base_url)


def fires(change: StatusChange, only_on_status_change: bool) -> bool:
    """Whether a change triggers a non-creating rule: a real change, or any sighting when
    `only_on_status_change` is off."""
    return change.status_changed or not only_on_status_change


def effective_target_status(rule: Rule, change: StatusChange) -> str:
    """The status the partner should reach: actions.targetStatus, rule.targetStatus, else mirror."""
    return rule.effective_target_status or change.issue.status


def _plan_without_rule(
    change: StatusChange,
    mapping: Mapping | None,
    behavior: DefaultBehavior,
    partner_status: str | None,
) -> Plan:
    status = change.issue.status
    if behavior.skip_intermediate_statuses:
        return Plan(None, (), "no rule; intermediate status skipped")
    if mapping is None:
        return Plan(None, (), f"no rule for {status!r}; no mapping, so no fallback")
    if not fires(change, behavior.only_on_status_change):
        return Plan(None, (), f"no rule for {status!r}; {_no_trigger_reason(change)}")
    target_status = FALLBACK_TARGET_STATUS[behavior.fallback_behavior]
    reason = f"no rule for {status!r}; fallback {behavior.fallback_behavior}"
    if target_status is None:
        return Plan(None, (), reason)
    transition, note = _transition(change, target_status, partner_status)
    return Plan(None, transition, reason + note)


def _plan_for_rule(
    rule: Rule,
    change: StatusChange,
    mapping: Mapping | None,
    config: PairConfig,
    partner_status: str | None,
    site_url: str,
) -> Plan:
    source = change.issue.side
    if rule.sync_direction != "both" and rule.target_project == source:
        return Plan(
            rule.id, (), f"config error: rule {rule.id!r} targets its own source side ({source})"
        )
    creates = rule.actions.create_issue and source == "user"
    only_on_change = _only_on_status_change(rule, config.default_behavior)
    label = f"rule {rule.id!r}"
    if mapping is None:
        if rule.conditions.require_mapping:
            return Plan(rule.id, (), f"{label} requires a mapping; none exists", wants_partner=fires(change, only_on_change))
        if not creates:
            return Plan(rule.id, (), f"{label}: no mapping and nothing to create")
        if not (change.first_sighting or fires(change, only_on_change)):
            return Plan(rule.id, (), f"{label}: {_no_trigger_reason(change)}")
        return Plan(rule.id, _creation_actions(rule, change, config, site_url), f"{label}: create Dev issue")
    if not fires(change, only_on_change):
        return Plan(rule.id, (), f"{label}: {_no_trigger_reason(change)}")
    target_status = effective_target_status(rule, change) if rule.actions.sync_status else None
    transition, note = _transition(change, target_status, partner_status)
    if creates:
        return Plan(rule.id, transition, f"{label}: mapping exists, Dev issue not created again{note}")
    actions = transition + _follow_up_actions(rule, change, mapping, site_url, target_status or partner_status)
    return Plan(rule.id, actions, f"{label} applies{note}" if actions else f"{label}: nothing to do{note}")


def _only_on_status_change(rule: Rule, behavior: DefaultBehavior) -> bool:
    own = rule.conditions.on_status_change
    return behavior.only_on_status_change if own is None else own


def _no_trigger_reason(change: StatusChange) -> str:
    return "first sighting, not a change" if change.first_sighting else "status unchanged"


def _transition(
    change: StatusChange, target_status: str | None, partner_status: str | None
) -> tuple[tuple[Action, ...], str]:
    """The partner transition to `target_status` (none for None or when already there), plus a note."""
    if target_status is None:
        return (), ""
    if same_status(partner_status, target_status):
        return (), f"; partner already in {partner_status!r}"
    return (TransitionPartner(other_side(change.issue.side), target_status),), ""


def _creation_actions(rule: Rule, change: StatusChange, config: PairConfig, site_url: str) -> tuple[Action, ...]:
    issue = change.issue
    behavior = config.default_behavior
    user_url = issue.url or browse_url(site_url, issue.key)
    description = (
        dev_description(issue.description, user_url)
        if behavior.add_cross_links
        else (issue.description or "")
    )
    actions: list[Action] = [
        CreateDevIssue(
            user_issue_id=issue.id,
            user_issue_key=issue.key,
            project_key=config.dev_project_key,
            issue_type=config.dev_issue_type,
            summary=issue.summary,
            description=description,
            priority=issue.priority,
            user_status=issue.status,
        )
    ]
    target_status = None
    if rule.actions.sync_status:
        # The new issue's status is unknown here; the engine skips a no-op transition.
        target_status = effective_target_status(rule, change)
        actions.append(TransitionPartner("dev", target_status))
    copy = rule.actions.sync_attachments
    if behavior.sync_attachments if copy is None else copy:
        actions.append(CopyAttachments(from_side="user", to_side="dev"))
    if rule.actions.add_cross_link:
        actions.append(LinkIssues())
    template = _comment_template(rule)
    if template:
        context = CommentContext(issue.key, issue.status, user_url, None, target_status, None)
        actions.append(AddComment("user", template, context))
    return tuple(actions)


def _follow_up_actions(
    rule: Rule,
    change: StatusChange,
    mapping: Mapping,
    site_url: str,
    target_status: str | None,
) -> tuple[Action, ...]:
    issue = change.issue
    source, target = issue.side, other_side(issue.side)
    actions: list[Action] = []
    if rule.actions.sync_attachments:
        actions.append(CopyAttachments(from_side=source, to_side=target))
    if rule.actions.add_cross_link:
        actions.append(LinkIssues())
    template = _comment_template(rule)
    if template:
        target_key = mapping.key_of(target)
        context = CommentContext(
            source_key=issue.key,
            source_status=issue.status,
            source_url=issue.url or browse_url(site_url, issue.key),
            target_key=target_key,
            target_status=target_status,
            target_url=browse_url(site_url, target_key),
        )
        actions.append(AddComment(target, template, context))
    return tuple(actions)


def _comment_template(rule: Rule) -> str | None:
    template = rule.actions.comment_template
    return template if rule.actions.add_comment and template and template.strip() else None
