"""`demo`: seed + pair configs pointing at the simulator, rendered with the `jira-sim` and
`demo-actor` programs; started, the actor's issues get Dev issues from the sync."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import requests

from app.bundle.render import PRIORITY_WORKER, program_specs, render_supervisord_conf
from app.config import load_configs
from app.demo.files import write_demo_files
from app.demo.launch import prepare
from app.demo.programs import demo_extra_programs
from app.demo.settings import DEMO_HUMAN_EMAIL, DEMO_HUMAN_TOKEN, DEMO_TOKEN, demo_settings
from app.jira import BasicAuth, JiraClient
from app.settings import Settings
from app.supervisord import SupervisorRPC, SupervisorUnavailable
from jira_sim.seed import BOT
from jira_sim.server import SimulatorServer
from testbed.ports import free_port
from testbed.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_demo_files_load_as_two_valid_pairs_that_reach_the_simulator(tmp_path):
    settings = demo_settings(Settings(runtime_dir=tmp_path / "runtime", mongo_uri=None))
    settings.runtime_dir.mkdir(parents=True)

    written = write_demo_files(settings, jira_port=18081)
    result = load_configs(settings.config_dir, environ={"JIRA_DEMO_TOKEN": DEMO_TOKEN})

    assert [path.name for path in written] == ["sync-ab.json", "sync-cd.json"]
    assert result.errors == []
    assert [(p.name, p.config.user_project_key, p.config.dev_project_key) for p in result.pairs] == [
        ("sync-ab", "ABSUP", "ABDEV"), ("sync-cd", "CDSUP", "CDDEV")]
    assert all(DEMO_TOKEN not in path.read_text() for path in written)
    assert all(p.config.jira.base_url.rstrip("/") == "http://127.0.0.1:18081" for p in result.pairs)
    seed = json.loads((settings.runtime_dir / "jira-seed.json").read_text())
    server = SimulatorServer(seed).start()
    try:
        jira = result.pairs[1].config.jira
        auth = (jira.email, jira.api_token.get_secret_value())
        assert requests.get(f"{server.url}/rest/api/3/myself", auth=auth, timeout=5).status_code == 200
        for key in ("ABSUP", "ABDEV", "CDSUP", "CDDEV"):
            assert requests.get(f"{server.url}/rest/api/3/project/{key}", auth=auth, timeout=5).status_code == 200
    finally:
        server.stop()


def test_demo_renders_the_simulator_first_and_keeps_the_token_out(tmp_path):
    settings = demo_settings(Settings(runtime_dir=tmp_path / "runtime", mongo_uri=None))
    settings.runtime_dir.mkdir(parents=True)
    write_demo_files(settings, jira_port=18081)
    result = load_configs(settings.config_dir, environ={"JIRA_DEMO_TOKEN": DEMO_TOKEN})

    programs = program_specs(result, settings, demo_extra_programs(settings, 18081))
    text = render_supervisord_conf(programs, settings)

    [sim] = [p for p in programs if p.name == "jira-sim"]
    assert sim.command[1:4] == ("-m", "app.bundle.launch", "--")  # without a secret (item 14)
    assert sim.command[5:] == ("-m", "jira_sim", "--host", "127.0.0.1", "--port", "18081",
                               "--seed", str(settings.runtime_dir / "jira-seed.json"), "--deployment", "cloud")
    [actor] = [p for p in programs if p.name == "demo-actor"]
    assert actor.command[1:8] == ("-m", "app.bundle.launch", "--keep", "DEMO_HUMAN_TOKEN", "--keep", "DEMO_HUMAN_TOKEN_FILE",
                                  "--")
    assert sim.priority < PRIORITY_WORKER
    assert DEMO_TOKEN not in text
    assert {"[program:jira-sim]", "[program:sync-ab]", "[program:sync-cd]", "[program:mongodb]"} <= set(text.splitlines())


def test_demo_command_starts_the_bundle_and_ctrl_c_stops_it(tmp_path):
    jira_port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("MONGO_URI", "CONFIG_DIR")}
    env.update(RUNTIME_DIR=str(tmp_path / "rt"), HEALTH_PORT=str(free_port()), EMBEDDED_MONGO_PORT=str(free_port()),
               DEMO_ACTOR_EVERY="1")
    process = subprocess.Popen([sys.executable, "entrypoint.py", "demo", "--jira-port", str(jira_port)], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    rpc = SupervisorRPC(tmp_path / "rt" / "demo" / "supervisor.sock", timeout=1)

    def running(names):
        try:
            states = rpc.process_states()
        except SupervisorUnavailable:
            assert process.poll() is None, process.stdout.read()
            return False
        return all(name in states and states[name].statename == "RUNNING" for name in names)

    try:
        wait_for(lambda: running({"jira-sim", "mongodb"}), timeout=30, what="jira-sim and mongodb RUNNING")
        # RUNNING is supervisord's word after startsecs, not a promise that the port is bound yet.
        wait_for(lambda: requests.get(f"http://127.0.0.1:{jira_port}/rest/api/3/myself",
                                      auth=(BOT.email, DEMO_TOKEN), timeout=5),
                 timeout=30, what="jira-sim to answer /myself for the demo's bot")
        assert {"sync-ab", "sync-cd", "health", "watchdog", "demo-actor"} <= set(rpc.process_states())
        conf = (tmp_path / "rt" / "demo" / "supervisord.conf").read_text()
        assert DEMO_TOKEN not in conf and DEMO_HUMAN_TOKEN not in conf
        # Only the scripted person has its token, only the workers the bot's; the simulator neither.
        wait_for(lambda: running({"jira-sim", "demo-actor", "sync-ab"}), timeout=30, what="the demo's programs RUNNING")
        states = rpc.process_states()
        for name, keeps in (("jira-sim", set()), ("demo-actor", {DEMO_HUMAN_TOKEN}), ("sync-ab", {DEMO_TOKEN})):
            environ = psutil.Process(states[name].pid).environ()
            assert {value for value in environ.values() if value in (DEMO_TOKEN, DEMO_HUMAN_TOKEN)} == keeps, name
        # The scripted person opens and accepts support issues; the sync creates their Dev issues.
        wait_for(lambda: dev_issues_made_by_the_sync(jira_port), timeout=60, interval=0.5,
                 what="a Dev issue created by the sync from an actor's support issue")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    assert f"supervisorctl -c {tmp_path / 'rt' / 'demo' / 'supervisord.conf'} status" in output
    assert "/health" in output
    assert "moves an issue every 1 s" in output
    assert '"pair": "demo-actor"' in output  # its moves are logged on the demo's stdout


def test_status_and_reload_with_demo_act_on_the_demos_bundle(tmp_path):
    runtime = tmp_path / "rt"
    prepare(Settings(runtime_dir=runtime, mongo_uri=None), jira_port=18081, environ={})
    env = {key: value for key, value in os.environ.items() if key not in ("MONGO_URI", "CONFIG_DIR", "JIRA_DEMO_TOKEN")}
    env.update(RUNTIME_DIR=str(runtime), EMBEDDED_MONGO_PORT=str(free_port()), MONGO_TIMEOUT_MS="200")

    def cli(*args):
        return subprocess.run([sys.executable, "entrypoint.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)

    status = cli("status", "--demo")
    reload = cli("reload", "--demo")

    assert status.returncode == 1  # nothing runs
    assert [line.split()[:2] for line in status.stdout.splitlines()] == [["sync-ab", "UNKNOWN"], ["sync-cd", "UNKNOWN"]]
    assert reload.returncode == 1 and "reload failed" in reload.stderr
    conf = (runtime / "demo" / "supervisord.conf").read_text()
    assert {"[program:jira-sim]", "[program:demo-actor]", "[program:sync-ab]"} <= set(conf.splitlines())
    assert not (runtime / "supervisord.conf").exists(), "the real bundle's runtime is left alone"


def dev_issues_made_by_the_sync(jira_port: int) -> list[str]:
    """Keys of Dev issues linked to a support issue, read from the demo's simulator as a person."""
    found = []
    for dev_project, user_project in (("ABDEV", "ABSUP"), ("CDDEV", "CDSUP")):
        response = requests.get(f"http://127.0.0.1:{jira_port}/rest/api/3/search/jql",
                                auth=(DEMO_HUMAN_EMAIL, DEMO_HUMAN_TOKEN), timeout=5,
                                params={"jql": f"project = {dev_project}", "fields": "issuelinks"})
        for issue in response.json().get("issues", []):
            links = issue["fields"]["issuelinks"]
            linked = [link.get("inwardIssue") or link.get("outwardIssue") or {} for link in links]
            if any(other.get("key", "").startswith(f"{user_project}-") for other in linked):
                found.append(issue["key"])
    return found


