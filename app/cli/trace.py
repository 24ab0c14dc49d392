"""`trace <ISSUE-KEY> [--pair P] [--since WHEN] [--json]`: what the sync saw, decided and did for
one issue and its partner, oldest first (app.trace reads it; this module prints it).

For an issue the sync has never seen, it also says what the pair's next pass would do about it
now, as `plan` does (the engine wired as the worker wires it, reading only). MongoDB or Jira
not answering is said, naming which. Exit 0 when some pair knows or owns the key, else 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timedelta
from typing import Any

import pymongo.errors

from app.config import LoadedPair, load_configs
from app.instants import as_utc, utc_now
from app.jira import JiraError, JiraNotFound
from app.mongo import connect
from app.settings import get_settings
from app.sync.engine import Preview
from app.sync.worker import StartupCheckFailed, connect_jira, pair_engine
from app.trace.reader import PairTrace, Trace, Tracer

RELATIVE = re.compile(r"^(\d+)([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_since(text: str, now: datetime) -> datetime:
    """`--since`: an ISO date or instant (UTC unless it says), or `3d`, `12h`, `30m` ago."""
    relative = RELATIVE.match(text.strip())
    if relative:
        return now - timedelta(**{UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--since {text!r}: not an ISO date (2026-12-01, 2026-12-01T10:00) nor an age (3d, 12h, 30m)") from None
    return as_utc(moment)


def trace_lines(trace: Trace, previews: dict[str, list[str]]) -> list[str]:
    """The printed trace (pure): per pair a header, the links, the lines; `previews` what each
    pair would do now about an unseen key (already worded)."""
    if not trace.pairs:
        return [f"{trace.key} belongs to no pair: no valid pair has project {trace.key.rpartition('-')[0]!r}, "
                "and no pair's records know the key"]
    out: list[str] = []
    for pair in trace.pairs:
        out.append(_header(pair))
        out += [f"  {link.side}: {link.key}  {link.url}" for link in pair.links]
        if pair.unavailable:
            out.append(f"  {pair.unavailable}: what the sync recorded cannot be read now")
        elif not pair.seen:
            out.append(f"  the sync has never seen {pair.key} (no mapping, state or event in pair {pair.pair})")
        out += ["  " + line.shown() for line in pair.lines]
        out += ["  " + line for line in previews.get(pair.pair, [])]
    return out


def _header(pair: PairTrace) -> str:
    partner = f" ↔ {pair.partner_key}" if pair.partner_key else ""
    return f"pair {pair.pair}: {pair.key} [{pair.side}]{partner}"


def would_do(pair: LoadedPair, key: str, settings: Any, client: pymongo.MongoClient[Any]) -> list[str]:
    """What the pair's next pass would do about `key` as Jira has it now (reading only)."""
    try:
        jira, myself = connect_jira(pair.config)
        preview = pair_engine(pair.config, jira, client, settings, myself).preview_issue(key)
    except JiraNotFound:
        return [f"Jira has no issue {key} (or the sync user cannot see it)"]
    except (StartupCheckFailed, JiraError) as error:
        return [f"Jira unreachable or refusing ({type(error).__name__}: {error}): cannot say what the sync would do now"]
    except pymongo.errors.PyMongoError as error:
        return [f"MongoDB unreachable ({type(error).__name__}): cannot say what the sync would do now"]
    return preview_text(preview)


def preview_text(preview: Preview) -> list[str]:
    """A preview as the trace words it (pure)."""
    issue, plan = preview.change.issue, preview.plan
    head = f"now in Jira: {issue.key} [{issue.side}] is {issue.status!r}; the next pass would"
    if preview.adopts:
        partner = preview.adopts.key_of("dev" if issue.side == "user" else "user")
        head += f" adopt {partner} (found by {preview.via}) and"
    if not plan.actions:
        return [f"{head} do nothing: {plan.reason or 'no action planned'}"]
    return [f"{head}, by rule {plan.rule_id!r}:"] + [f"  - {action.describe(issue.key)}" for action in plan.actions]


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    now = utc_now()
    try:
        since = parse_since(args.since, now) if args.since else None
    except argparse.ArgumentTypeError as error:
        print(error, file=sys.stderr)
        return 2
    result = load_configs(settings.config_dir)
    if args.pair and args.pair not in {pair.name for pair in result.pairs}:
        known = ", ".join(pair.name for pair in result.pairs) or "none"
        print(f"no valid pair named {args.pair!r} in {settings.config_dir} (valid pairs: {known})", file=sys.stderr)
        return 1
    client = connect(settings, appname="jira-sync-trace")
    try:
        tracer = Tracer(client, settings.pair_database, settings.mongo_control_db, lambda: result)
        trace = tracer.trace(args.key, args.pair, since)
        by_name = {pair.name: pair for pair in result.pairs}
        previews = {pair.pair: would_do(by_name[pair.pair], trace.key, settings, client)
                    for pair in trace.pairs if not pair.seen and not pair.unavailable}
    finally:
        client.close()
    if args.json:
        body = trace.to_json()
        for pair in body["pairs"]:
            pair["wouldDo"] = previews.get(pair["pair"])
        print(json.dumps(body, indent=2))
    else:
        for line in trace_lines(trace, previews):
            print(line)
    return 0 if trace.pairs else 1
