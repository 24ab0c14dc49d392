"""Pair leases as data and on a real MongoDB: the preference, the keeper's decisions, the
compare-and-set that lets only one bundle take a lease."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from app.health.liveness import liveness
from app.instants import utc_now
from app.leases.assign import preferred_holders
from app.leases.decide import Acquire, HandOver, LetGo, keeper_actions, live_and_mine
from app.leases.keeper import Keeper, serving_pairs
from app.leases.store import BundleBeat, Lease, LeaseStore
from app.leases.ticket import HOLD, RELEASE, Ticket, read_ticket, read_tickets, remove_ticket, write_ticket
from app.leases.twins import read_twin_reason
from app.leases.view import ACTIVE, STANDBY, UNHELD, Cluster, lease_view
from app.supervisord import ProcessInfo
from tests.support.clocks import SteppedClock

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE, SKEW, SETTLE = 30.0, 5.0, 10.0


def beat(name, pairs, age=1.0, up_for=600.0) -> BundleBeat:
    return BundleBeat(name, NOW - timedelta(seconds=age), NOW - timedelta(seconds=up_for), "host", tuple(pairs))


def lease(pair, owner, fence=1, expires_in=20.0, last_owner=None) -> Lease:
    return Lease(pair, owner, fence, NOW + timedelta(seconds=expires_in), NOW - timedelta(minutes=5), last_owner)


PAIRS = [f"sync-{n:02d}" for n in range(30)]


@pytest.mark.parametrize("bundles", [1, 2, 3, 4, 7])
def test_the_preference_spreads_pairs_evenly_and_every_bundle_computes_the_same(bundles):
    names = [f"bundle-{n}" for n in range(bundles)]
    chosen = preferred_holders({name: PAIRS for name in names})
    again = preferred_holders({name: PAIRS for name in reversed(names)})
    assert chosen == again and set(chosen) == set(PAIRS)
    loads = [list(chosen.values()).count(name) for name in names]
    assert max(loads) <= math.ceil(len(PAIRS) / bundles)


def test_a_bundle_leaving_moves_only_its_own_pairs_mostly():
    three = preferred_holders({name: PAIRS for name in ("a", "b", "c")})
    two = preferred_holders({name: PAIRS for name in ("a", "b")})
    stayed = sum(1 for pair in PAIRS if three[pair] != "c" and two[pair] == three[pair])
    assert stayed >= 15, "most of a's and b's pairs stay where they are"


def test_a_pair_only_one_bundle_serves_is_that_bundles():
    assert preferred_holders({"a": ["sync-x"], "b": ["sync-y"]}) == {"sync-x": "a", "sync-y": "b"}


def actions(me, pairs, leases, live, started_ago=600.0):
    return keeper_actions(me, pairs, leases, live, NOW, LEASE, SKEW, SETTLE, NOW - timedelta(seconds=started_ago))


def test_the_keeper_takes_free_pairs_it_prefers_and_leaves_the_others_their_chance():
    live = {"a": beat("a", ["p1", "p2"], up_for=2), "b": beat("b", ["p1", "p2"], up_for=2)}
    preferred = preferred_holders({"a": ["p1", "p2"], "b": ["p1", "p2"]})
    mine = [pair for pair, holder in preferred.items() if holder == "a"]
    assert 0 < len(mine) < 2 and [act.pair for act in actions("a", ["p1", "p2"], {}, live, started_ago=2)] == mine


def test_held_pairs_are_left_alone_until_they_expire_past_the_skew():
    live = {"a": beat("a", ["p1"])}
    assert actions("a", ["p1"], {"p1": lease("p1", "b", expires_in=-3)}, live) == [], "within the skew allowance"
    [taken] = actions("a", ["p1"], {"p1": lease("p1", "b", expires_in=-6)}, live)
    assert isinstance(taken, Acquire) and taken.previous.owner == "b"


def test_a_pair_nobody_takes_is_taken_by_anyone_after_a_lease_more():
    live = {"a": beat("a", ["p1"]), "b": beat("b", ["p1"])}
    other = "b" if preferred_holders({"a": ["p1"], "b": ["p1"]})["p1"] == "a" else "a"
    released = Lease("p1", None, 3, NOW - timedelta(seconds=10), NOW - timedelta(minutes=5), "c")
    assert actions(other, ["p1"], {"p1": released}, live) == []
    stale = Lease("p1", None, 3, NOW - timedelta(seconds=LEASE + SKEW + 1), NOW - timedelta(minutes=5), "c")
    assert [act.pair for act in actions(other, ["p1"], {"p1": stale}, live)] == ["p1"]


def test_a_held_pair_is_handed_to_the_preferred_bundle_once_it_settled():
    prefer = preferred_holders({"a": ["p1"], "b": ["p1"]})["p1"]
    holder = "b" if prefer == "a" else "a"
    held = {"p1": lease("p1", holder)}
    fresh = {holder: beat(holder, ["p1"]), prefer: beat(prefer, ["p1"], up_for=3)}
    assert actions(holder, ["p1"], held, fresh) == [], "the newcomer has not settled yet"
    settled = {holder: beat(holder, ["p1"]), prefer: beat(prefer, ["p1"], up_for=SETTLE + 1)}
    assert actions(holder, ["p1"], held, settled) == [HandOver("p1", held["p1"], prefer)]


@pytest.mark.parametrize(("expires_in", "mine"), [(20.0, True), (0.5, True), (0.0, False), (-3.0, False), (-6.0, False)],
                         ids=["live", "about-to-expire", "at-expiry", "within-the-skew", "past-the-skew"])
def test_the_holder_the_view_and_the_keeper_share_one_rule_for_a_lease_of_its_own(expires_in, mine):
    own = lease("p1", "a", expires_in=expires_in)
    live = {"a": beat("a", ["p1"]), "b": beat("b", ["p1"], up_for=SETTLE + 1)}
    wanted = preferred_holders({"a": ["p1"], "b": ["p1"]})["p1"]
    assert live_and_mine(own, "a", NOW) is mine
    assert (lease_view(own, "a", live, NOW, SKEW).state == ACTIVE) is mine, "the view says active exactly while it is live"
    handing_over = any(isinstance(act, HandOver) for act in actions("a", ["p1"], {"p1": own}, live))
    assert handing_over is (mine and wanted == "b"), "only a live lease of its own is handed over"
    if not mine:
        assert lease_view(own, "a", live, NOW, SKEW).state == UNHELD, "past its own expiry nobody holds it live"
        assert lease_view(own, "b", live, NOW, SKEW).state == (UNHELD if expires_in < -SKEW else STANDBY), \
            "another bundle waits the skew allowance"


@pytest.fixture
def store(mongo_client, db_prefix) -> LeaseStore:
    return LeaseStore(mongo_client[f"{db_prefix}_control"])


def test_only_one_bundle_takes_a_lease_and_every_new_holder_raises_the_fence(store):
    assert store.acquire("p1", "a", None, NOW, LEASE).fence == 1
    assert store.acquire("p1", "b", None, NOW, LEASE) is None, "it exists now"
    seen = store.lease("p1")
    taken = store.acquire("p1", "b", seen, NOW, LEASE)
    assert (taken.owner, taken.fence, taken.handovers) == ("b", 2, 1)
    assert store.acquire("p1", "c", seen, NOW, LEASE) is None, "b changed it since c looked"
    assert store.renew("p1", "b", 2, NOW, LEASE) and not store.renew("p1", "a", 1, NOW, LEASE)
    assert store.release("p1", "b", 2, NOW) and store.lease("p1").owner is None
    again = store.acquire("p1", "a", store.lease("p1"), NOW, LEASE)
    assert (again.owner, again.fence, again.last_owner, again.handovers) == ("a", 3, "b", 2)


def test_bundle_beats_round_trip(store):
    store.beat("a", "h1", ["p2", "p1"], NOW, NOW - timedelta(minutes=1))
    assert store.bundles()["a"] == BundleBeat("a", NOW, NOW - timedelta(minutes=1), "h1", ("p1", "p2"))


def test_tickets_are_written_whole_and_unreadable_ones_count_as_none(tmp_path):
    assert read_ticket(tmp_path, "p1") is None
    write_ticket(tmp_path, Ticket("p1", "a", 4, RELEASE))
    assert read_ticket(tmp_path, "p1") == Ticket("p1", "a", 4, RELEASE)
    (tmp_path / "leases" / "p1.json").write_text("{half")
    assert read_ticket(tmp_path, "p1") is None
    remove_ticket(tmp_path, "p1")
    remove_ticket(tmp_path, "p1")


def process(group: str, state: str) -> ProcessInfo:
    return ProcessInfo.from_rpc({"name": group, "group": group, "statename": state})


def test_a_stopped_or_fatal_worker_serves_nothing_and_the_bundles_own_programs_never_do():
    processes = [process("sync-a", "RUNNING"), process("sync-b", "STOPPED"), process("sync-c", "FATAL"),
                 process("sync-d", "BACKOFF"), process("sync-e", "EXITED"), process("sync-f", "STARTING"),
                 process("health", "RUNNING"), process("leases", "RUNNING"), process("watchdog", "RUNNING")]

    assert serving_pairs(processes) == ["sync-a", "sync-d", "sync-e", "sync-f"]


def test_a_lease_held_for_a_worker_that_will_not_run_is_let_go_and_shown_so_beforehand():
    """Issue 17: /health showed the lease of a FATAL worker as active; the keeper lets it go now."""
    held = {"p1": lease("p1", "a"), "p2": lease("p2", "a"), "p3": lease("p3", "b")}
    live = {"a": beat("a", ["p1"]), "b": beat("b", ["p3"])}

    assert actions("a", ["p1"], held, live) == [LetGo("p2", held["p2"])]
    views = {state: lease_view(held["p2"], "a", live, NOW, SKEW, state) for state in ("RUNNING", "FATAL", "STOPPED")}
    assert views["RUNNING"].state == "active" and lease_view(held["p2"], "a", live, NOW, SKEW).state == "active"
    assert views["FATAL"].state == views["STOPPED"].state == "unheld"
    assert lease_view(held["p3"], "a", live, NOW, SKEW, "FATAL").state == "standby", "another bundle's holds on"


def test_the_keeper_lets_go_of_a_fatal_workers_lease_at_its_next_tick_as_health_showed(store, tmp_path):
    serving = ["sync-a"]
    keeper = Keeper(store, "a", lambda: list(serving), tmp_path, LEASE)
    keeper.tick()
    taken = store.lease("sync-a")
    assert taken is not None and taken.owner == "a" and read_ticket(tmp_path, "sync-a") is not None

    serving.clear()  # supervisord says: sync-a is FATAL
    shown = Cluster.read(store, "a", LEASE).view("sync-a", utc_now(), "FATAL")
    keeper.tick()

    after = store.lease("sync-a")
    assert shown.state == "unheld"
    assert after.owner is None and after.last_owner == "a" and after.fence == taken.fence
    assert Cluster.read(store, "a", LEASE).view("sync-a", utc_now()).state == shown.state
    assert read_ticket(tmp_path, "sync-a") is None


def holds(runtime_dir) -> dict[str, int]:
    """The pairs this bundle's workers may act for: its HOLD tickets, with their fences."""
    return {ticket.pair: ticket.fence for ticket in read_tickets(runtime_dir) if ticket.state == HOLD}


