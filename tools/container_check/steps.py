"""The checks, in the order an operator meets them. Each returns (passed, what was seen); the
figures (timings, memory, size) are kept on the Check for the summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.container_check import probes, workspace
from tools.container_check.engine import run
from tools.container_check.jira import Site
from tools.container_check.probes import CONTAINER, dexec, http, json_or_none, wait_for
from tools.container_check.workspace import COMPOSE_FILE, OVERRIDE_FILE, PROJECT, Operator

BUNDLE_ID = "jira-sync"  # deploy/compose/consolidated.defaults.env
UID = "10001"
SIMULATOR = "jira-sync-check-sim"
PAIRS_AT_START, PAIRS_AFTER_RELOAD = 1, 10
# Kubernetes' memory request (deploy/kubernetes/statefulset.yaml, from bench/README.md): 150 MiB + 50
# per pair; a container above it by more than a quarter says the sizing is wrong.
K8S_REQUEST_MIB = {1: 200, 10: 650}
MEMORY_MARGIN = 1.25
IMAGE_BUDGET_MB = 200  # the official base makes it 165-170 MB
RESTART_SETTLE = 300  # seconds for a restarted bundle to be healthy again; at load 13 its start alone took 119 s
LEASE_RESUMED_WITHIN = 15  # seconds; half a lease (30 s): a bundle that waits out its old lease fails
STEADY_SECONDS = 40  # a program keeping its pid this long is not crash-looping (its start alone may take 20 s)
SETTLE = 60  # seconds allowed for the bundle to reach what a step waits for
BUNDLE_PROGRAMS = ("health", "leases", "watchdog")
LOG_KEYS = {"time": ("time", "timestamp", "asctime", "@timestamp"), "level": ("level", "levelname", "severity"),
            "program": ("program", "pair"), "message": ("message", "msg")}
Outcome = tuple[bool, str]  # what a step returns: (passed, what was seen)


@dataclass
class Check:
    repo: Path
    op: Operator
    figures: dict[str, str] = field(default_factory=dict)
    logs: dict[str, list[str]] = field(default_factory=dict)  # container id -> its lines, replaced ones too
    user_key: str | None = None  # the first issue accepted (a pair syncs)
    started: float = 0.0  # when the last `up` began
    mark: str = ""  # written into MongoDB before `down`, looked for after `up`
    before_down: dict[str, Any] | None = None

    def compose(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HEALTH_PORT": str(self.op.health_port), "CHECK_MONGO_PORT": str(self.op.mongo_port)}
        return run(["docker-compose", "-p", PROJECT, "-f", COMPOSE_FILE, "-f", OVERRIDE_FILE, *args],
                   cwd=self.op.root, env=env, timeout=timeout)

    @property
    def human(self) -> Site:
        return Site(self.op.base_url, workspace.HUMAN_EMAIL, self.op.human_token)

    def health(self, detail: bool = False, login: bool = False) -> tuple[int | None, dict[str, Any] | None]:
        url = self.op.health_url + ("/health?detail=1" if detail else "/health")
        status, body = http(url, *(("ops", self.op.password) if login else ()))
        return status, json_or_none(body)

    def wait_healthy(self, timeout: float = SETTLE, pairs: int | None = None) -> float | None:
        """Seconds until /health answers 200 (with `pairs` workers, when given), None if it never did."""
        started = time.monotonic()

        def healthy() -> bool:
            status, body = self.health()
            return status == 200 and (pairs is None or len((body or {}).get("workers", [])) == pairs)

        return time.monotonic() - started if wait_for(healthy, timeout) else None

    def collect_logs(self) -> list[str]:
        """Every line of every jira-sync container of this run so far (call before one is replaced)."""
        ident = run(["docker", "container", "inspect", "--format", "{{.Id}}", CONTAINER], timeout=30).stdout.strip()
        if ident:
            self.logs[ident] = probes.container_logs()
        return [line for lines in self.logs.values() for line in lines]


def outcome(ok: bool, detail: str) -> Outcome:
    return ok, detail


# --- before the bundle runs -----------------------------------------------------------------


def build(check: Check) -> Outcome:
    started = time.monotonic()
    done = check.compose("build", "--no-cache", timeout=1800)
    seconds = time.monotonic() - started
    check.figures["build"] = f"{seconds:.1f} s"
    return outcome(done.returncode == 0, f"docker-compose build --no-cache in {seconds:.1f} s"
                   + ("" if done.returncode == 0 else f": {(done.stdout + done.stderr)[-1200:]}"))


def image_size(check: Check) -> Outcome:
    done = run(["docker", "image", "inspect", "--format", "{{.Size}}", "jira-sync:latest"], timeout=30)
    size = int(done.stdout.strip() or 0) / 1e6
    check.figures["image size"] = f"{size:.0f} MB"
    return outcome(0 < size <= IMAGE_BUDGET_MB, f"jira-sync:latest is {size:.0f} MB (budget {IMAGE_BUDGET_MB} MB; "
                   "the stand-in base is Debian's python3, the official slim image makes it 165-170 MB)")


def build_context(check: Check) -> Outcome:
    """.dockerignore: the operator's .env.consolidated and pair file existed when the image was built."""
    script = ("import pathlib, sys; t = sys.argv[1]; "
              "print([str(p) for p in pathlib.Path('/app').rglob('*') if p.is_file() and "
              "(p.name in ('.env.consolidated', 'sync-ab.json') or t in p.read_text(errors='ignore'))])")
    done = run(["docker", "run", "--rm", "--network", "host", "--no-healthcheck", "--entrypoint", "python",
                "jira-sync:latest", "-c", script, check.op.token], timeout=120)
    found = done.stdout.strip()
    return outcome(done.returncode == 0 and found == "[]",
                   f"files in the image holding the token or the operator's files: {found or done.stderr[-300:]}")


