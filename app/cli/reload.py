"""`reload [--demo]`: scan again, then add new pairs, remove deleted ones, restart changed ones.

A running pair whose file has a problem keeps running as it is (app.bundle.reload.keep_running):
what supervisord runs now is read from the supervisord.conf it last loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.bundle.reload import apply_reload, bundle_interpreter, running_groups, settle_scan
from app.bundle.render import worker_config_path
from app.bundle.rendered import read_programs_file
from app.bundle.runtime import write_runtime
from app.cli.bundle import profile, render_bundle
from app.config import load_configs
from app.supervisord import SupervisorRPC, SupervisorUnavailable

RELOAD_RPC_TIMEOUT = 10.0  # reloadConfig re-reads and compares every section


def main(args: argparse.Namespace) -> int:
    settings, extra = profile(args)
    rpc = SupervisorRPC(settings.supervisor_socket, timeout=max(settings.supervisor_timeout, RELOAD_RPC_TIMEOUT))
    rendered = read_programs_file(settings.supervisord_conf)
    try:
        supervised = running_groups(rpc)
    except SupervisorUnavailable:
        supervised = set(rendered)  # the reload fails below; what is written is still the right file
    running = {name: program for name, program in rendered.items()
               if name in supervised and worker_config_path(program) is not None}
    result, kept = settle_scan(running, load_configs(settings.config_dir))
    # The interpreter the bundle runs on, not the one this command was started with: another
    # spelling of it (python3, a symlink) would change every section and restart every program.
    python = bundle_interpreter(rendered)
    if python is None or not Path(python).exists():
        python = sys.executable
    programs, text = render_bundle(settings, result, report=sys.stdout, extra_programs=extra, kept=kept,
                                   python=python)
    write_runtime(settings, text)
    try:
        outcome = apply_reload(rpc, [program.name for program in programs], kept)
    except SupervisorUnavailable as error:
        print(f"reload failed: {error}", file=sys.stderr)
        return 1
    plan = outcome.plan
    print(f"added: {', '.join(plan.add) or '-'}; removed: {', '.join(plan.remove) or '-'}; "
          f"restarted: {', '.join(plan.restart) or '-'}; kept on their last good config: {', '.join(kept) or '-'}")
    for name, failure in outcome.failures.items():
        print(f"FAILED {name}: {failure}", file=sys.stderr)
    return 1 if outcome.failures else 0
