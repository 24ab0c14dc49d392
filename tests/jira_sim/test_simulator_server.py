"""The simulator as a process and a server: CLI, seeds, concurrency, latency."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from jira_sim.seed import BOT, DEMO_SEED_FILE, HUMAN, demo_seed, read_seed_file
from jira_sim.server import SimulatorServer
from testbed.ports import free_port
from tests.support.jira_fixtures import api_base, api_session, create_issue


def _wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 15.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            return requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"simulator did not answer on {url}")


def test_cli_serves_a_seed_file_until_sigterm(tmp_path):
    seed = demo_seed(pairs=[("CSUP", "CDEV")])
    seed["issues"] = [{"project": "CDEV", "summary": "seeded", "status": "Done", "updated": "2026-11-28T16:20:31.123+0700"}]
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jira_sim", "--port", str(port), "--seed", str(tmp_path / "seed.json"),
         "--deployment", "datacenter"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = _wait_until_serving(f"http://127.0.0.1:{port}/rest/api/2/serverInfo", process)
        assert info.json()["deploymentType"] == "Server"
        issue = api_session().get(f"http://127.0.0.1:{port}/rest/api/2/issue/CDEV-1").json()
        assert issue["fields"]["resolution"]["name"] == "Done"
        assert issue["fields"]["updated"] == "2026-11-28T09:20:31.123+0000"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_large_generated_seed_builds_quickly_and_searches():
    started = time.monotonic()
    server = SimulatorServer(demo_seed(issues_per_project=5000)).start()
    try:
        assert time.monotonic() - started < 5
        page = api_session().get(f"{server.url}/rest/api/3/search/jql", params={
            "jql": "project = ABDEV ORDER BY updated DESC", "fields": "updated", "maxResults": 1}).json()
        assert page["issues"][0]["key"] == "ABDEV-5000"
    finally:
        server.stop()


def test_concurrent_creates_get_unique_keys(jira_sim):
    def create(_):
        return create_issue(jira_sim, api_session())["key"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(create, range(40)))
    assert sorted(keys, key=lambda k: int(k.split("-")[1])) == [f"ABSUP-{n}" for n in range(1, 41)]


def test_latency_knob_delays_answers(jira_sim):
    requests.post(f"{jira_sim.url}/_sim/config", json={"latency_ms": 150})
    started = time.monotonic()
    assert api_session().get(f"{api_base(jira_sim)}/myself").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_seed_config_sets_knobs_at_start():
    server = SimulatorServer({**demo_seed(), "config": {"rate_limit": {"next_n": 1}}}).start()
    try:
        assert api_session().get(f"{server.url}/rest/api/3/myself").status_code == 429
    finally:
        server.stop()


def test_packaged_demo_seed_file_loads():
    server = SimulatorServer(read_seed_file(DEMO_SEED_FILE)).start()
    try:
        page = api_session().get(f"{server.url}/rest/api/3/search/jql", params={
            "jql": "project = ABSUP AND status = 'Will Do'", "fields": "summary,priority"}).json()
        assert [i["fields"]["priority"]["name"] for i in page["issues"]] == ["High"]
    finally:
        server.stop()


def test_packaged_demo_seed_names_the_exported_accounts():
    assert read_seed_file(DEMO_SEED_FILE)["users"] == [BOT.seed_user(), HUMAN.seed_user()]
    assert demo_seed()["users"] == [BOT.seed_user(), HUMAN.seed_user()]


def test_every_knob_starts_fresh_with_each_site():
    with SimulatorServer(demo_seed()) as used:
        defaults = requests.get(f"{used.url}/_sim/config").json()
        key = create_issue(used, api_session())["key"]
        changed = {"latency_ms": 1, "index_lag_seconds": 5, "rate_limit": {"capacity": 9},
                   "per_issue_writes": {"limit": 3}, "attachments": {"max_bytes": 7}, "faults": {"next_ok_errors": 4}}
        assert requests.post(f"{used.url}/_sim/config", json=changed).json() != defaults
        requests.post(f"{used.url}/_sim/users/{BOT.account_id}/revoke")
        requests.post(f"{used.url}/_sim/index/hold", json={"key": key, "seconds": 60})
    with SimulatorServer(demo_seed()) as fresh:
        assert requests.get(f"{fresh.url}/_sim/config").json() == defaults
        assert requests.get(f"{fresh.url}/_sim/index").json() == {"pending": 0, "held": {}}
        assert api_session().get(f"{fresh.url}/rest/api/3/myself").status_code == 200
