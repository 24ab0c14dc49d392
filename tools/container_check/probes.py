"""Reading the running bundle as an operator can: HTTP, `docker exec`, `docker stats`, `docker logs`."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

from tools.container_check.engine import run

CONTAINER = "jira-sync"
MONGO_CONTAINER = "mongo-consolidated"
T = TypeVar("T")


def wait_for(probe: Callable[[], T], timeout: float, interval: float = 1.0) -> T | None:
    """The first truthy answer of `probe` within `timeout` seconds, else None."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def http(url: str, user: str | None = None, password: str | None = None, timeout: float = 5) -> tuple[int | None, str]:
    """(status, body); status None when nothing answered."""
    headers: dict[str, str] = {}
    if user is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as answer:
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (OSError, urllib.error.URLError) as error:
        return None, str(error)


def json_or_none(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def dexec(*command: str, container: str = CONTAINER, timeout: float = 60,
          user: str | None = None) -> subprocess.CompletedProcess[str]:
    return run(["docker", "exec", *(["--user", user] if user else []), container, *command], timeout=timeout)


def program_table() -> dict[str, tuple[str, int]]:
    """`docker exec jira-sync supervisorctl status`: program -> (state, uptime in seconds; 0 unless
    RUNNING); {} when supervisord cannot be asked."""
    done = dexec("supervisorctl", "status", timeout=30)
    table = {}
    for line in done.stdout.splitlines():
        words = line.split()
        if len(words) >= 2 and words[1].isupper():
            uptime = re.search(r"uptime (?:(\d+) days?, )?(\d+):(\d\d):(\d\d)", line)
            days, hours, minutes, seconds = (int(g or 0) for g in uptime.groups()) if uptime else (0, 0, 0, 0)
            table[words[0]] = (words[1], ((days * 24 + hours) * 60 + minutes) * 60 + seconds)
    return table


def program_states() -> dict[str, str]:
    """program -> state, as `supervisorctl status` lists them."""
    return {name: state for name, (state, _) in program_table().items()}


def program_pid(name: str) -> int | None:
    done = dexec("supervisorctl", "pid", name, timeout=30)
    text = done.stdout.strip()
    return int(text) if text.isdigit() and text != "0" else None


def health_state(container: str = CONTAINER) -> str:
    done = run(["docker", "container", "inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}",
                container], timeout=30)
    return done.stdout.strip()


def memory_mib(container: str = CONTAINER) -> float | None:
    done = run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container], timeout=60)
    match = re.match(r"\s*([\d.]+)\s*([KMG]i?B)", done.stdout)
    if not match:
        return None
    factor = {"KiB": 1 / 1024, "KB": 1 / 1024, "MiB": 1, "MB": 1, "GiB": 1024, "GB": 1024}[match.group(2)]
    return float(match.group(1)) * factor


def container_logs(container: str = CONTAINER) -> list[str]:
    """Every line the container wrote, stdout and stderr, since it was created."""
    done = run(["docker", "logs", container], timeout=120)
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def processes(container: str = CONTAINER) -> list[tuple[str, str, str]]:
    """(pid, uid, argv) of every process of the container, as the host's ps sees them (`docker top`:
    the image, like the official slim one, has no ps)."""
    done = run(["docker", "top", container, "-eo", "pid,uid,args"], timeout=30)
    rows = []
    for line in done.stdout.splitlines()[1:]:
        parts = line.split(None, 2)
        if len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2]))
    return rows


ENVIRON_SCRIPT = """
import os, json
out = {}
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        env = open(f'/proc/{pid}/environ', 'rb').read().split(b'\\0')
        argv = open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\\0', b' ').decode(errors='replace')
        ppid = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])
    except (OSError, ValueError):
        continue
    out[pid] = [ppid, argv, [e.decode(errors='replace') for e in env if e]]
print(json.dumps(out))
"""


def bundle_environments() -> dict[int, tuple[str, list[str]]]:
    """pid -> (argv, environment) of supervisord (pid 1) and every process under it, read from /proc
    inside. `docker exec` processes (this probe, the healthcheck) are left out: they get the
    container's whole environment by design, and they are not the bundle's."""
    done = dexec("python", "-c", ENVIRON_SCRIPT, timeout=30)
    try:
        table = {int(pid): row for pid, row in json.loads(done.stdout).items()}
    except ValueError:
        return {}
    bundle, grew = {1}, True
    while grew:
        grew = False
        for pid, (ppid, _, _) in table.items():
            if ppid in bundle and pid not in bundle:
                bundle.add(pid)
                grew = True
    return {pid: (argv, env) for pid, (_, argv, env) in table.items() if pid in bundle}


MONGO_SCRIPT = """
import json, os, sys, pymongo
client = pymongo.MongoClient(os.environ['MONGO_URI'], serverSelectionTimeoutMS=3000)
if sys.argv[1] == 'mark':
    client.container_check.marks.insert_one({'_id': sys.argv[2]})
print(json.dumps({'marks': [d['_id'] for d in client.container_check.marks.find()],
                  'mappings': client['sync-ab'].mappings.count_documents({}),
                  'databases': client.list_database_names()}))
"""


def mongo_state(mark: str | None = None) -> dict[str, Any] | None:
    """What the bundle's MongoDB holds (read through the bundle's own MONGO_URI), after adding `mark`."""
    done = dexec("python", "-c", MONGO_SCRIPT, "mark" if mark else "read", mark or "", timeout=60)
    return json_or_none(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 and done.stdout.strip() else None
