"""A property-based state machine: random workflow moves on both projects, comments added, edited
and deleted on either side, fields edited on either side (also the same field on both sides within
one interval: the later change wins, both end equal, nothing lost or echoed), passes killed at
random points, the pair's database lost, more bundles started, the lease holder killed or paused
and resumed after a take-over; after every clean pass the guarantees of docs/ARCHITECTURE.md hold
(comments: none lost, none copied twice, none echoed, no copy on the User side public), and at no
moment may two bundles act for the pair."""

from __future__ import annotations

import contextlib
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
from app.jira.adf import adf_to_text
from app.leases.decide import is_free, skew_allowance
from app.leases.guard import LeaseGuard, LeaseLost
from app.leases.held import HeldLease, LeaseNotHeld
from app.leases.store import LeaseStore
from app.sync.engine import Engine
from app.sync.field_values import field_value
from app.sync.jira_answers import CommentView
from app.sync.marker import CopyMarker
from app.sync.store import FenceLost, PairStore
from jira_sim.server import SimulatorServer
from testbed.mongo import drop_databases
from testbed.sync import SyncHarness
from tests.support.faults import Crash, CrashingStore

# What a Dev move makes of the User issue (sync-ab.json), and a User move of the Dev issue.
DEV_DRIVES_USER = {"In Progress": "In Progress", "Closed": "Resolved", "Cancelled": "Cancelled", "Reopened": "Reopened"}
USER_DRIVES_DEV = {"Reopened": "Reopened"}
STORE_WRITES = ["save_mapping", "save_creation", "finish_intent", "begin_intent", "save_issue_state", "record_attachment",
                "record_event", "save_sync_state", "record_failure", "save_comment_copy", "mark_comments_due",
                "clear_comments_due", "save_field_baseline"]