TWIN_PAIRS = ["sync-a", "sync-b"]


def test_a_second_bundle_under_the_same_id_never_acts_for_the_first_ones_pairs_and_says_why(store, tmp_path):
    clock = SteppedClock(NOW)
    first = Keeper(store, "a", lambda: list(TWIN_PAIRS), tmp_path / "first", LEASE, clock, host="h1")
    first.tick()
    assert holds(tmp_path / "first") == {"sync-a": 1, "sync-b": 1}

    clock.advance(1)
    second = Keeper(store, "a", lambda: list(TWIN_PAIRS), tmp_path / "second", LEASE, clock, host="h2")
    for _ in range(6):
        second.tick()
        clock.advance(1.5)
        first.tick()
        clock.advance(1.5)
        assert holds(tmp_path / "second") == {}, "the twin would act for pairs the first bundle's workers hold"

    assert holds(tmp_path / "first") == {"sync-a": 1, "sync-b": 1}
    reason = read_twin_reason(tmp_path / "second")
    assert reason is not None and "BUNDLE_ID 'a' is in use by another running bundle (host h1" in reason
    assert read_twin_reason(tmp_path / "first") is None
    running = {name: process(name, "RUNNING") for name in ("leases", "watchdog")}
    assert liveness(running, reason).reasons == (f"leases: {reason}",)
    assert store.bundle_beat("a").host == "h1", "the one standing down stops beating"

    # The first bundle's keeper ends; its workers go on renewing their leases.
    for _ in range(12):
        clock.advance(3)
        for pair in TWIN_PAIRS:
            assert store.renew(pair, "a", 1, clock(), LEASE)
        second.tick()
    assert read_twin_reason(tmp_path / "second") is None, "the other's beat is a lease old: taken over"
    assert holds(tmp_path / "second") == {}, "leases the other's workers still renew are never resumed"