def byte_compiled(check: Check) -> Outcome:
    """Every module of the image's code has its bytecode: as the service user, with the image's
    PYTHONDONTWRITEBYTECODE, a module without it is compiled again at every process start."""
    script = ("import importlib.util, pathlib; "
              "print([str(p) for root in ('/app/app', '/app/jira_sim') for p in pathlib.Path(root).rglob('*.py') "
              "if not pathlib.Path(importlib.util.cache_from_source(str(p))).is_file()])")
    done = run(["docker", "run", "--rm", "--network", "host", "--no-healthcheck", "--entrypoint", "python",
                "jira-sync:latest", "-c", script], timeout=120)
    missing = done.stdout.strip()
    return outcome(done.returncode == 0 and missing == "[]",
                   f"modules compiled at every start (no .pyc in the image): {missing[:300] or done.stderr[-300:]}")


def simulator(check: Check) -> Outcome:
    seed = check.op.root / "jira-seed.json"
    seed.write_text(json.dumps(workspace.simulator_seed(workspace.check_pairs(PAIRS_AFTER_RELOAD), check.op.token,
                                                        check.op.human_token)), encoding="utf-8")
    seed.chmod(0o644)
    done = run(["docker", "run", "-d", "--name", SIMULATOR, "--label", f"com.docker.compose.project={PROJECT}",
                "--network", "host", "--no-healthcheck", "-v", f"{seed}:/seed.json:ro", "--entrypoint", "python",
                "jira-sync:latest", "-m", "jira_sim", "--port", str(check.op.jira_port), "--seed", "/seed.json"], timeout=60)
    up = done.returncode == 0 and wait_for(check.human.up, 30)
    return outcome(bool(up), f"python -m jira_sim --port {check.op.jira_port} --seed … on 127.0.0.1 (10 pairs' projects)"
                   + ("" if up else f": {done.stderr[-500:]}"))


