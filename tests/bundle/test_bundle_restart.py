"""A bundle restarted under its identity (BUNDLE_ID, as the compose file and the StatefulSet give
it) resumes the leases it still holds without waiting for them to run out (two keeper ticks
after a crash: the id's last beat could be a live twin's, app.leases.twins), through a real
bundle whose processes all died at once, as a crashed container's do; under a new identity its pairs wait for the old leases to run
out, and `/health` says so per pair: by whom they are held, and until when."""

from __future__ import annotations

import time

import pytest

from app.leases.store import LeaseStore
from jira_sim.seed import BOT
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

LEASE_SECONDS = 40


@pytest.fixture
def bundle(tmp_path, mongo_uri, db_prefix, sim):
    running = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={
        "JIRA_AB_TOKEN": BOT.api_token, "BUNDLE_ID": f"first-{db_prefix}", "LEASE_SECONDS": str(LEASE_SECONDS)})
    running.write_config("sync-ab", pair_config("sync-ab", sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN"))
    running.start()
    running.wait_syncing(timeout=90)
    yield running
    running.stop()


def lease(bundle: Bundle, mongo_client):
    return LeaseStore(mongo_client[bundle.env["MONGO_CONTROL_DB"]]).lease("sync-ab")


def syncing_in_its_new_worker(bundle: Bundle) -> dict | None:
    """/health 200 with sync-ab active here and beaten by the worker supervisord runs now (not a
    beat left from before the kill)."""
    response = bundle.health()
    if response.status_code != 200:
        return None
    [worker] = response.json()["workers"]
    return worker if worker["lease"]["state"] == "active" and worker["pid"] == bundle.pid("sync-ab") else None


def test_a_bundle_killed_and_restarted_under_its_identity_resumes_its_lease_at_once(bundle, mongo_client):
    bundle.crash()  # nothing released: the lease runs on
    before = lease(bundle, mongo_client)
    restarted = time.monotonic()
    bundle.start()

    wait_for(lambda: syncing_in_its_new_worker(bundle), LEASE_SECONDS, what="sync-ab active again in the restarted bundle")
    took = time.monotonic() - restarted
    after = lease(bundle, mongo_client)

    assert (after.owner, after.fence) == (before.owner, before.fence), "the same lease, resumed: not taken anew after it ran out"
    assert took < LEASE_SECONDS * 0.75, f"{took:.0f} s: a bundle's start-up, not a lease's wait"


def test_under_a_new_identity_health_says_whose_lease_it_waits_for_and_until_when(bundle, mongo_client):
    bundle.crash()
    before = lease(bundle, mongo_client)  # renewed no more
    bundle.env["BUNDLE_ID"] = f"second-{bundle.env['MONGO_CONTROL_DB']}"
    bundle.start()

    def waiting():
        # Once its new worker runs (STARTING is said first while it proves itself), the wait is the reason.
        response = bundle.health()
        [worker] = response.json()["workers"]
        said = [reason for reason in worker["reasons"] if reason.startswith("waiting for its lease")]
        return response.status_code == 503 and said

    [reason] = wait_for(waiting, LEASE_SECONDS, what="sync-ab waiting for its lease")
    until = before.expires_at.strftime("%Y-%m-%d %H:%M:%S")
    assert reason.startswith(f"waiting for its lease, held by {before.owner} ("), reason
    assert f") until {until} UTC (in " in reason, reason

    wait_for(lambda: syncing_in_its_new_worker(bundle), LEASE_SECONDS * 2, what="sync-ab taken once the old lease ran out")
    after = lease(bundle, mongo_client)
    assert (after.owner, after.fence) == (bundle.env["BUNDLE_ID"], before.fence + 1)