def test_the_later_twin_hands_back_what_it_took_and_takes_over_only_once_the_other_is_gone(store, tmp_path):
    """Started together (no beat stored yet), both keepers take leases; the later one hands its own
    back as in a hand-over, never resumes the other's, and takes the pairs up only as they end."""
    clock = SteppedClock(NOW)
    first = Keeper(store, "a", lambda: ["sync-a"], tmp_path / "first", LEASE, clock, host="h1")
    clock.advance(0.5)
    second = Keeper(store, "a", lambda: ["sync-b"], tmp_path / "second", LEASE, clock, host="h2")
    second.tick()
    first.tick()
    assert holds(tmp_path / "second") == {"sync-b": 1} and holds(tmp_path / "first") == {"sync-a": 1}

    clock.advance(3)
    second.tick()
    assert read_twin_reason(tmp_path / "second") is not None
    assert holds(tmp_path / "second") == {}, "handed back (or let go by the first, whose pair it is not)"

    clock.advance(LEASE + 1)  # the first bundle is gone (no beat since), its worker with it
    second.tick()
    assert read_twin_reason(tmp_path / "second") is None
    assert "sync-a" not in holds(tmp_path / "second")
    clock.advance(3)
    second.tick()
    assert holds(tmp_path / "second") == {"sync-b": 2}, "taken anew (a new fence)"


