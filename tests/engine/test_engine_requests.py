"""An operator's requests served by the engine at the start of a pass (app.sync.requests,
Engine._serve_requests), against the simulator and the real MongoDB: a resync of an issue in
step writes nothing, a resync acts on a change no pass has seen, a resync Jira refuses is
finished with Jira's words (it must not stay waiting: that would end every sleep of the loop)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests as http

from app.sync import requests
from app.sync.requests import RequestKind
from testbed.sync import SyncHarness


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    harness.sync()  # first pass: the (empty) baseline
    return harness


def ask(pair: SyncHarness, key: str) -> str:
    return requests.ask(pair.store.db.requests, RequestKind.RESYNC, key, datetime.now(UTC)).id


def outcome(pair: SyncHarness, request_id: str) -> str | None:
    served = requests.read(pair.store.db.requests, request_id)
    assert served is not None and served.done
    return served.outcome


def test_a_resync_of_an_issue_in_step_writes_nothing_and_one_that_missed_a_change_acts(pair):
    user = pair.new_user_issue(status="Will Do")
    pair.sync()
    dev = pair.dev_key(user)
    assert dev is not None
    pair.reset_requests()
    request_id = ask(pair, user)
    pair.sync()
    assert outcome(pair, request_id) == f"{user} (Will Do) re-read; {dev} (To Do) re-read; 0 action(s) taken"
    assert pair.bot_writes() == []

    pair.move(dev, "In Progress")
    request_id = ask(pair, dev)
    summary = pair.engine.run_pass(should_stop=lambda: False)
    assert outcome(pair, request_id).endswith("1 action(s) taken")
    assert pair.status(user) == "In Progress"
    assert summary.counts.get("actions.transition") == 1, "the pass's own search did not do it twice"
    assert len(pair.dev_issues()) == 1


def test_a_resync_jira_refuses_is_finished_with_its_words(pair, jira_sim):
    user = pair.new_user_issue()
    pair.sync()
    http.post(f"{jira_sim.url}/_sim/config", timeout=5,
              json={"faults": {"error_rate": 1.0, "error_status": 400, "path_contains": f"/issue/{user}"}})
    request_id = ask(pair, user)
    pair.engine.run_pass()
    assert outcome(pair, request_id).startswith("not done: Jira answered")
    assert not requests.any_waiting(pair.store.db.requests)
    http.post(f"{jira_sim.url}/_sim/config", timeout=5, json={"faults": {"error_rate": 0.0, "path_contains": ""}})
    request_id = ask(pair, "ABSUP-999")
    pair.engine.run_pass()
    assert outcome(pair, request_id) == "ABSUP-999 not found in Jira"