def run_refuses_embedded(check: Check) -> Outcome:
    """Issue 16, 3: `run` without MONGO_URI refuses (the embedded server only when asked for)."""
    name = "jira-sync-check-embedded"
    run(["docker", "run", "-d", "--name", name, "--label", f"com.docker.compose.project={PROJECT}", "--network", "host",
         "--no-healthcheck", "-e", "HEALTH_HOST=127.0.0.1", "-e", f"HEALTH_PORT={workspace.free_port()}",
         "-e", f"EMBEDDED_MONGO_PORT={workspace.free_port()}", "jira-sync:latest", "run"], timeout=60)

    def exited() -> list[str] | None:
        state = run(["docker", "container", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name], timeout=30)
        return state.stdout.split() if state.stdout.startswith("exited") else None

    state = wait_for(exited, 30)
    output = "\n".join(probes.container_logs(name))
    run(["docker", "rm", "-f", name], timeout=60)
    refused = state is not None and state[1] != "0" and "MONGO_URI" in output
    return outcome(refused, "`docker run jira-sync:latest run` without MONGO_URI: "
                   + (f"exit {state[1]}" if state else "still running after 30 s (it started the embedded MongoDB)")
                   + f"; said: {output.strip().splitlines()[-1][:200] if output.strip() else '(nothing)'}")


# --- up and healthy ------------------------------------------------------------------------


def up(check: Check) -> Outcome:
    check.started = time.monotonic()
    done = check.compose("up", "-d", timeout=600)
    return outcome(done.returncode == 0, "docker-compose -f docker-compose.consolidated.yml up -d"
                   + ("" if done.returncode == 0 else f": {(done.stdout + done.stderr)[-800:]}"))


def docker_healthy(check: Check) -> Outcome:
    ok = wait_for(lambda: probes.health_state() == "healthy", 150)
    seconds = time.monotonic() - check.started
    check.figures["healthy (docker)"] = f"{seconds:.1f} s" if ok else "never"
    return outcome(bool(ok), f"docker reports healthy {seconds:.1f} s after up (its probe on HEALTH_PORT={check.op.health_port})"
                   if ok else f"docker health: {probes.health_state()!r} after 150 s")


def programs_running(check: Check) -> Outcome:
    """Every program RUNNING and staying so: a program that crashes after its startsecs is RUNNING
    between two restarts, so only the same pids, RUNNING through a STEADY_SECONDS window, count."""
    wanted = (*BUNDLE_PROGRAMS, "sync-ab")

    def running_pids() -> dict[str, int | None]:
        """program -> its pid while RUNNING, None in any other state."""
        table = probes.program_table()
        return {n: probes.program_pid(n) if table.get(n, ("", 0))[0] == "RUNNING" else None for n in wanted}

    first = wait_for(lambda: (pids := running_pids()) and all(pids.values()) and pids, 45)
    changed: list[str] = []
    if first:
        window_ends = time.monotonic() + STEADY_SECONDS
        while time.monotonic() < window_ends and not changed:
            now = running_pids()
            changed = [n for n in wanted if now[n] != first[n]]
            time.sleep(2)
    table = probes.program_table()
    ok = bool(first) and not changed and "mongodb" not in table
    return outcome(ok, "supervisorctl status: " + ", ".join(f"{n} {s}" for n, (s, _) in table.items())
                   + (f"; left RUNNING or restarted within {STEADY_SECONDS} s: {', '.join(changed)}" if changed else "")
                   + ("" if first else "; not every program RUNNING within 45 s")
                   + (f"; same pids RUNNING for {STEADY_SECONDS} s" if ok else "")
                   + ("; embedded mongodb runs instead of the mongo service" if "mongodb" in table else ""))


def health_ok(check: Check) -> Outcome:
    seconds = check.wait_healthy()
    status, body = check.health()
    check.figures["/health 200"] = f"{time.monotonic() - check.started:.1f} s after up" if seconds is not None else "never"
    workers = [(w.get("name"), w.get("status")) for w in (body or {}).get("workers", [])]
    return outcome(seconds is not None and (body or {}).get("status") == "healthy",
                   f"GET /health: {status} {(body or {}).get('status')} workers={workers}")


