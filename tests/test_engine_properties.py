"""A property-based state machine: random workflow moves on both projects, passes killed at
random points, clean passes; after every clean pass the invariants of DESIGN.md must hold."""

from __future__ import annotations

import uuid

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

from jira_sim.server import SimulatorServer
from app.sync.store import PairStore
from tests.support.faults import Crash, CrashingStore
from tests.support.sync import SyncHarness

# What a Dev move makes of the User issue (sync-ab.json), and a User move of the Dev issue.
DEV_DRIVES_USER = {"In Progress": "In Progress", "Closed": "Resolved", "Cancelled": "Cancelled", "Reopened": "Reopened"}
USER_DRIVES_DEV = {"Reopened": "Reopened"}
STORE_WRITES = ["save_mapping", "save_creation", "finish_intent", "begin_intent", "save_issue_state", "record_attachment",
                "record_event", "save_sync_state", "record_failure"]


@pytest.fixture(scope="module")
def mongo_for_machine(mongo_uri):
    client = pymongo.MongoClient(mongo_uri, tz_aware=True, serverSelectionTimeoutMS=2000)
    yield client
    for name in client.list_database_names():
        if name.startswith("tprop"):
            client.drop_database(name)
    client.close()


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self, client: pymongo.MongoClient, tmp_path) -> None:
        super().__init__()
        self.client = client
        self.tmp_path = tmp_path

    @initialize()
    def start(self):
        self.sim = SimulatorServer().start()
        self.pair = SyncHarness(self.sim, self.client[f"tprop{uuid.uuid4().hex[:10]}"], self.tmp_path)
        self.pair.sync()
        self.user_keys: list[str] = []
        self.last_move: dict[str, tuple[str, str]] = {}  # user key -> (side moved by a person, status)
        self.settled = False  # a clean pass ran since the last move: nothing is owed

    def teardown(self):
        if hasattr(self, "sim"):
            self.sim.stop()
            self.client.drop_database(self.pair.store.db.name)

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
        try:
            self.pair.new_engine(CrashingStore(self.pair.store.db, method, Crash())).run_pass()
        except Crash:
            pass

    @precondition(lambda self: self.settled)
    @rule()
    def database_lost(self):
        """The pair's database is dropped (lost, or a new prefix): Jira still holds every pairing."""
        self.client.drop_database(self.pair.store.db.name)
        self.pair.store = PairStore(self.client[f"tprop{uuid.uuid4().hex[:10]}"])
        self.pair.store.ensure_indexes()
        self.pair.engine = self.pair.new_engine()

    @rule()
    def clean_pass(self):
        # Time passes between passes: a creation a kill interrupted before its request waits, by
        # design, until the search index could have caught up (app.sync.creation) before it is sent.
        self.pair.clock.advance(minutes=6)
        self.pair.engine.run_pass()
        self._check_after_clean_pass()

    def _check_after_clean_pass(self) -> None:
        pending = {f["issue_key"] for f in self.pair.store.pending_failures()}
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
        self.pair.engine.run_pass()
        assert self.pair.bot_writes() == [], "a second pass with no new change writes nothing"
        self.settled = True

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