def test_a_bundle_restarted_after_a_crash_resumes_its_leases_once_its_id_stayed_quiet(store, tmp_path):
    clock = SteppedClock(NOW)
    crashed = Keeper(store, "a", lambda: list(TWIN_PAIRS), tmp_path / "before", LEASE, clock)
    crashed.tick()
    clock.advance(2)
    restarted = Keeper(store, "a", lambda: list(TWIN_PAIRS), tmp_path / "after", LEASE, clock)
    restarted.tick()
    assert holds(tmp_path / "after") == {}, "a beat younger than a lease may be a twin's: watch first"
    clock.advance(restarted.settle)
    restarted.tick()
    assert holds(tmp_path / "after") == {"sync-a": 1, "sync-b": 1}, "resumed, not waited out"


def test_a_bundle_restarted_after_a_clean_stop_resumes_at_its_first_tick(store, tmp_path):
    clock = SteppedClock(NOW)
    stopped = Keeper(store, "a", lambda: list(TWIN_PAIRS), tmp_path / "before", LEASE, clock)
    stopped.tick()
    store.forget_bundle("a", stopped.instance)
    clock.advance(2)
    restarted = Keeper(store, "a", lambda: list(TWIN_PAIRS), tmp_path / "after", LEASE, clock)
    restarted.tick()
    assert holds(tmp_path / "after") == {"sync-a": 1, "sync-b": 1}


def test_a_bundle_forgets_only_its_own_beat_not_a_twins(store):
    store.beat("a", "h2", [], NOW, NOW, instance="twin")
    store.forget_bundle("a", "me")
    assert store.bundle_beat("a").instance == "twin"
    store.forget_bundle("a", "twin")
    assert store.bundle_beat("a") is None