def health_detail(check: Check) -> Outcome:
    anonymous, _ = check.health(detail=True)
    wrong, _ = http(check.op.health_url + "/health?detail=1", "ops", "wrong")
    status, body = check.health(detail=True, login=True)
    body = body or {}
    detailed = "reasons" in body and all("reasons" in w for w in body.get("workers", [])) and body.get("workers")
    reachable = (body.get("mongodb") or {}).get("reachable") and (body.get("supervisor") or {}).get("reachable")
    ok = anonymous == 401 and wrong == 401 and status == 200 and bool(detailed) and bool(reachable)
    reasons = body.get("reasons")
    return outcome(ok, f"?detail=1: anonymous {anonymous}, wrong password {wrong}, README's login {status}; "
                   f"mongodb/supervisor reachable: {bool(reachable)}; reasons: {reasons}")


def liveness_truthful(check: Check) -> Outcome:
    """/health/live fails while the bundle's machinery is down (keeper or watchdog FATAL, supervisord
    unreachable), and answers 200 again once it is back."""
    states = probes.program_states()
    down = [n for n in ("leases", "watchdog") if states.get(n) in ("FATAL", "BACKOFF", "EXITED", "STOPPED")]
    live_now, _ = http(check.op.health_url + "/health/live")
    notes = []
    if down:
        notes.append(f"{', '.join(down)} {'/'.join(states[n] for n in down)}: /health/live {live_now}")
    socket = "/app/runtime/supervisor.sock"
    dexec("chmod", "000", socket)
    live_cut = wait_for(lambda: (s := http(check.op.health_url + "/health/live")[0]) != 200 and str(s), 20)
    dexec("chmod", "700", socket)
    live_back = wait_for(lambda: http(check.op.health_url + "/health/live")[0] == 200, 20)
    # With a program already down, /health/live must stay failing after the socket is back.
    ok = live_now != 200 and bool(live_cut) if down else bool(live_cut) and bool(live_back)
    notes.append(f"supervisord unreachable (socket chmod 000): /health/live {live_cut or 200}; "
                 f"reachable again: {'200' if live_back else 'not 200'}")
    return outcome(ok, "; ".join(notes))


# --- syncing, and surviving what an operator does ------------------------------------------------


def accept_and_wait(check: Check, summary: str, timeout: float = SETTLE) -> tuple[str, list[str]]:
    """A User issue opened and accepted (Will Do); its linked Dev issues once one appeared (or [])."""
    key = check.human.create_issue("ABSUP", summary)
    check.human.move(key, "Will Do")
    linked = wait_for(lambda: check.human.linked_keys(key, "ABDEV"), timeout, interval=2)
    return key, linked or []


def pair_syncs(check: Check) -> Outcome:
    started = time.monotonic()
    key, linked = accept_and_wait(check, "Printer on fire (container-check)")
    check.user_key = key
    return outcome(len(linked) == 1, f"{key} accepted (Will Do): Dev issue {linked or 'none'}"
                   + (f" after {time.monotonic() - started:.1f} s" if linked else f" within {SETTLE} s"))


def runs_as_service_user(check: Check) -> Outcome:
    uid = dexec("id", "-u").stdout.strip()
    others = sorted({row[1] for row in probes.processes()} - {UID})
    return outcome(uid == UID and not others, f"docker exec id -u: {uid}; process uids other than {UID}: {others or 'none'}")


def memory(pairs: int) -> Callable[[Check], Outcome]:
    def measure(check: Check) -> Outcome:
        if pairs > 1:
            check.wait_healthy(pairs=pairs)
        mib = probes.memory_mib()
        check.figures[f"memory, {pairs} pair(s)"] = f"{mib:.0f} MiB" if mib else "unknown"
        request = K8S_REQUEST_MIB[pairs]
        running = sum(1 for n, s in probes.program_states().items() if n.startswith("sync-") and s == "RUNNING")
        return outcome(mib is not None and mib <= request * MEMORY_MARGIN and running == pairs,
                       f"docker stats: {mib or 0:.0f} MiB with {running} of {pairs} pair worker(s) RUNNING "
                       f"(the StatefulSet requests {request} MiB for {pairs}; allowed up to {request * MEMORY_MARGIN:.0f})")
    measure.__name__ = f"memory_{pairs}"
    return measure


