"""`plan <pair>`: one pass, read-only, printed as what it would do, after the problems the
worker's start would warn of for the synced fields (app.sync.field_screens).

Reads Jira (search) and MongoDB (the pair's state) and writes to neither: it only plans. The
engine is wired exactly as the pair's worker wires it (app.sync.worker.pair_engine).
"""

from __future__ import annotations

import argparse
import sys

from app.config import load_configs
from app.mongo import connect
from app.settings import get_settings
from app.sync.engine import CommentPreview, FieldPreview, Preview
from app.sync.field_screens import field_screen_warnings
from app.sync.original import ImportPlan
from app.sync.worker import StartupCheckFailed, connect_jira, pair_engine


def plan_lines(previews: list[Preview], imported: ImportPlan | None = None,
               comments: list[CommentPreview] | None = None, fields: list[FieldPreview] | None = None) -> list[str]:
    """The import of the original service's state (if due), one line per adoption and per
    action, one per comment copy, edit, delete or skip, then a count line (pure)."""
    lines = [imported.summary()] if imported is not None else []
    for preview in previews:
        change, plan, issue = preview.change, preview.plan, preview.change.issue
        movement = f"{change.previous_status or '(new)'} -> {issue.status}"
        if preview.adopts:
            partner = preview.adopts.key_of("dev" if issue.side == "user" else "user")
            lines.append(f"{issue.key} [{issue.side}] adopt {partner} as its partner (found by {preview.via}; "
                         "no comment, no copy)")
        for action in plan.actions:
            lines.append(f"{issue.key} [{issue.side}] {movement} rule={plan.rule_id}: {action.describe(issue.key)}")
    acting = sum(1 for preview in previews if preview.plan.actions or preview.adopts)
    actions = len(lines) - (imported is not None)
    steps = 0
    for comment in comments or []:
        for step in comment.actions:
            lines.append(f"{comment.issue_key} [{comment.side}] comments: {step.describe()}")
            steps += 1
    writes = 0
    for field in fields or []:
        for write in field.writes:
            lines.append(f"{field.issue_key} [{field.side}] {write.describe()}")
            writes += 1
    lines.append(f"{len(previews)} issue version(s) to process, {acting} with actions, {actions} action(s), "
                 f"{steps} comment step(s)" + (f", {writes} field write(s)" if fields is not None else "")
                 + "; nothing was written")
    return lines


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    result = load_configs(settings.config_dir)
    pair = next((p for p in result.pairs if p.name == args.pair), None)
    if pair is None:
        known = ", ".join(p.name for p in result.pairs) or "none"
        print(f"no valid pair named {args.pair!r} in {settings.config_dir} (valid pairs: {known})", file=sys.stderr)
        return 1
    try:
        jira, myself = connect_jira(pair.config)
    except StartupCheckFailed as error:
        print(f"{args.pair}: {error}", file=sys.stderr)
        return 1
    client = connect(settings, appname="jira-sync-plan")
    try:
        engine = pair_engine(pair.config, jira, client, settings, myself)
        for problem in field_screen_warnings(pair.config, jira):  # what the worker's start warns of
            print(f"config warning: {problem}")
        imported = engine.preview_import()
        for line in plan_lines(engine.preview(imported), imported, engine.preview_comments(),
                               engine.preview_fields() if engine.fields is not None else None):
            print(line)
    finally:
        client.close()
    return 0
