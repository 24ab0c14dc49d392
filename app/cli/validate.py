"""`validate [--config-dir D] [--offline]`: one line per config file, the loader's verdict; exit 1
on any error.

A valid pair's warnings follow its line, one `WARNING` line each, and leave the exit code
alone. `run` prints the same lines at start-up. Unless `--offline`, validate then looks, with a
short timeout, into each valid pair's MongoDB database and says when it still holds the
original service's state to import (an `IMPORT` line; the exit code stays as it is), and asks
Jira about each synced field of a pair with a `fields` block, as the worker's start does (one
`WARNING` line per field that is missing from a screen, cannot be set or is of a custom type the
sync cannot copy: only Jira knows a custom field's type). MongoDB or Jira not answering is a note
on stderr, not an error: the config files are what validate judges.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pymongo.errors import PyMongoError

from app.config import LoadResult, load_configs
from app.config.errors import printable
from app.jira import JiraClient, JiraError
from app.mongo import connect
from app.settings import get_settings
from app.sync.field_screens import field_screen_warnings
from app.sync.original import OriginalState, still_to_import
from app.sync.store import PairStore

MONGO_TIMEOUT_MS = 1_500  # validate is run by hand and in CI: it must not hang on a MongoDB that is away
JIRA_QUICK: dict[str, Any] = {"max_retries": 0, "timeout": (2, 5)}  # nor on a Jira that is


def main(args: argparse.Namespace) -> int:
    result = load_configs(args.config_dir)
    for line in validate_lines(result):
        print(line)
    if result.pairs and not args.offline:
        for line in import_lines(result) + field_lines(result):
            print(line)
    return 0 if result.ok else 1


def validate_lines(result: LoadResult) -> list[str]:
    """One line per file, sorted by file: `OK <name> (<file>): <USER> <-> <DEV>, N rules`
    or `ERROR <file>: <field>: <message>` (several problems of one file joined by "; "); after
    an OK line, one `WARNING <file>: <field>: <message>` line per warning of that pair.

    Pure; a directory without pair files gives one line saying so. File names are shown
    through `printable`: a name with a newline cannot forge a line.
    """
    lines: dict[str, list[str]] = {}
    for pair in result.pairs:
        config = pair.config
        count = len(config.rules)
        lines[str(pair.path)] = [
            f"OK {pair.name} ({printable(str(pair.path))}): {config.user_project_key} <-> {config.dev_project_key}, "
            f"{count} rule{'' if count == 1 else 's'}",
            *(f"WARNING {warning}" for warning in pair.warnings),
        ]
    problems: dict[str, list[str]] = {}
    for error in result.errors:
        problems.setdefault(error.file, []).append(error.shown())
    for file, messages in problems.items():
        lines[file] = [f"ERROR {printable(file)}: " + "; ".join(messages)]
    if not lines:
        where = printable(str(result.config_dir)) if result.config_dir is not None else "the config directory"
        return [f"no pair configs (sync-*.json) in {where}"]
    return [line for file in sorted(lines) for line in lines[file]]


def field_lines(result: LoadResult) -> list[str]:
    """A `WARNING <file>: <problem>` line per problem Jira's create and edit metadata show for a
    pair's synced fields (app.sync.field_screens, as at a worker's start), with quick requests
    and no retries; a Jira that cannot be asked is a note on stderr."""
    lines = []
    for pair in result.pairs:
        if not any(direction != "none" for direction in (pair.config.fields or {}).values()):
            continue
        try:
            site = JiraClient.discover_site(pair.config.jira, **JIRA_QUICK)
            problems = field_screen_warnings(pair.config, JiraClient.from_config(pair.config.jira, site=site,
                                                                                 **JIRA_QUICK))
        except JiraError as error:
            print(f"note: {pair.name}: Jira was not asked about its fields: {error}", file=sys.stderr)
            continue
        lines += [f"WARNING {printable(str(pair.path))}: {problem}" for problem in problems]
    return lines


def import_line(pair: str, database: str, original: OriginalState) -> str:
    """The line saying that `database` still holds the original service's state (pure)."""
    states = sum(len(by_key) for by_key in original.states.values())
    return (f"IMPORT {pair}: database {database!r} holds the original service's state, not imported yet "
            f"({len(original.mappings)} mapping(s), {states} issue state(s)); the pair's first pass imports it "
            f"once; `plan {pair}` shows what it would write")


def import_lines(result: LoadResult) -> list[str]:
    """One IMPORT line per valid pair whose database still needs importing."""
    settings = get_settings()
    client = connect(settings.model_copy(update={"mongo_timeout_ms": MONGO_TIMEOUT_MS}), appname="jira-sync-validate")
    lines = []
    try:
        for pair in result.pairs:
            database = settings.pair_database(pair.name)
            store = PairStore(client[database])  # unfenced: it only reads
            original = still_to_import(store.db, store.sync_state())
            if original is not None:
                lines.append(import_line(pair.name, database, original))
    except PyMongoError as error:
        # Never the URI: it may carry a password.
        print(f"note: MongoDB did not answer within {MONGO_TIMEOUT_MS / 1000:g} s ({type(error).__name__}); "
              "not checked whether a pair's database still needs importing from the original service",
              file=sys.stderr)
    finally:
        client.close()
    return lines