def fresh_beat(check: Check, pair: str, since: datetime) -> bool:
    """/health 200 and `pair`'s heartbeat written after `since` (by the worker started since)."""
    status, body = check.health()
    beats = [w.get("lastHeartbeat") for w in (body or {}).get("workers", []) if w.get("name") == pair]
    if status != 200 or not beats or not beats[0]:
        return False
    return datetime.fromisoformat(beats[0].replace("Z", "+00:00")) > since


def supervisorctl_restart(check: Check) -> Outcome:
    before = probes.program_pid("sync-ab")
    since = datetime.now(UTC)
    done = dexec("supervisorctl", "restart", "sync-ab")
    after = wait_for(lambda: probes.program_states().get("sync-ab") == "RUNNING" and probes.program_pid("sync-ab"), 30)
    started = time.monotonic()
    beat = wait_for(lambda: fresh_beat(check, "sync-ab", since), SETTLE)
    ok = done.returncode == 0 and after and after != before and beat
    return outcome(bool(ok), f"{done.stdout.strip()!r}; pid {before} -> {after}; /health 200 with a heartbeat of the new "
                   + (f"worker {time.monotonic() - started:.1f} s later" if beat else f"worker: not within {SETTLE} s"))


def kill_worker(check: Check) -> Outcome:
    pid = probes.program_pid("sync-ab")
    if pid:
        dexec("python", "-c", f"import os, signal; os.kill({pid}, signal.SIGKILL)")
    after = wait_for(lambda: (p := probes.program_pid("sync-ab")) and p != pid
                     and probes.program_states().get("sync-ab") == "RUNNING" and p, 45)
    seconds = check.wait_healthy()
    key, linked = accept_and_wait(check, "Login page times out (after kill -9)")
    first = check.human.linked_keys(check.user_key, "ABDEV") if check.user_key else []
    ok = bool(pid and after and seconds is not None and len(linked) == 1 and len(first) <= 1)
    return outcome(ok, f"kill -9 {pid}: supervisord started pid {after}; /health 200: "
                   f"{'yes' if seconds is not None else 'no'}; next accepted issue {key} -> {linked or 'no Dev issue'}; "
                   f"first issue's Dev issues: {first}")


def reload_pairs(check: Check) -> Outcome:
    for name, user_key, dev_key in workspace.check_pairs(PAIRS_AFTER_RELOAD)[PAIRS_AT_START:]:
        workspace.write_pair_file(check.op, name, user_key, dev_key)
    kept_pid = probes.program_pid("sync-ab")
    done = dexec("python", "entrypoint.py", "reload", timeout=120)
    names = [name for name, _, _ in workspace.check_pairs(PAIRS_AFTER_RELOAD)]
    running = wait_for(lambda: (s := probes.program_states()) and all(s.get(n) == "RUNNING" for n in names), 60)
    seconds = check.wait_healthy(timeout=90, pairs=PAIRS_AFTER_RELOAD)
    same = probes.program_pid("sync-ab") == kept_pid
    ok = done.returncode == 0 and bool(running) and seconds is not None and same
    last = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
    return outcome(ok, f"python entrypoint.py reload (exit {done.returncode}, {last[0][:160]!r}): "
                   f"{PAIRS_AFTER_RELOAD} pairs RUNNING: {bool(running)}, sync-ab kept its pid: {same}, "
                   f"/health 200 with {PAIRS_AFTER_RELOAD} workers: {'yes' if seconds is not None else 'no'}")


