"""`jira-sync <command>` (or `python entrypoint.py <command>`): the parser, and one module per command.

Each command module (app.cli.validate, render, run, reload, status, plan, trace, resync, retry,
demo) has
`main(args) -> int`: it gathers its inputs (settings, config directory, supervisord, MongoDB),
calls the pure parts and prints. A command's module is imported only when it runs. Exit codes:
0 fine, 1 something to look at (a bad config, a pair not healthy, a failed reload step), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from pydantic import ValidationError

from app.secret_files import SecretFileError
from app.settings import settings_problems


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.settings import get_settings

    try:
        get_settings()  # every command reads them: a bad one is named here, not in a traceback
    except (ValidationError, SecretFileError) as error:
        report_settings(error)
        return 2
    command: Callable[[argparse.Namespace], int] = import_module(f"app.cli.{args.command}").main
    return command(args)


def report_settings(error: ValidationError | SecretFileError) -> None:
    for line in settings_problems(error):
        print(f"settings: {line}", file=sys.stderr)



def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="jira-sync: many Jira sync pairs under supervisord")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check every sync-*.json; exit 1 on any error")
    validate.add_argument("--config-dir", type=Path, help="directory of pair configs (default CONFIG_DIR)")
    validate.add_argument("--offline", action="store_true",
                          help="judge the files only; do not look into MongoDB for state still to import")
    render = commands.add_parser("render", help="print (or write) supervisord.conf")
    render.add_argument("--output", type=Path, help="write here instead of printing")
    commands.add_parser("run", help="render into RUNTIME_DIR and exec supervisord in the foreground")
    for name, text in (("reload", "rescan configs; add, remove and restart changed pairs"),
                       ("status", "one line per pair: process, heartbeat, last pass, error")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--demo", action="store_true", help="act on the bundle started by `demo`")
    plan = commands.add_parser("plan", help="dry run of one pair's next pass")
    plan.add_argument("pair")
    trace = commands.add_parser("trace", help="what the sync saw, decided and did for one issue and its partner")
    trace.add_argument("key", help="an issue key, e.g. ABSUP-12 (an old key of a moved issue works too)")
    trace.add_argument("--pair", help="only this pair")
    trace.add_argument("--since", help="only what happened since: an ISO date or instant, or 3d, 12h, 30m")
    trace.add_argument("--json", action="store_true", help="print JSON instead of lines")
    resync = commands.add_parser("resync", help="have the pair's active worker re-read an issue and its partner now")
    resync.add_argument("key", help="an issue key of a pair's User or Dev project")
    retry = commands.add_parser("retry", help="retry given-up failures now (every one, or one issue's)")
    retry.add_argument("pair")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("key", nargs="?", help="the issue whose given-up failures to retry")
    which.add_argument("--all", action="store_true", help="every given-up failure of the pair")
    for command in (resync, retry):
        command.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                             help="wait this long for the worker's outcome (default 60)")
    demo = commands.add_parser("demo", help="the bundle against a simulated Jira site, on embedded defaults")
    demo.add_argument("--jira-port", type=int, default=None, help="port of the simulated Jira (default DEMO_JIRA_PORT or 8081)")
    demo.add_argument("--bundles", type=int, default=1, choices=range(1, 6), metavar="N",
                      help="run N bundles on one MongoDB (1 to 5; dashboards on HEALTH_PORT + 100 * i) to watch the pair leases")
    return parser
