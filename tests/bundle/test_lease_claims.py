"""Project claims (issue 17): bundles with different config directories on one MongoDB never run
two pairs on one project. The pure step as a table, then the compare-and-sets on a real MongoDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.leases.claims import Claim, ProjectClaims, ProjectTaken, claim_step
from app.leases.store import Lease, LeaseStore
from tests.support.clocks import SteppedClock

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE, SKEW = 30.0, 5.0


def lease(pair: str, owner: str | None, fence: int, expires_in: float = 20.0) -> Lease:
    return Lease(pair, owner, fence, NOW + timedelta(seconds=expires_in), NOW - timedelta(minutes=5))


@pytest.mark.parametrize(("claim", "claimant", "expected"), [
    pytest.param(None, None, "create", id="nobody claimed it"),
    pytest.param(Claim("p", "sync-good", 3), None, "held", id="ours with our fence"),
    pytest.param(Claim("p", "sync-good", 2), None, "renew", id="ours from an earlier holder of this pair"),
    pytest.param(Claim("p", "sync-good", 4), None, "refused", id="a newer holder of this very pair"),
    pytest.param(Claim("p", "sync-shared", 1), lease("sync-shared", "b", 1), "refused",
                 id="another pair, its lease held with the claim's fence"),
    pytest.param(Claim("p", "sync-shared", 1), lease("sync-shared", "b", 1, expires_in=-3), "refused",
                 id="another pair, its lease just ran out but within the clock skew"),
    pytest.param(Claim("p", "sync-shared", 1), lease("sync-shared", "b", 1, expires_in=-30), "end-lease-then-take",
                 id="another pair whose lease ran out: ended first, so a paused holder cannot come back"),
    pytest.param(Claim("p", "sync-shared", 1), lease("sync-shared", None, 1), "take", id="another pair, released"),
    pytest.param(Claim("p", "sync-shared", 1), lease("sync-shared", "b", 2), "take",
                 id="another pair that moved on without claiming it again"),
    pytest.param(Claim("p", "sync-shared", 1), None, "take", id="another pair that has no lease at all"),
])
def test_claim_step(claim, claimant, expected):
    assert claim_step(claim, "sync-good", 3, claimant, NOW, SKEW) == expected


@pytest.fixture
def control(mongo_client, db_prefix):
    return mongo_client[f"{db_prefix}_control"]


def test_a_second_pair_on_a_claimed_project_is_refused_while_the_first_holds_its_lease(control):
    clock, leases = SteppedClock(NOW), LeaseStore(control)
    good = leases.acquire("sync-good", "bundle-a", None, clock(), LEASE)
    shared = leases.acquire("sync-shared", "bundle-b", None, clock(), LEASE)
    assert good is not None and shared is not None
    claims = ProjectClaims(control, leases, clock)

    claims.claim_all("sync-good", good.fence, ["site-goodsup", "site-gooddev"], SKEW)
    with pytest.raises(ProjectTaken) as taken:
        claims.claim_all("sync-shared", shared.fence, ["site-goodsup", "site-gooddev"], SKEW)

    assert (taken.value.pair, taken.value.holder) == ("sync-good", "bundle-a")
    assert "synced by pair sync-good in bundle bundle-a" in str(taken.value)
    assert {claim.pair for claim in claims.claims().values()} == {"sync-good"}
    clock.advance(LEASE / 2)
    assert leases.renew("sync-good", "bundle-a", good.fence, clock(), LEASE), "the first pair syncs on"


def test_a_lapsed_claim_moves_and_the_paused_holder_cannot_renew_its_way_back(control):
    clock, leases = SteppedClock(NOW), LeaseStore(control)
    good = leases.acquire("sync-good", "bundle-a", None, clock(), LEASE)
    shared = leases.acquire("sync-shared", "bundle-b", None, clock(), LEASE)
    claims = ProjectClaims(control, leases, clock)
    claims.claim_all("sync-good", good.fence, ["site-goodsup"], SKEW)

    clock.advance(LEASE + SKEW + 1)  # bundle-a paused past its lease
    leases.renew("sync-shared", "bundle-b", shared.fence, clock(), LEASE)
    claims.claim_all("sync-shared", shared.fence, ["site-goodsup"], SKEW)

    assert claims.claims()["site-goodsup"] == Claim("site-goodsup", "sync-shared", shared.fence)
    assert not leases.renew("sync-good", "bundle-a", good.fence, clock(), LEASE), "its lease was ended"
    again = leases.acquire("sync-good", "bundle-a", leases.lease("sync-good"), clock(), LEASE)
    with pytest.raises(ProjectTaken):
        claims.claim_all("sync-good", again.fence, ["site-goodsup"], SKEW)


def test_the_same_pair_moving_to_another_bundle_takes_its_claims_along(control):
    clock, leases = SteppedClock(NOW), LeaseStore(control)
    first = leases.acquire("sync-good", "bundle-a", None, clock(), LEASE)
    claims = ProjectClaims(control, leases, clock)
    claims.claim_all("sync-good", first.fence, ["site-goodsup"], SKEW)
    assert leases.release("sync-good", "bundle-a", first.fence, clock())

    second = leases.acquire("sync-good", "bundle-b", leases.lease("sync-good"), clock(), LEASE)
    claims.claim_all("sync-good", second.fence, ["site-goodsup"], SKEW)

    assert claims.claims()["site-goodsup"] == Claim("site-goodsup", "sync-good", second.fence)
    with pytest.raises(ProjectTaken):
        claims.claim_all("sync-good", first.fence, ["site-goodsup"], SKEW)  # the old holder, late


def test_two_bundles_with_different_config_dirs_never_sync_one_project_twice(tmp_path, mongo_uri, db_prefix, control):
    """Bundle one runs sync-good on ASUP/ADEV; bundle two, with its own config directory on the
    same MongoDB, has sync-shared on those projects beside sync-b: sync-shared never starts
    syncing, and says why, while sync-b and sync-good sync."""
    import json

    import requests

    from jira_sim.seed import BOT, demo_seed
    from jira_sim.server import SimulatorServer
    from testbed.bundle import Bundle, pair_config
    from testbed.waiting import wait_for

    sim = SimulatorServer(demo_seed(pairs=[("ASUP", "ADEV"), ("BSUP", "BDEV")])).start()
    bundles: list[Bundle] = []
    try:
        for name, pairs in (("one", [("sync-good", "ASUP", "ADEV")]),
                            ("two", [("sync-shared", "ASUP", "ADEV"), ("sync-b", "BSUP", "BDEV")])):
            bundle = Bundle(tmp_path / name, mongo_uri, f"{db_prefix}_control",
                            env={"JIRA_TOKEN": BOT.api_token, "BUNDLE_ID": f"{db_prefix}-{name}"})
            for pair, user, dev in pairs:
                bundle.write_config(pair, pair_config(pair, sim.url, user, dev, "JIRA_TOKEN"))
            bundles.append(bundle.start())
            if name == "one":
                bundle.wait_syncing(timeout=90)
        two = bundles[1]

        def refused():
            body = two.health().json()
            workers = {worker["name"]: worker for worker in body.get("workers", [])}
            shared, other = workers.get("sync-shared"), workers.get("sync-b")
            said = shared is not None and "synced by pair sync-good" in json.dumps(shared)
            syncing = other is not None and other.get("health") == "healthy" and other.get("lastPass")
            return body if said and syncing else None

        body = wait_for(refused, 90, what="sync-shared refused for sync-good's projects, sync-b syncing")
        shared = next(worker for worker in body["workers"] if worker["name"] == "sync-shared")
        assert shared["health"] == "unhealthy" and not shared.get("lastPass")
        claims = ProjectClaims(control, LeaseStore(control)).claims()
        assert {claim.pair for claim in claims.values()} == {"sync-good", "sync-b"}
        assert requests.get(f"http://127.0.0.1:{bundles[0].health_port}/health", timeout=3).status_code == 200
    finally:
        for bundle in bundles:
            bundle.stop()
        sim.stop()
