"""A property-based state machine: random workflow moves on both projects, passes killed at
random points, the pair's database lost, more bundles started, the lease holder killed or
paused and resumed after a take-over; after every clean pass the guarantees of docs/ARCHITECTURE.md hold,
and at no moment may two bundles act for the pair."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pymongo
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.jira import JiraClient
from app.leases.decide import is_free, skew_allowance
from app.leases.guard import LeaseGuard, LeaseLost
from app.leases.held import HeldLease, LeaseNotHeld
from app.leases.store import LeaseStore
from app.sync.engine import Engine
from app.sync.store import FenceLost, PairStore
from jira_sim.server import SimulatorServer
from tests.support.faults import Crash, CrashingStore
from testbed.mongo import drop_databases
from testbed.sync import SyncHarness

# What a Dev move makes of the User issue (sync-ab.json), and a User move of the Dev issue.
DEV_DRIVES_USER = {"In Progress": "In Progress", "Closed": "Resolved", "Cancelled": "Cancelled", "Reopened": "Reopened"}
USER_DRIVES_DEV = {"Reopened": "Reopened"}
STORE_WRITES = ["save_mapping", "save_creation", "finish_intent", "begin_intent", "save_issue_state", "record_attachment",
                "record_event", "save_sync_state", "record_failure"]


@pytest.fixture(scope="module")
def mongo_for_machine(mongo_uri):
    client = pymongo.MongoClient(mongo_uri, tz_aware=True, serverSelectionTimeoutMS=2000)
    yield client
    client.close()
    drop_databases(mongo_uri, "tprop")


LEASE_SECONDS = 30
SKEW = skew_allowance(LEASE_SECONDS)
PAIR = "sync-ab"


class PairWorker:
    """One bundle's worker for the pair, wired as app.sync.worker wires it, on the machine's
    clock: a lease taken through HeldLease, a store fenced with it, and a Jira client whose
    every write asks the lease guard first. Standby while it holds no lease (no engine)."""

    def __init__(self, name: str, pair: SyncHarness, leases: LeaseStore, database_name: Callable[[], str],
                 runtime_dir: Path) -> None:
        self.name, self.pair, self.leases = name, pair, leases
        self.database_name, self.runtime_dir = database_name, runtime_dir
        self.state = "live"  # live | paused | dead
        self.held: HeldLease | None = None
        self.engine: Engine | None = None
        self.paused_at_write: Callable[[], None] | None = None  # SIGSTOP just before the next Jira write

    def take(self) -> bool:
        """Take the pair's lease if it is free (the keeper's acquisition and the worker's proof)."""
        guard = LeaseGuard(LEASE_SECONDS, SKEW, monotonic=lambda: self.pair.clock().timestamp())
        held = HeldLease(self.leases, PAIR, self.name, guard, renew_every=1e9, runtime_dir=self.runtime_dir,
                         clock=self.pair.clock)
        try:
            fence = held.take(None, SKEW)
        except LeaseNotHeld:
            return False
        self.held = held
        store = self.store(fence)
        store.claim()
        self.engine = self.new_engine(store)
        return True

    def database(self):
        return self.pair.store.db.client[self.database_name()]

    def store(self, fence: int | None = None) -> PairStore:
        return PairStore(self.database(), fence=fence if fence is not None else self.held.fence)

    def new_engine(self, store: PairStore) -> Engine:
        jira = JiraClient.from_config(self.pair.config.jira, site=self.pair.site, sleep=lambda seconds: None,
                                      write_guard=self._before_write)
        return Engine(self.pair.config, jira, store, time_zone="UTC", clock=self.pair.clock)

    def _before_write(self) -> float:
        paused, self.paused_at_write = self.paused_at_write, None
        if paused:
            paused()
        return self.held.guard.write_window()

    def step_down(self) -> None:
        """What the worker does once its lease is lost: release (a no-op unless still its own), standby."""
        self.held.release()
        self.held, self.engine = None, None

    @property
    def acting(self) -> bool:
        return self.state != "dead" and self.held is not None and self.held.guard.remaining() > 0


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self, client: pymongo.MongoClient, tmp_path) -> None:
        super().__init__()
        self.client = client
        self.tmp_path = tmp_path

    @initialize()
    def start(self):
        self.sim = SimulatorServer().start()
        self.pair = SyncHarness(self.sim, self.client[f"tprop{uuid.uuid4().hex[:10]}"], self.tmp_path)
        self.db_name = self.pair.store.db.name
        self.control_db = self.client[f"tprop{uuid.uuid4().hex[:10]}-control"]
        self.leases = LeaseStore(self.control_db)
        self.workers: list[PairWorker] = []
        self.second_bundle_starts()
        self._holder().engine.run_pass()
        self.user_keys: list[str] = []
        self.last_move: dict[str, tuple[str, str]] = {}  # user key -> (side moved by a person, status)
        self.settled = False  # a clean pass ran since the last move: nothing is owed

    def teardown(self):
        if hasattr(self, "sim"):
            self.sim.stop()
            self.client.drop_database(self.pair.store.db.name)
            self.client.drop_database(self.control_db.name)
            for worker in self.workers:
                if worker.held:
                    worker.held.stop()

    def _start_bundle(self) -> PairWorker:
        worker = PairWorker(f"bundle-{len(self.workers)}", self.pair, self.leases, lambda: self.db_name, self.tmp_path)
        self.workers.append(worker)
        return worker

    def _holder(self) -> PairWorker:
        """The worker that syncs the pair now. A live holder kept renewing its lease; one that is
        dead or paused keeps it until it expires, then the first live worker takes it over (a
        bundle starts when none is left). The harness then reads the holder's store."""
        lease = self.leases.lease(PAIR)
        holder = next((w for w in self.workers if w.held and lease and w.name == lease.owner
                       and w.held.fence == lease.fence), None)
        if holder is not None and holder.state == "live" and holder.held.renew():
            return holder
        if lease is not None and not is_free(lease, self.pair.clock(), SKEW):
            wait = (lease.expires_at - self.pair.clock()).total_seconds() + SKEW + 1
            self.pair.clock.advance(seconds=wait)  # nobody acts for the pair meanwhile
        if not any(w.state == "live" and w.held is None for w in self.workers):
            self._start_bundle()
        taker = next(w for w in self.workers if w.state == "live" and w.held is None)
        assert taker.take(), f"{taker.name} could not take a free lease"
        self.pair.store = taker.engine.store
        return taker

    # -- what people do ---------------------------------------------------------------------

    @rule(to_will_do=st.booleans())
    def create_user_issue(self, to_will_do):
        key = self.pair.new_user_issue(summary=f"issue {len(self.user_keys)}", status="Will Do" if to_will_do else None)
        self.user_keys.append(key)
        self.last_move[key] = ("user", self.pair.status(key))
        self.settled = False

    @precondition(lambda self: self.user_keys)
    @rule(data=st.data())
    def move_user_issue(self, data):
        key = data.draw(st.sampled_from(self.user_keys))
        self._move(data, key, key, "user")

    @precondition(lambda self: self.user_keys)
    @rule(data=st.data())
    def move_dev_issue(self, data):
        key = data.draw(st.sampled_from(self.user_keys))
        dev_key = self.pair.dev_key(key)
        if dev_key:
            self._move(data, key, dev_key, "dev")

    def _move(self, data, user_key: str, key: str, side: str) -> None:
        available = sorted({t.to_status for t in self.pair.human.transitions(key)})
        if available:
            status = data.draw(st.sampled_from(available))
            self.pair.move(key, status)
            self.last_move[user_key] = (side, status)
            self.settled = False

    # -- what the sync does ------------------------------------------------------------------

    @rule(method=st.sampled_from(STORE_WRITES))
    def killed_pass(self, method):
        holder = self._holder()
        try:
            holder.new_engine(CrashingStore(holder.database(), method, Crash(), fence=holder.held.fence)).run_pass()
        except Crash:
            pass

    @precondition(lambda self: self.settled)
    @rule()
    def database_lost(self):
        """The pair's database is dropped (lost, or a new prefix): Jira still holds every pairing."""
        self.client.drop_database(self.pair.store.db.name)
        self.db_name = f"tprop{uuid.uuid4().hex[:10]}"
        holder = self._holder()
        store = holder.store()
        store.ensure_indexes()
        store.claim()
        holder.engine = holder.new_engine(store)
        self.pair.store = store

    # -- what happens to bundles -------------------------------------------------------------

    @precondition(lambda self: sum(w.state != "dead" for w in self.workers) < 3)
    @rule()
    def second_bundle_starts(self):
        """Another bundle on the same MongoDB and pair file: it stands by while the lease is held."""
        worker = self._start_bundle()
        lease = self.leases.lease(PAIR)
        if lease is not None and not is_free(lease, self.pair.clock(), SKEW):
            assert not worker.take(), "a second bundle took a lease that is held"

    @rule()
    def holder_killed(self):
        """kill -9 of the holder's bundle: no release, its lease runs out."""
        holder = self._holder()
        holder.state = "dead"
        holder.held.stop()

    @rule()
    def holder_paused(self):
        """SIGSTOP of the holder: it keeps its lease and its proof, and does nothing."""
        self._holder().state = "paused"

    @precondition(lambda self: any(w.state == "paused" for w in self.workers))
    @rule()
    def paused_holder_resumes(self):
        """SIGCONT after another bundle may have taken over: the pass it was in goes on."""
        self._holder()  # the lease expired meanwhile and another bundle took it over
        worker = next(w for w in self.workers if w.state == "paused")
        worker.state = "live"
        self.pair.reset_requests()
        try:
            worker.engine.run_pass()
        except (LeaseLost, FenceLost):
            pass
        assert self.pair.bot_writes() == [], f"{worker.name} wrote to Jira after its lease passed on"
        worker.step_down()

    @rule()
    def holder_paused_mid_pass(self):
        """SIGSTOP of the holder just before one of its Jira writes; meanwhile its lease expires and
        another bundle takes the pair over and syncs it; SIGCONT: the paused pass goes on, and
        neither that write nor any later one may reach Jira."""
        holder = self._holder()
        taken_over = []

        def meanwhile():
            holder.state = "paused"
            self._holder().engine.run_pass()
            holder.state = "live"
            self.pair.reset_requests()
            taken_over.append(True)

        holder.paused_at_write = meanwhile
        try:
            holder.engine.run_pass()
        except (LeaseLost, FenceLost):
            pass
        holder.paused_at_write = None
        if taken_over:
            assert self.pair.bot_writes() == [], f"{holder.name} wrote to Jira after its lease passed on"
            holder.step_down()
        self.settled = False

    @rule()
    def clean_pass(self):
        # Time passes between passes: a creation a kill interrupted before its request waits, by
        # design, until the search index could have caught up (app.sync.creation) before it is sent.
        self.pair.clock.advance(minutes=6)
        self._holder().engine.run_pass()
        self._check_after_clean_pass()

    def _check_after_clean_pass(self) -> None:
        pending = {f.change.issue_key for f in self.pair.store.pending_failures()}
        for key in self.user_keys:
            dev_key = self.pair.dev_key(key)
            side, status = self.last_move[key]
            if side == "user" and status == "Will Do":
                assert dev_key, f"{key} reached Will Do but has no Dev issue"
            if dev_key is None or dev_key in pending or key in pending:
                continue
            if side == "dev" and status in DEV_DRIVES_USER:
                assert self.pair.status(key) == DEV_DRIVES_USER[status], f"{key} did not follow {dev_key} to {status}"
            if side == "user" and status in USER_DRIVES_DEV:
                assert self.pair.status(dev_key) == USER_DRIVES_DEV[status], f"{dev_key} did not follow {key}"
        self.pair.reset_requests()
        self._holder().engine.run_pass()
        assert self.pair.bot_writes() == [], "a second pass with no new change writes nothing"
        self.settled = True

    @invariant()
    def one_place_at_a_time(self):
        if hasattr(self, "workers"):
            acting = [w.name for w in self.workers if w.acting]
            assert len(acting) <= 1, f"{acting} may all act for the pair"

    @invariant()
    def no_duplicate_dev_issue(self):
        if not hasattr(self, "pair"):
            return
        owners = [self.pair.human.get_property(issue["key"], "jira-sync")["userIssueId"] for issue in self.pair.dev_issues()]
        assert len(owners) == len(set(owners)), "two Dev issues for one User issue"

    @invariant()
    def at_most_one_creation_comment(self):
        if not hasattr(self, "pair"):
            return
        for key in self.user_keys:
            created = [c for c in self.pair.comments(key) if c.startswith("Dev issue created")]
            assert len(created) <= 1, f"{key} announced twice"


@pytest.mark.parametrize(
    "examples, steps",
    [(12, 14), pytest.param(150, 40, marks=[pytest.mark.slow, pytest.mark.timeout(1800)], id="soak")],
)
def test_random_workflows_with_killed_passes_keep_the_invariants(mongo_for_machine, tmp_path, examples, steps):
    run_state_machine_as_test(
        lambda: WorkflowMachine(mongo_for_machine, tmp_path),
        settings=settings(
            max_examples=examples, stateful_step_count=steps, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