def docker_restart(check: Check) -> Outcome:
    """`docker restart` resumes the leases at once: from the moment the health service answers again
    (how long the programs take to start is the machine's load, not the leases), every pair's lease
    is active here within LEASE_RESUMED_WITHIN seconds, not after waiting out a lease (30 s)."""
    started = time.monotonic()
    done = run(["docker", "restart", CONTAINER], timeout=180)
    restarted = time.monotonic() - started
    answered = active = healthy = None
    holders: list[str] = []
    deadline = time.monotonic() + RESTART_SETTLE
    while time.monotonic() < deadline and healthy is None:
        status, body = check.health(detail=True, login=True)
        now = time.monotonic() - started
        if status is not None and answered is None:
            answered = now
        leases = [(w.get("lease") or {}) for w in (body or {}).get("workers", [])]
        if active is None and len(leases) == PAIRS_AFTER_RELOAD and all(lease.get("state") == "active" for lease in leases):
            active, holders = now, sorted({lease.get("holder") or "none" for lease in leases})
        if status == 200 and active is not None:
            healthy = now
        time.sleep(1)
    def after(moment: float | None) -> str:
        return f"after {moment:.1f} s" if moment is not None else "never"

    check.figures["docker restart"] = (f"{restarted:.1f} s to restart; health answering {after(answered)}, "
                                       f"every lease active {after(active)}, /health 200 {after(healthy)}")
    waited = None if answered is None or active is None else active - answered
    ok = done.returncode == 0 and healthy is not None and waited is not None and waited <= LEASE_RESUMED_WITHIN \
        and holders == [BUNDLE_ID]
    return outcome(ok, f"docker restart took {restarted:.1f} s; then the health service answered after "
                   + (f"{answered:.1f} s" if answered is not None else "never")
                   + ", every pair's lease active here " + (f"{waited:.1f} s later" if waited is not None else "never")
                   + f" (at most {LEASE_RESUMED_WITHIN} s: no waiting out the old lease), /health 200 after "
                   + (f"{healthy:.1f} s" if healthy is not None else f"never ({RESTART_SETTLE} s)") + f"; lease holders: {holders}")


def secret_from_file(check: Check) -> Outcome:
    """Issue 16, 6: the token from a Docker secret (JIRA_AB_TOKEN_FILE), rotated with a worker restart."""
    problem = workspace.enable_secret_file(check.op)
    if problem:
        return outcome(False, problem)
    check.collect_logs()
    done = check.compose("up", "-d", timeout=600)
    seconds = check.wait_healthy(timeout=90, pairs=PAIRS_AFTER_RELOAD)
    env = check.op.env_file.read_text()
    notes = [f"token in secrets/jira_ab_token, JIRA_AB_TOKEN_FILE in .env.consolidated, up -d (exit {done.returncode}): "
             f"/health 200: {'yes' if seconds is not None else 'no'}"]
    ok = done.returncode == 0 and seconds is not None and "JIRA_AB_TOKEN=" not in env
    new_token = "tok-rotated-" + os.urandom(8).hex()
    check.op.old_tokens.append(new_token)
    check.human.set_token(workspace.BOT_ACCOUNT, new_token)
    workspace.write_secret_file(check.op, new_token)
    dexec("supervisorctl", "restart", "sync-ab")
    key, linked = accept_and_wait(check, "Invoice PDF is blank (rotated token)", timeout=90)
    notes.append(f"token rotated on the site and in the file, supervisorctl restart sync-ab: {key} -> {linked or 'no Dev issue'}")
    return outcome(ok and len(linked) == 1, "; ".join(notes))


# --- what must never show, and what is kept ------------------------------------------------------


def no_secrets(check: Check) -> Outcome:
    secrets = check.op.secrets_seen
    logs = check.collect_logs()
    conf = dexec("cat", "/app/runtime/supervisord.conf").stdout
    argv = "\n".join(row[2] for row in probes.processes())
    _, detail = http(check.op.health_url + "/health?detail=1", "ops", check.op.password)
    found = [where for where, text in (("logs", "\n".join(logs)), ("supervisord.conf", conf), ("process arguments", argv),
                                       ("/health?detail=1", detail)) if any(s in text for s in secrets)]
    leaks = []
    tokens = [check.op.token, *check.op.old_tokens]
    for pid, (args, environ) in probes.bundle_environments().items():
        if args.split()[1:3] == ["-m", "app.bundle.launch"]:
            continue  # the launcher itself, before it execs its program without the secrets it withholds
        values = "\n".join(environ)
        if pid != 1 and "app.sync" not in args and any(token in values for token in tokens):
            leaks.append(f"a token in the environment of {args[:70]!r}")
        if pid != 1 and "gunicorn" not in args and check.op.password in values:
            leaks.append(f"the dashboard password in the environment of {args[:70]!r}")
    ok = bool(conf) and not found and not leaks
    return outcome(ok, f"searched {len(logs)} log lines, supervisord.conf ({len(conf)} bytes), every process's argv and "
                   f"environment: {found + leaks or 'no secret found'}")


