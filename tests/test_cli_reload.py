"""`reload`: the pure plan (table) and its application to a real supervisord."""

from __future__ import annotations

import pytest

from app.bundle.reload import ReloadPlan, apply_reload, plan_reload
from tests.support.supervisord import Supervisord, sleeper
from tests.support.waiting import wait_for

INFRA = ["health", "watchdog"]


@pytest.mark.parametrize(
    ("running", "desired", "changed", "expected"),
    [
        pytest.param(INFRA + ["sync-ab"], INFRA + ["sync-ab"], [], ReloadPlan(), id="nothing to do"),
        pytest.param(INFRA + ["sync-ab"], INFRA + ["sync-ab", "sync-cd"], [],
                     ReloadPlan(add=("sync-cd",)), id="new config file -> add"),
        pytest.param(INFRA + ["sync-ab", "sync-cd"], INFRA + ["sync-ab"], [],
                     ReloadPlan(remove=("sync-cd",)), id="deleted config file -> remove"),
        pytest.param(INFRA + ["sync-ab", "sync-cd"], INFRA + ["sync-ab", "sync-cd"], ["sync-cd"],
                     ReloadPlan(restart=("sync-cd",)), id="changed fingerprint -> restart that pair only"),
        pytest.param(INFRA + ["sync-ab"], INFRA + ["sync-ab", "sync-cd"], ["sync-cd"],
                     ReloadPlan(add=("sync-cd",)), id="changed but not running -> add, not restart"),
        pytest.param(INFRA + ["sync-ab", "sync-old"], INFRA + ["sync-ab", "sync-new"], ["sync-old", "health"],
                     ReloadPlan(add=("sync-new",), remove=("sync-old",), restart=("health",)),
                     id="rename plus a changed infrastructure program"),
        pytest.param([], ["mongodb", *INFRA], [], ReloadPlan(add=("mongodb", *INFRA)),
                     id="empty supervisord -> add in render order"),
        pytest.param(INFRA + ["sync-b", "sync-a"], INFRA, [], ReloadPlan(remove=("sync-a", "sync-b")),
                     id="removals sorted"),
    ],
)
def test_plan_reload(running, desired, changed, expected):
    assert plan_reload(running, desired, changed) == expected


def test_plan_reload_empty_property():
    assert ReloadPlan().empty
    assert not ReloadPlan(add=("x",)).empty


def test_reload_adds_removes_and_restarts_while_the_others_keep_running(tmp_path):
    server = Supervisord(tmp_path / "rt").start(
        [sleeper("keep", "f1"), sleeper("change", "f1"), sleeper("gone", "f1")]
    )
    try:
        rpc = server.rpc()
        before = rpc.process_states()
        new_programs = [sleeper("keep", "f1"), sleeper("change", "f2"), sleeper("fresh", "f1")]
        server.write(new_programs)

        outcome = apply_reload(rpc, [program.name for program in new_programs])

        assert outcome.plan == ReloadPlan(add=("fresh",), remove=("gone",), restart=("change",))
        assert outcome.failures == {}
        after = wait_for(
            lambda: (states := rpc.process_states())
            and all(states.get(n) and states[n].statename == "RUNNING" for n in ("keep", "change", "fresh"))
            and states,
            what="every desired program RUNNING",
        )
        assert set(after) == {"keep", "change", "fresh"}
        assert after["keep"].pid == before["keep"].pid
        assert after["keep"].start == before["keep"].start
        assert after["change"].pid != before["change"].pid
    finally:
        assert server.stop() == 0


def test_a_second_reload_with_nothing_changed_does_nothing(tmp_path):
    programs = [sleeper("one", "f1"), sleeper("two", "f1")]
    server = Supervisord(tmp_path / "rt").start(programs)
    try:
        rpc = server.rpc()
        before = rpc.process_states()
        server.write(programs)

        outcome = apply_reload(rpc, [program.name for program in programs])

        assert outcome.plan.empty
        assert {name: info.pid for name, info in rpc.process_states().items()} == {
            name: info.pid for name, info in before.items()
        }
    finally:
        server.stop()
