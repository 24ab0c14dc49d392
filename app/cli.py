"""`python entrypoint.py <command>`: validate, render, run, reload, status, plan, demo.

Each command gathers its inputs (settings, config directory, supervisord, MongoDB), calls the
pure parts (app.config, app.bundle.render/reload/status) and prints. Exit codes: 0 fine,
1 something to look at (a bad config, a pair not healthy, a failed reload step), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from app.bundle.render import program_specs, render_supervisord_conf
from app.bundle.rpc import SupervisorRPC, SupervisorUnavailable
from app.config import LoadResult, load_configs, validate_lines
from app.demo import launch as demo_launch
from app.settings import get_settings

RELOAD_RPC_TIMEOUT = 10.0  # reloadConfig re-reads and compares every section


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="entrypoint.py", description="jira-sync: many Jira sync pairs under supervisord")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check every sync-*.json; exit 1 on any error")
    validate.add_argument("--config-dir", type=Path, help="directory of pair configs (default CONFIG_DIR)")
    validate.set_defaults(handler=cmd_validate)
    render = commands.add_parser("render", help="print (or write) supervisord.conf")
    render.add_argument("--output", type=Path, help="write here instead of printing")
    render.set_defaults(handler=cmd_render)
    commands.add_parser("run", help="render into RUNTIME_DIR and exec supervisord in the foreground").set_defaults(handler=cmd_run)
    for name, handler, text in (("reload", cmd_reload, "rescan configs; add, remove and restart changed pairs"),
                                ("status", cmd_status, "one line per pair: process, heartbeat, last pass, error")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--demo", action="store_true", help="act on the bundle started by `demo`")
        sub.set_defaults(handler=handler)
    plan = commands.add_parser("plan", help="dry run of one pair's next pass")
    plan.add_argument("pair")
    plan.set_defaults(handler=cmd_plan)
    demo = commands.add_parser("demo", help="the bundle against a simulated Jira site, on embedded defaults")
    demo.add_argument("--jira-port", type=int, default=None, help="port of the simulated Jira (default DEMO_JIRA_PORT or 8081)")
    demo.set_defaults(handler=cmd_demo)
    return parser


def cmd_validate(args) -> int:
    result = load_configs(args.config_dir if args.config_dir else None)
    for line in validate_lines(result):
        print(line)
    return 0 if result.ok else 1


def cmd_render(args) -> int:
    settings = get_settings()
    _, text = _render(settings, load_configs(settings.config_dir), report=sys.stderr)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_run(args, settings=None, extra_programs=()) -> int:
    """Validate (reporting bad files, running the good ones), render, exec supervisord."""
    from app.bundle.runtime import exec_supervisord, write_runtime

    settings = settings or get_settings()
    result = load_configs(settings.config_dir)
    for line in validate_lines(result):  # the startup log names every file, good or bad
        print(line)
    _, text = _render(settings, result, report=sys.stdout, extra_programs=extra_programs, errors_reported=True)
    conf = write_runtime(settings, text)
    print(f"supervisord.conf written to {conf}; starting supervisord", flush=True)
    exec_supervisord(conf)


def cmd_reload(args) -> int:
    from app.bundle.reload import apply_reload
    from app.bundle.runtime import write_runtime

    settings, extra = _profile(args)
    programs, text = _render(settings, load_configs(settings.config_dir), report=sys.stdout, extra_programs=extra)
    write_runtime(settings, text)
    rpc = SupervisorRPC(settings.supervisor_socket, timeout=max(settings.supervisor_timeout, RELOAD_RPC_TIMEOUT))
    try:
        outcome = apply_reload(rpc, [program.name for program in programs])
    except SupervisorUnavailable as error:
        print(f"reload failed: {error}", file=sys.stderr)
        return 1
    plan = outcome.plan
    print(f"added: {', '.join(plan.add) or '-'}; removed: {', '.join(plan.remove) or '-'}; "
          f"restarted: {', '.join(plan.restart) or '-'}")
    for name, failure in outcome.failures.items():
        print(f"FAILED {name}: {failure}", file=sys.stderr)
    return 1 if outcome.failures else 0


def cmd_status(args) -> int:
    from app.bundle.status import pair_names, pair_status

    settings, _ = _profile(args)
    result = load_configs(settings.config_dir)
    processes, unavailable = {}, False
    try:
        processes = SupervisorRPC(settings.supervisor_socket, timeout=settings.supervisor_timeout).process_states()
    except SupervisorUnavailable as error:
        unavailable = True
        print(f"supervisord: {error.reason}", file=sys.stderr)
    heartbeats = _heartbeats(settings)
    now = datetime.now(timezone.utc)
    statuses = [
        pair_status(name, processes.get(name), heartbeats.get(name), now, settings.heartbeat_stale_after, unavailable)
        for name in pair_names([pair.name for pair in result.pairs], processes)
    ]
    for status in statuses:
        print(status.line)
    for error in result.errors:
        print(f"{'invalid':<20}  {error}")
    if not statuses:
        print("no pairs configured")
    return 0 if statuses and all(status.healthy for status in statuses) else 1


def cmd_plan(args) -> int:
    from app.sync.plan_cli import main as plan_main

    return plan_main(args.pair)


def cmd_demo(args) -> int:
    """Write the demo runtime (seed, pair configs), then run the bundle like `run`."""
    launch = demo_launch.prepare(get_settings(), args.jira_port)
    for line in demo_launch.banner(launch):
        print(line)
    return cmd_run(args, settings=launch.settings, extra_programs=launch.extra_programs)


def _profile(args):
    """The settings and extra programs of the bundle a command acts on (`--demo` or the real one)."""
    settings = get_settings()
    if not getattr(args, "demo", False):
        return settings, []
    return demo_launch.demo_profile(settings)


def _render(settings, result: LoadResult, report, extra_programs=(), errors_reported=False):
    """(programs, supervisord.conf text) for the good pairs; every bad file is reported on
    `report` (unless the loader's errors were already printed) and gets no program."""
    for error in [] if errors_reported else result.errors:
        print(f"config error (pair not started): {error}", file=report)
    programs = program_specs(result, settings, extra_programs)
    return programs, render_supervisord_conf(programs, settings)


def _heartbeats(settings) -> dict:
    import pymongo.errors

    from app.heartbeats import HeartbeatStore
    from app.mongo import connect

    client = connect(settings, appname="jira-sync-status")
    try:
        return HeartbeatStore(client[settings.mongo_control_db]).all()
    except pymongo.errors.PyMongoError as error:
        print(f"mongodb: heartbeats unavailable ({type(error).__name__})", file=sys.stderr)
        return {}
    finally:
        client.close()