def json_logs(check: Check) -> Outcome:
    lines = check.collect_logs()
    bad = []
    for line in lines:
        record = json_or_none(line)
        missing = [key for key, names in LOG_KEYS.items() if not record or not any(n in record for n in names)]
        if missing:
            bad.append((line, missing))
    examples = "; ".join(f"{line[:110]!r}" for line, _ in bad[:4])
    return outcome(bool(lines) and not bad, f"{len(lines) - len(bad)} of {len(lines)} lines are JSON objects with "
                   f"time, level, program and message" + (f"; not: {examples}" if bad else ""))


def stop(check: Check) -> Outcome:
    check.mark = "mark-" + os.urandom(4).hex()
    check.before_down = probes.mongo_state(mark=check.mark)
    started = time.monotonic()
    done = check.compose("stop", timeout=300)
    seconds = time.monotonic() - started
    check.collect_logs()
    code = run(["docker", "container", "inspect", "--format", "{{.State.ExitCode}}", CONTAINER], timeout=30).stdout.strip()
    check.figures["stop"] = f"{seconds:.1f} s, exit {code}"
    return outcome(done.returncode == 0 and code == "0" and seconds < 90,
                   f"docker-compose stop: {seconds:.1f} s, exit code of jira-sync {code} (grace 90 s)")


def state_across_down_up(check: Check) -> Outcome:
    down = check.compose("down", timeout=300)
    dev_before = check.human.keys("ABDEV")
    check.started = time.monotonic()
    again = check.compose("up", "-d", timeout=600)
    seconds = check.wait_healthy(timeout=120, pairs=PAIRS_AFTER_RELOAD)
    after = probes.mongo_state() or {}  # {}: the bundle's MongoDB could not be read
    dev_after = check.human.keys("ABDEV")
    before = check.before_down or {}
    kept = check.mark in after.get("marks", []) and after.get("mappings", 0) >= before.get("mappings", 1)
    ok = down.returncode == 0 and again.returncode == 0 and kept and seconds is not None and dev_after == dev_before
    return outcome(ok, f"down, up -d: MongoDB volume kept the mark: {check.mark in after.get('marks', [])}, "
                   f"mappings {before.get('mappings')} -> {after.get('mappings')}; /health 200 "
                   + (f"{seconds:.1f} s after up" if seconds is not None else "never")
                   + f"; Dev issues {len(dev_before)} -> {len(dev_after)} (no duplicate)")


def clean_up(check: Check | None, workdir: Path | None) -> None:
    if check is not None:
        check.compose("down", "-v", "--remove-orphans", timeout=300)
    remove_leftovers()
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)


def remove_leftovers() -> None:
    """Containers and the volume of an earlier run (say, one left with --keep)."""
    ids = run(["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={PROJECT}"], timeout=60).stdout.split()
    if ids:
        run(["docker", "rm", "-f", *ids], timeout=120)
    run(["docker", "volume", "rm", f"{PROJECT}_mongo-data"], timeout=60)


def foreign_containers() -> list[str]:
    """Containers named as the compose file names them that belong to something else (a real deployment)."""
    found = []
    for name in (CONTAINER, probes.MONGO_CONTAINER):
        project = run(["docker", "container", "inspect", "--format", '{{index .Config.Labels "com.docker.compose.project"}}', name],
                      timeout=30)
        if project.returncode == 0 and project.stdout.strip() != PROJECT:
            found.append(f"{name} (project {project.stdout.strip() or 'none'})")
    return found

