"""`plan <pair>`: one pass, read-only, printed as what it would do.

Reads Jira (search) and MongoDB (the pair's state) and writes to neither: it only plans. The
engine is wired exactly as the pair's worker wires it (app.sync.worker.pair_engine).
"""

from __future__ import annotations

import sys

from app.config import load_configs
from app.jira import JiraClient
from app.mongo import connect
from app.settings import get_settings
from app.sync.model import (
    AddComment,
    CopyAttachments,
    CreateDevIssue,
    LinkIssues,
    Plan,
    StatusChange,
    TransitionPartner,
)
from app.sync.worker import pair_engine


def describe_action(action: object, change: StatusChange) -> str:
    issue = change.issue
    if isinstance(action, CreateDevIssue):
        return f"create {action.issue_type} in {action.project_key} for {issue.key}: {action.summary!r}"
    if isinstance(action, TransitionPartner):
        return f"transition the {action.side} issue of {issue.key} to {action.target_status!r}"
    if isinstance(action, CopyAttachments):
        return f"copy new attachments {action.from_side} -> {action.to_side} for {issue.key}"
    if isinstance(action, LinkIssues):
        return f"link {issue.key} with its partner"
    if isinstance(action, AddComment):
        return f"comment on the {action.side} issue of {issue.key}: {action.text()!r}"
    return repr(action)


def plan_lines(previews: list[tuple[StatusChange, Plan]]) -> list[str]:
    """One line per change with actions, then a count line (pure)."""
    lines = []
    for change, plan in previews:
        issue = change.issue
        movement = f"{change.previous_status or '(new)'} -> {issue.status}"
        for action in plan.actions:
            lines.append(f"{issue.key} [{issue.side}] {movement} rule={plan.rule_id}: {describe_action(action, change)}")
    acting = sum(1 for _, plan in previews if plan.actions)
    lines.append(f"{len(previews)} issue version(s) to process, {acting} with actions, {len(lines)} action(s); nothing was written")
    return lines


def main(args) -> int:
    settings = get_settings()
    result = load_configs(settings.config_dir)
    pair = next((p for p in result.pairs if p.name == args.pair), None)
    if pair is None:
        known = ", ".join(p.name for p in result.pairs) or "none"
        print(f"no valid pair named {args.pair!r} in {settings.config_dir} (valid pairs: {known})", file=sys.stderr)
        return 1
    jira = JiraClient.from_config(pair.config.jira)
    client = connect(settings, appname="jira-sync-plan")
    try:
        engine = pair_engine(pair.config, jira, client, settings, jira.myself())
        for line in plan_lines(engine.preview()):
            print(line)
    finally:
        client.close()
    return 0
