"""`reload [--demo]`: render again, then add new pairs, remove deleted ones, restart changed ones."""

from __future__ import annotations

import sys

from app.bundle.reload import apply_reload
from app.bundle.rpc import SupervisorRPC, SupervisorUnavailable
from app.bundle.runtime import write_runtime
from app.cli.bundle import profile, render_bundle
from app.config import load_configs

RELOAD_RPC_TIMEOUT = 10.0  # reloadConfig re-reads and compares every section


def main(args) -> int:
    settings, extra = profile(args)
    programs, text = render_bundle(settings, load_configs(settings.config_dir), report=sys.stdout, extra_programs=extra)
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