def test_demo_with_two_bundles_shares_the_pairs_and_either_may_be_lost(tmp_path):
    runtime = Path(tempfile.mkdtemp(prefix="rt-"))  # short: supervisord's socket path has a limit
    health, jira_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("MONGO_URI", "CONFIG_DIR")}
    env.update(RUNTIME_DIR=str(runtime), HEALTH_PORT=str(health), EMBEDDED_MONGO_PORT=str(free_port()),
               LEASE_SECONDS="10", DEMO_ACTOR_EVERY="1")
    process = subprocess.Popen([sys.executable, "entrypoint.py", "demo", "--bundles", "2", "--jira-port", str(jira_port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ports = {"demo-1": health, "demo-2": health + 100}

    def holders(port: int) -> dict[str, list[str]] | None:
        response = requests.get(f"http://127.0.0.1:{port}/health?detail=1", timeout=3)
        bundles = response.json()["cluster"]["bundles"] if response.status_code == 200 else []
        return {b["name"]: b["holds"] for b in bundles if b["live"]} or None

    try:
        both = wait_for(lambda: (held := holders(health)) and sorted(map(len, held.values())) == [1, 1] and held, 90,
                        interval=0.5, what="one pair active in each bundle")
        wait_for(lambda: requests.get(f"http://127.0.0.1:{ports['demo-2']}/health", timeout=3).status_code == 200, 30,
                 what="demo-2 healthy")
        lost = next(p.pid for p in psutil.process_iter(["environ"]) if _bundle_leader(p, "demo-1"))
        for member in psutil.process_iter():  # pkill -9 -s, as the banner says
            with contextlib.suppress(psutil.Error, OSError):
                if os.getsid(member.pid) == lost:
                    member.kill()
        survivor = wait_for(lambda: (held := holders(ports["demo-2"])) and held == {"demo-2": ["sync-ab", "sync-cd"]},
                            60, interval=0.5, what="demo-2 holding both pairs")
        assert survivor and set(both) == {"demo-1", "demo-2"}
        jira = JiraClient(f"http://127.0.0.1:{jira_port}", BasicAuth(DEMO_HUMAN_EMAIL, DEMO_HUMAN_TOKEN), deployment="cloud")
        for dev in ("ABDEV", "CDDEV"):  # the scripted person kept accepting issues meanwhile
            wait_for(lambda dev=dev: _one_dev_issue_each(jira, dev), 30, interval=1, what=f"one {dev} issue per User issue")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=180)
        shutil.rmtree(runtime, ignore_errors=True)
    assert process.returncode == 0, output[-3000:]
    assert f"lose it whole (every process at once): pkill -9 -s {lost}" in output
    assert "bundle demo-1 exited (-9)" in output
    left = [p for p in psutil.process_iter(["environ"]) if (p.info["environ"] or {}).get("RUNTIME_DIR", "").startswith(str(runtime))]
    assert not left, "every bundle and shared process stopped"


def _bundle_leader(process: psutil.Process, name: str) -> bool:
    """The `run` (now supervisord) process of bundle `name`: the leader of its session."""
    try:
        return (process.info["environ"] or {}).get("BUNDLE_ID") == name and process.pid == os.getsid(process.pid)
    except OSError:
        return False


def _one_dev_issue_each(jira: JiraClient, dev_project: str) -> bool:
    issues = jira.search(f'project = "{dev_project}"', fields=["summary"], properties=["jira-sync"])
    owners = [issue["properties"]["jira-sync"]["userIssueKey"] for issue in issues]
    return bool(owners) and len(owners) == len(set(owners))