COMMENTS = {"toDev": "all", "toUser": "internal", "followEdits": True, "restricted": "skip"}
FIELDS = {"summary": "both", "labels": "both", "priority": "both"}
FIELD_VALUES = {"summary": st.sampled_from(["alpha", "beta", "gamma  "]),
                "labels": st.sampled_from([[], ["x"], ["y", "x"], ["x", "y"]]),
                "priority": st.sampled_from([{"name": "High"}, {"name": "Low"}, {"name": "Medium"}])}


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
        self.pair = SyncHarness(self.sim, self.client[f"tprop{uuid.uuid4().hex[:10]}"], self.tmp_path,
                                comments=COMMENTS, fields=FIELDS)
        self.pair.admin("PATCH", "projects/ABSUP", projectType="service_desk")
        self.db_name = self.pair.store.db.name
        self.control_db = self.client[f"tprop{uuid.uuid4().hex[:10]}-control"]
        self.leases = LeaseStore(self.control_db)
        self.workers: list[PairWorker] = []
        self.second_bundle_starts()
        self._holder().engine.run_pass()
        self.user_keys: list[str] = []
        self.last_move: dict[str, tuple[str, str]] = {}  # user key -> (side moved by a person, status)
        self.settled = False  # a clean pass ran since the last move: nothing is owed
        # comment id -> [user key of the pair, side, issue key, text now, alive, written before comment sync began]
        self.people_comments: dict[str, list] = {}
        self.comments_touched = False  # an edit or delete (which need not move `updated`) since the last clean pass
        self.field_edits: dict[tuple[str, str], object] = {}  # (user key, field) -> the latest value a person changed to

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

    @precondition(lambda self: self.user_keys)
    @rule(data=st.data(), on_dev=st.booleans(), internal=st.booleans())
    def add_comment(self, data, on_dev, internal):
        user_key = data.draw(st.sampled_from(self.user_keys))
        key = self.pair.dev_key(user_key) if on_dev else user_key
        if key is None:
            return
        text = f"note {len(self.people_comments)}"
        properties = {"sd.public.comment": {"internal": True}} if internal else {}
        answer = self.pair.human.post_comment(key, _adf(text), properties)
        self.people_comments[str(answer["id"])] = [user_key, "dev" if on_dev else "user", key, text, True, False]
        self.settled = False

    @precondition(lambda self: any(c[4] for c in self.people_comments.values()))
    @rule(data=st.data(), delete=st.booleans())
    def edit_or_delete_comment(self, data, delete):
        comment_id = data.draw(st.sampled_from(sorted(i for i, c in self.people_comments.items() if c[4])))
        comment = self.people_comments[comment_id]
        if delete:
            self.pair.human.delete_comment(comment[2], comment_id)
            comment[4] = False
        else:
            comment[3] += " edited"
            self.pair.human.update_comment(comment[2], comment_id, _adf(comment[3]))
        self.comments_touched = True
        self.settled = False

    @precondition(lambda self: self.user_keys)
    @rule(data=st.data(), on_dev=st.booleans(), name=st.sampled_from(sorted(FIELDS)))
    def edit_field(self, data, on_dev, name):
        user_key = data.draw(st.sampled_from(self.user_keys))
        self._edit_field(user_key, "dev" if on_dev else "user", name, data.draw(FIELD_VALUES[name]))

    @precondition(lambda self: self.user_keys)
    @rule(data=st.data(), name=st.sampled_from(sorted(FIELDS)), dev_first=st.booleans())
    def same_field_on_both_sides(self, data, name, dev_first):
        """Both people change one field within one interval: the later change must win."""
        user_key = data.draw(st.sampled_from(self.user_keys))
        for side in ("dev", "user") if dev_first else ("user", "dev"):
            self._edit_field(user_key, side, name, data.draw(FIELD_VALUES[name]))

    def _edit_field(self, user_key: str, side: str, name: str, value) -> None:
        key = self.pair.dev_key(user_key) if side == "dev" else user_key
        if key is None:
            return
        self.pair.admin("POST", "clock/advance", seconds=1)  # Jira's times order the two changes
        held = field_value(name, self.pair.human.get_issue(key, fields=[name])["fields"].get(name))
        self.pair.human.edit_issue(key, {name: value})
        # Setting the value the issue holds already is no change: Jira writes no changelog entry for
        # an edit that changes no value (docs/JIRA-BEHAVIOUR.md "Changelogs"), and the sync sees a
        # side changed only where its value, compared normalised (label order too), differs from
        # the last one both sides agreed on (README "Fields"). So the later-wins rule has no
        # change of this side to count, and the other side's real change, if any, rightly wins.
        if not held.same(field_value(name, value)):
            self.field_edits[(user_key, name)] = field_value(name, value)
        self.settled = False

    # -- what the sync does ------------------------------------------------------------------

    @rule(method=st.sampled_from(STORE_WRITES))
    def killed_pass(self, method):
        holder = self._holder()
        with contextlib.suppress(Crash):
            holder.new_engine(CrashingStore(holder.database(), method, Crash(), fence=holder.held.fence)).run_pass()

    @precondition(lambda self: self.settled)
    @rule()
    def database_lost(self):
        """The pair's database is dropped (lost, or a new prefix): Jira still holds every pairing."""
        self.client.drop_database(self.pair.store.db.name)
        self.db_name = f"tprop{uuid.uuid4().hex[:10]}"
        for comment in self.people_comments.values():
            comment[5] = True  # comment sync begins again: what came before is never copied
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
        with contextlib.suppress(LeaseLost, FenceLost):
            worker.engine.run_pass()
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
        with contextlib.suppress(LeaseLost, FenceLost):
            holder.engine.run_pass()
        holder.paused_at_write = None
        if taken_over:
            assert self.pair.bot_writes() == [], f"{holder.name} wrote to Jira after its lease passed on"
            holder.step_down()
        self.settled = False

    @rule()
    def clean_pass(self):
        # Time passes between passes: a creation a kill interrupted before its request waits, by
        # design, until the search index could have caught up (app.sync.creation) before it is sent.
        # An edit or a delete may not move `updated`: the full scan finds it (fullScanInterval 1 h).
        self.pair.clock.advance(hours=2) if self.comments_touched else self.pair.clock.advance(minutes=6)
        self._holder().engine.run_pass()
        self.comments_touched = False
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
        self._check_comments(pending)
        self._check_fields(pending)
        self.pair.reset_requests()
        self._holder().engine.run_pass()
        assert self.pair.bot_writes() == [], "a second pass with no new change writes nothing"
        self.settled = True

    def _check_comments(self, pending: set) -> None:
        """None lost: every comment a person wrote since comment sync began has exactly one copy, on
        its partner, saying what the original says now; a deleted one has none."""
        for comment_id, (user_key, side, key, text, alive, before) in self.people_comments.items():
            dev_key = self.pair.dev_key(user_key)
            if before or dev_key is None or {user_key, dev_key} & pending:
                continue
            partner = user_key if side == "dev" else dev_key
            copies = [text_of for view, text_of in self._comments(partner)
                      if isinstance(view.marker, CopyMarker) and view.marker.comment_id == comment_id]
            if not alive:
                assert copies == [], f"the copy of deleted comment {comment_id} on {partner} is still there"
            else:
                assert len(copies) == 1, f"comment {comment_id} of {key} has {len(copies)} copies on {partner}"
                assert copies[0].rstrip().endswith(text), f"the copy of {comment_id} does not say {text!r}"

    def _check_fields(self, pending: set) -> None:
        """Both issues of a pair hold the same value of every field, the one a person set last."""
        for user_key in self.user_keys:
            dev_key = self.pair.dev_key(user_key)
            if dev_key is None or {user_key, dev_key} & pending:
                continue
            user = self.pair.human.get_issue(user_key, fields=sorted(FIELDS))["fields"]
            dev = self.pair.human.get_issue(dev_key, fields=sorted(FIELDS))["fields"]
            for name in FIELDS:
                on_user, on_dev = field_value(name, user.get(name)), field_value(name, dev.get(name))
                assert on_user.same(on_dev), f"{name} of {user_key} ({on_user.plain}) and {dev_key} ({on_dev.plain})"
                expected = self.field_edits.get((user_key, name))
                if expected is not None:
                    assert on_user.same(expected), f"{name} of {user_key}: {on_user.plain}, set last {expected.plain}"

    def _comments(self, key: str) -> list[tuple[CommentView, str]]:
        return [(CommentView.parse(raw), adf_to_text(raw["body"])) for raw in self.pair.human.raw_comments(key)]

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
    def no_duplicate_no_echo_no_public_internal_copy(self):
        if not hasattr(self, "pair"):
            return
        keys = [key for user_key in self.user_keys for key in (user_key, self.pair.dev_key(user_key)) if key]
        seen: set = set()
        for key in keys:
            for view, _ in self._comments(key):
                if not isinstance(view.marker, CopyMarker):
                    continue
                assert view.marker not in seen, f"comment {view.marker.comment_id} copied twice"
                seen.add(view.marker)
                assert view.marker.comment_id in self.people_comments, f"copy {view.id} on {key} copies a copy: an echo"
                if key.startswith("ABSUP"):
                    assert view.jsd_public is False, f"the copy {view.id} on {key} is public"

    @invariant()
    def at_most_one_creation_comment(self):
        if not hasattr(self, "pair"):
            return
        for key in self.user_keys:
            created = [c for c in self.pair.comments(key) if c.startswith("Dev issue created")]
            assert len(created) <= 1, f"{key} announced twice"


def _adf(text: str) -> dict:
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


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
