"""More than one bundle on one MongoDB with the same pair files, as an operator may run them
(two containers by mistake, a rolling update, a second replica): each pair syncs in exactly one
bundle, moves when its bundle dies, pauses or loses MongoDB, and nothing is done twice.

Each bundle logs in to Jira as its own bot (same pair files; the login comes from the bundle's
environment), so the simulator's request log tells which bundle did what.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import time
from collections import Counter
from urllib.parse import urlsplit

import psutil
import pymongo
import pytest
import requests

from app.jira import BasicAuth, JiraClient
from app.leases.store import LeaseStore
from jira_sim.seed import BOT, HUMAN, Account, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for
from tests.support.tcp_proxy import TcpProxy

PAIRS = [(f"sync-{letter}", f"{letter.upper()}SUP", f"{letter.upper()}DEV") for letter in "abcd"]
BOTS = [BOT] + [Account(f"sim-sync-bot-{n}", f"Sync Bot {n}", f"sync-bot-{n}@example.test", f"sim-token-bot-{n}",
                        f"sim-pat-bot-{n}") for n in (2, 3)]
LEASE = 10  # seconds: short, so that each failover takes a test seconds, not a minute
FAILOVER = 1.5 * LEASE  # a dead holder's pairs sync elsewhere within this (the default 30 s lease: 45 s)


@pytest.fixture
def sim():
    seed = demo_seed(pairs=[(user, dev) for _, user, dev in PAIRS])
    seed["users"] += [bot.seed_user() for bot in BOTS[1:]]
    server = SimulatorServer(seed).start()
    yield server
    server.stop()


@pytest.fixture
def human(sim) -> JiraClient:
    return JiraClient(sim.url, BasicAuth(*HUMAN.basic_auth), deployment="cloud")


class Cluster:
    """Bundles sharing one MongoDB (through a cuttable proxy each) and one control database."""

    def __init__(self, tmp_path, mongo_uri, db_prefix, sim) -> None:
        self.tmp_path, self.mongo_uri, self.db_prefix, self.sim = tmp_path, mongo_uri, db_prefix, sim
        self.bundles: dict[str, Bundle] = {}
        self.proxies: dict[str, TcpProxy] = {}
        self.client = pymongo.MongoClient(mongo_uri, tz_aware=True, serverSelectionTimeoutMS=3000)
        self.leases = LeaseStore(self.client[f"{db_prefix}_control"])

    def start(self, name: str, bot: Account, lease: float = LEASE, bundle_id: str | None = None) -> Bundle:
        parts = urlsplit(self.mongo_uri)
        proxy = self.proxies[name] = TcpProxy(parts.hostname, parts.port)
        bundle = Bundle(self.tmp_path / name, f"mongodb://127.0.0.1:{proxy.port}/", f"{self.db_prefix}_control",
                        env={"JIRA_TOKEN": bot.api_token, "JIRA_BOT_EMAIL": bot.email, "BUNDLE_ID": bundle_id or name,
                             "LEASE_SECONDS": str(lease), "MONGO_TIMEOUT_MS": "1000"})
        for pair, user, dev in PAIRS:
            config = pair_config(pair, self.sim.url, user, dev, "JIRA_TOKEN")
            config["jira"]["email"] = "${JIRA_BOT_EMAIL}"
            bundle.write_config(pair, config)
        self.bundles[name] = bundle.start()
        return bundle

    def owners(self) -> dict[str, str | None]:
        return {pair: lease.owner for pair, lease in self.leases.leases().items()}

    def all_held(self):
        owners = self.owners()
        return owners if len(owners) == len(PAIRS) and all(owners.values()) else None

    def spread(self) -> Counter[str]:
        """How many pairs each bundle holds (empty while a pair is between holders)."""
        owners = self.all_held()
        return Counter(owners.values()) if owners else Counter()

    def stop(self) -> None:
        for bundle in self.bundles.values():
            bundle.stop()
        for proxy in self.proxies.values():
            proxy.close()
        self.client.close()


@pytest.fixture
def cluster(tmp_path, mongo_uri, db_prefix, sim):
    running = Cluster(tmp_path, mongo_uri, db_prefix, sim)
    yield running
    running.stop()
    for name, bundle in running.bundles.items():  # shown by pytest only when the test failed
        lines = [line for line in bundle.logs().splitlines() if '"level": "DEBUG"' not in line and "issue.processed" not in line]
        print(f"--- bundle {name}: the last of its log ---", *lines[-60:], sep="\n")


def writes_by(sim: SimulatorServer) -> Counter[str]:
    log = requests.get(f"{sim.url}/_sim/requests", timeout=5).json()["requests"]
    return Counter(r["user"] for r in log if r["method"] in ("POST", "PUT", "DELETE") and "/search" not in r["path"])


def searches(sim: SimulatorServer) -> int:
    log = requests.get(f"{sim.url}/_sim/requests", timeout=5).json()["requests"]
    return sum(1 for r in log if r["path"].endswith("/search/jql"))


def accept(human: JiraClient, project: str, summary: str) -> str:
    key = human.create_issue({"project": {"key": project}, "issuetype": {"name": "Bug"}, "summary": summary})["key"]
    human.transition_to(key, "Will Do")
    return key


def dev_issues(human: JiraClient, project: str) -> list[dict]:
    return list(human.search(f'project = "{project}" ORDER BY key ASC', fields=["summary"], properties=["jira-sync"]))


def one_dev_issue_each(human: JiraClient, keys: list[str], project: str) -> bool:
    owners = Counter((issue.get("properties") or {}).get("jira-sync", {}).get("userIssueKey") for issue in dev_issues(human, project))
    return all(owners[key] == 1 for key in keys) and sum(owners.values()) == len(keys)


def test_two_bundles_share_the_pairs_and_poll_each_one_once(cluster, sim):
    cluster.start("one", BOTS[0])
    cluster.start("two", BOTS[1])
    share = math.ceil(len(PAIRS) / 2)
    owners = wait_for(lambda: cluster.spread() == {"one": share, "two": share} and cluster.all_held(), 60, interval=0.5,
                      what="the pairs spread over both bundles")
    assert max(Counter(owners.values()).values()) <= share + 1, owners
    for name, bundle in cluster.bundles.items():  # each answers for every pair: active here, or held elsewhere
        body = wait_for(lambda bundle=bundle: (r := bundle.health()).status_code == 200 and r.json(), 30,
                        what=f"{name}'s /health 200")
        states = {w["name"]: w["lease"]["state"] for w in body["workers"]}
        held = cluster.all_held()
        assert states == {pair: "active" if held[pair] == name else "standby" for pair in held}
        assert sorted(b["name"] for b in body["cluster"]["bundles"]) == ["one", "two"]
        metrics = requests.get(f"http://127.0.0.1:{bundle.health_port}/metrics", timeout=5).text
        assert f'jira_sync_pair_active{{bundle="{held["sync-a"]}",pair="sync-a"}} 1.0' in metrics
    time.sleep(2)
    requests.post(f"{sim.url}/_sim/requests/reset", timeout=5)
    time.sleep(10)
    per_pair = searches(sim) / len(PAIRS)
    # One bundle alone: two searches per pass (both projects) and a pass a second (syncIntervalSeconds=1).
    assert per_pair <= 2 * 10 * 1.3, f"{per_pair:.1f} searches per pair in 10 s: polled twice?"


def test_a_bundle_that_stops_cleanly_hands_its_pairs_over_at_once(cluster):
    cluster.start("one", BOTS[0])
    wait_for(cluster.all_held, 30, what="every pair held by one")
    cluster.start("two", BOTS[1])
    wait_for(lambda: set(cluster.spread()) == {"one", "two"}, 30, interval=0.5, what="both bundles holding")
    held_by_two = {pair: lease.fence for pair, lease in cluster.leases.leases().items() if lease.owner == "two"}
    cluster.bundles["two"].stop()
    assert "two" not in cluster.leases.bundles(), "the stopped bundle is forgotten: no one waits for it"
    # Released leases are taken at the next tick (1 s here), not once they expire.
    wait_for(lambda: set(cluster.spread()) == {"one"}, 3 * LEASE, interval=0.2, what="one holding every pair")
    after = cluster.leases.leases()
    assert {pair: (after[pair].fence, after[pair].last_owner) for pair in held_by_two} == {
        pair: (fence + 1, "two") for pair, fence in held_by_two.items()}, "released once, taken once: never re-taken by two"
    log = cluster.bundles["two"].logs()
    assert "uncaught" not in log and "stopped: leases (exit status 0)" in log, log[-3000:]


def test_a_pair_stopped_in_the_bundle_holding_it_is_taken_by_another(cluster, human):
    cluster.start("one", BOTS[0])
    wait_for(cluster.all_held, 30, what="every pair held by one")
    cluster.start("two", BOTS[1])
    wait_for(lambda: set(cluster.spread()) == {"one", "two"}, 30, interval=0.5, what="both bundles holding")
    pair, user, dev = next(p for p in PAIRS if cluster.all_held()[p[0]] == "one")
    assert cluster.bundles["one"].rpc().stop(pair)  # supervisorctl stop: an operator's, or FATAL after crashes
    wait_for(lambda: (cluster.all_held() or {}).get(pair) == "two", 3 * LEASE, interval=0.2, what=f"two holding {pair}")
    key = accept(human, user, "while stopped in one")
    wait_for(lambda: one_dev_issue_each(human, [key], dev), 30, interval=0.5, what=f"{key} synced by two")


def test_when_supervisord_alone_is_killed_its_programs_end_and_their_pairs_move(cluster):
    cluster.start("one", BOTS[0])
    wait_for(cluster.all_held, 30, what="every pair held by one")
    cluster.start("two", BOTS[1])
    wait_for(lambda: set(cluster.spread()) == {"one", "two"}, 30, interval=0.5, what="both bundles holding")
    one = cluster.bundles["one"]
    programs = [process for process in one.processes() if process.pid != one.process.pid]
    os.kill(one.process.pid, signal.SIGKILL)
    one.process.wait()

    def ended(process: psutil.Process) -> bool:
        try:
            return process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    # Orphans would live on and renew their leases for good; stopped, a worker may still finish
    # the issue it is on (up to its stopwaitsecs) before it releases its lease.
    wait_for(lambda: all(map(ended, programs)), 60, interval=0.2, what="every program of bundle one ended")
    wait_for(lambda: set(cluster.spread()) == {"two"}, 3 * LEASE, interval=0.2, what="two holding every pair")


def test_a_burst_of_accepted_issues_with_jira_latency_makes_one_dev_issue_each(cluster, sim, human):
    cluster.start("one", BOTS[0])
    cluster.start("two", BOTS[1])
    wait_for(cluster.all_held, 30, what="every pair held")
    requests.post(f"{sim.url}/_sim/config", json={"latency_ms": 150}, timeout=5).raise_for_status()
    keys = [accept(human, "ASUP", f"burst {n}") for n in range(9)]
    wait_for(lambda: one_dev_issue_each(human, keys, "ADEV"), 90, interval=1, what="a Dev issue for each")
    time.sleep(5)
    assert one_dev_issue_each(human, keys, "ADEV"), "still exactly one each"
    assert len([user for user, n in writes_by(sim).items() if n and user != HUMAN.account_id]) == 1, \
        "one bundle wrote for the pair"


def test_when_every_process_of_a_bundle_is_killed_its_pairs_sync_elsewhere(cluster, sim, human):
    cluster.start("one", BOTS[0])
    wait_for(cluster.all_held, 30, what="every pair held by one")
    cluster.start("two", BOTS[1])
    time.sleep(3)
    cluster.bundles["one"].kill()
    killed_at = time.monotonic()
    keys = [accept(human, user, "after the kill") for _, user, _ in PAIRS]
    for key, (_, _, dev) in zip(keys, PAIRS, strict=True):
        wait_for(lambda key=key, dev=dev: one_dev_issue_each(human, [key], dev), FAILOVER + 20, interval=0.5,
                 what=f"{key} synced by the other bundle")
    took = time.monotonic() - killed_at
    assert took <= FAILOVER + 5, f"{took:.0f} s"
    assert set(cluster.owners().values()) == {"two"}, cluster.leases.leases()
    cluster.bundles["two"].wait_healthy(timeout=30)


def test_a_pair_nobody_holds_for_longer_than_a_lease_makes_health_503(cluster, sim):
    bundle = cluster.start("one", BOTS[0])
    wait_for(cluster.all_held, 30, what="every pair held")
    bundle.rpc().stop("leases")  # nobody takes the lease again ...
    bundle.rpc().stop("sync-a")  # ... once its worker released it
    def unheld():
        response = bundle.health()
        worker = next(w for w in response.json()["workers"] if w["name"] == "sync-a")
        return response.status_code == 503 and any("no bundle holds its lease" in r for r in worker["reasons"])
    wait_for(unheld, LEASE + 20, interval=0.5, what="sync-a reported unheld")


def test_a_paused_holder_resumed_after_the_take_over_makes_no_jira_write(cluster, sim, human):
    cluster.start("one", BOTS[0])
    wait_for(cluster.all_held, 30, what="every pair held by one")
    cluster.start("two", BOTS[1])
    time.sleep(3)
    paused = cluster.bundles["one"].processes()
    for process in paused:
        process.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: set(cluster.owners().values()) == {"two"}, FAILOVER + 20, interval=0.5, what="take-over")
        keys = [accept(human, user, "while one sleeps") for _, user, _ in PAIRS]
        for key, (_, _, dev) in zip(keys, PAIRS, strict=True):
            wait_for(lambda key=key, dev=dev: one_dev_issue_each(human, [key], dev), 60, interval=0.5, what=key)
        requests.post(f"{sim.url}/_sim/requests/reset", timeout=5)
    finally:
        for process in paused:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGCONT)
    time.sleep(LEASE)
    assert writes_by(sim)[BOTS[0].account_id] == 0, "the resumed bundle wrote to Jira"
    for key, (_, _, dev) in zip(keys, PAIRS, strict=True):
        assert one_dev_issue_each(human, [key], dev)


def test_a_bundle_cut_off_from_mongodb_loses_its_pairs_and_gets_its_share_back(cluster, sim, human):
    cluster.start("one", BOTS[0])
    cluster.start("two", BOTS[1])
    wait_for(lambda: set((cluster.all_held() or {}).values()) == {"one", "two"}, 40, interval=0.5, what="a spread")
    cluster.proxies["one"].cut()
    wait_for(lambda: set(cluster.owners().values()) == {"two"}, FAILOVER + 20, interval=0.5, what="one's pairs moved")
    key = accept(human, "BSUP", "during the partition")
    wait_for(lambda: one_dev_issue_each(human, [key], "BDEV"), 60, interval=0.5, what="synced by two")
    cluster.proxies["one"].heal()
    wait_for(lambda: set(cluster.owners().values()) == {"one", "two"}, 60, interval=0.5, what="a fair spread again")
    assert one_dev_issue_each(human, [key], "BDEV")


def standby_processes(bundle_pid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.Process(bundle_pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.cmdline()[1:3] == ["-m", "app.sync.standby"]:
                found.append(process)
    return found


def test_standby_workers_stay_small(cluster, sim):
    cluster.start("one", BOTS[0])
    wait_for(cluster.all_held, 30, what="every pair held by one")
    two = cluster.start("two", BOTS[1], lease=300)  # a long lease: two stays standby for the whole test
    # Each worker starts as app.bundle.launch (which reads the settings: pydantic) and execs the
    # standby: a process whose command line merely names app.sync.standby may still be the
    # launcher, so only a process that has become the standby is measured. Its private memory
    # (USS) is what it costs: its RSS also counts the interpreter's pages shared with the others.
    def every_standby() -> list[psutil.Process] | None:
        found = standby_processes(two.process.pid)
        return found if len(found) == len(PAIRS) else None

    standby = wait_for(every_standby, 60, what="every pair's standby worker")
    assert max(p.memory_full_info().uss for p in standby) <= 12 * 1024 * 1024


def test_a_second_bundle_given_the_same_bundle_id_acts_for_nothing_and_says_why(cluster, sim, human):
    """`docker-compose up --scale` or a second host with the same `.env`: both bundles carry one
    BUNDLE_ID. The later one stands down, its /health/live says why, and every change is made once,
    by the first bundle's bot."""
    first = cluster.start("one", BOTS[0])
    wait_for(cluster.all_held, 30, what="every pair held by one")
    twin = cluster.start("twin", BOTS[1], bundle_id="one")

    def twin_dead():
        response = requests.get(f"http://127.0.0.1:{twin.health_port}/health/live", timeout=5)
        return response.status_code == 503 and response.json()["reasons"]
    reasons = wait_for(twin_dead, 60, interval=0.5, what="the twin's /health/live 503")
    assert any("BUNDLE_ID 'one' is in use by another running bundle" in reason for reason in reasons), reasons
    assert requests.get(f"http://127.0.0.1:{first.health_port}/health/live", timeout=5).status_code == 200

    requests.post(f"{sim.url}/_sim/requests/reset", timeout=5)
    keys = {dev: accept(human, user, f"twin {pair}") for pair, user, dev in PAIRS}
    wait_for(lambda: all(one_dev_issue_each(human, [key], dev) for dev, key in keys.items()), 60, interval=0.5,
             what="one Dev issue per accepted issue")
    time.sleep(3)  # passes a second: a twin acting would have written by now
    assert set(writes_by(sim)) - {HUMAN.account_id} == {BOTS[0].account_id}, writes_by(sim)
    assert all(one_dev_issue_each(human, [key], dev) for dev, key in keys.items())
