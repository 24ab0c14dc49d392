"""`python3 -m tools.container_check [--keep]` from the repository root (scripts/container-check)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from tools.container_check import engine, steps, workspace
from tools.container_check.steps import Check

# In order; a step in FATAL stops the run (nothing after it could say anything).
STEPS = [
    ("build (docker-compose build)", steps.build, True),
    ("image size", steps.image_size, False),
    ("build context (.dockerignore)", steps.build_context, False),
    ("byte-compiled code", steps.byte_compiled, False),
    ("simulated Jira on 127.0.0.1", steps.simulator, True),
    ("run refuses without MONGO_URI", steps.run_refuses_embedded, False),
    ("up -d", steps.up, True),
    ("healthy (docker healthcheck)", steps.docker_healthy, False),
    ("supervisorctl status", steps.programs_running, False),
    ("GET /health", steps.health_ok, False),
    ("GET /health?detail=1 with the README's login", steps.health_detail, False),
    ("liveness tells the truth", steps.liveness_truthful, False),
    ("a pair syncs", steps.pair_syncs, False),
    ("runs as uid 10001", steps.runs_as_service_user, False),
    ("memory, 1 pair", steps.memory(1), False),
    ("supervisorctl restart sync-ab", steps.supervisorctl_restart, False),
    ("kill -9 of a worker", steps.kill_worker, False),
    ("reload: 9 pairs more", steps.reload_pairs, False),
    ("memory, 10 pairs", steps.memory(10), False),
    ("docker restart resumes at once", steps.docker_restart, False),
    ("stop", steps.stop, False),
    ("state across down/up", steps.state_across_down_up, False),
    ("token from a secret file, rotated", steps.secret_from_file, False),
    ("no secret in logs, argv, conf, environment", steps.no_secrets, False),
    ("JSON logs", steps.json_logs, False),
]


def say(verdict: str, name: str, detail: str) -> None:
    print(f"{verdict:4}  {name}: {detail}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/container-check", description=__doc__)
    parser.add_argument("--keep", action="store_true", help="leave the containers and the work copy for inspection")
    args = parser.parse_args(argv)
    repo = Path.cwd()
    if os.geteuid() != 0:
        print("container-check: run as root (apt, dockerd, debootstrap)", file=sys.stderr)
        return 2
    passed = failed = 0
    workdir: Path | None = None
    check: Check | None = None
    began = time.monotonic()
    try:
        set_up: list[tuple[str, Callable[[], str]]] = [
            ("engine", lambda: f"{engine.install_engine()}; {engine.start_dockerd()}"),
            ("stand-in base images", lambda: engine.build_standins(repo))]
        for name, action in set_up:
            started = time.monotonic()
            say("PASS", name, f"{action()} ({time.monotonic() - started:.1f} s)")
            passed += 1
        foreign = steps.foreign_containers()
        if foreign:
            raise RuntimeError(f"containers of another deployment use the compose file's names: {', '.join(foreign)}")
        steps.remove_leftovers()
        workdir = Path(tempfile.mkdtemp(prefix="jira-sync-check-"))
        check = Check(repo, prepare(repo, workdir))
        start = ("copied from .env.consolidated.example" if workspace.readme_copies_env_example(workdir)
                 else "echoed into")
        say("PASS", "operator's files", f"{workdir}: config/sync-ab.json from the example; .env.consolidated {start}: "
            f"the token, the README's login, HEALTH_PORT={check.op.health_port}")
        passed += 1
        for name, step, fatal in STEPS:
            try:
                ok, detail = step(check)
            except Exception as error:  # a step that breaks is a failed step, and the next ones still run
                ok, detail = False, f"{type(error).__name__}: {error} ({traceback.extract_tb(error.__traceback__)[-1].lineno})"
            say("PASS" if ok else "FAIL", name, detail)
            passed, failed = passed + ok, failed + (not ok)
            if fatal and not ok:
                break
    except Exception as error:
        say("FAIL", "set-up", f"{type(error).__name__}: {error}")
        failed += 1
    finally:
        if check is not None:
            check.figures["load average (1, 5, 15 min)"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            print("figures: " + "; ".join(f"{k}: {v}" for k, v in check.figures.items()), flush=True)
        if args.keep and workdir is not None:
            print(f"kept: {workdir} (cd there; docker-compose -p {workspace.PROJECT} -f {workspace.COMPOSE_FILE} "
                  f"-f {workspace.OVERRIDE_FILE} down -v; docker rm -f {steps.SIMULATOR})")
        else:
            steps.clean_up(check, workdir)
    print(f"container-check: {passed} passed, {failed} failed ({time.monotonic() - began:.0f} s)", flush=True)
    return 1 if failed else 0


def prepare(repo: Path, workdir: Path) -> workspace.Operator:
    """The README's "Running it", in a copy: one pair file from the example, the token and the login
    in .env.consolidated; HEALTH_PORT there too (a free port, which also proves it is honoured), and
    MONGO_URI only when 27017 is taken on this machine."""
    workspace.copy_repository(repo, workdir)
    compose = workdir / workspace.COMPOSE_FILE
    compose.write_text(workspace.drop_published_ports(compose.read_text(encoding="utf-8")), encoding="utf-8")
    health_port = workspace.free_port(avoid=(8080,))
    mongo_port = workspace.free_port(27017, avoid=(health_port,))
    jira_port = workspace.free_port(avoid=(health_port, mongo_port))
    op = workspace.Operator(workdir, health_port, mongo_port, jira_port)
    name, user_key, dev_key = workspace.check_pairs(1)[0]
    workspace.write_pair_file(op, name, user_key, dev_key)
    if workspace.readme_copies_env_example(workdir):
        shutil.copyfile(workdir / ".env.consolidated.example", op.env_file)
    workspace.set_env(op, "JIRA_AB_TOKEN", op.token)
    workspace.append_env(op, f"HEALTH_AUTH_USER=ops\nHEALTH_AUTH_PASSWORD={op.password}\n")
    workspace.set_env(op, "HEALTH_PORT", str(health_port))
    if mongo_port != 27017:
        workspace.set_env(op, "MONGO_URI", f"mongodb://mongo:{mongo_port}/")
    return op


if __name__ == "__main__":
    sys.exit(main())
