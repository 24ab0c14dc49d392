"""Whether `resync` and `retry` may ask (app.cli.requesting): the key's pair, and a bundle that
will serve the request; each refusal says why and what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.cli.requesting import Refused, check_served, pair_of_key
from app.config import load_configs
from app.leases.store import Lease
from app.supervisord import ProcessInfo
from testbed.bundle import write_config_dir

NOW = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
LIVE = Lease("ab", "bundle-b", 3, NOW + timedelta(seconds=20), NOW - timedelta(minutes=5))
EXPIRED = Lease("ab", "bundle-a", 2, NOW - timedelta(seconds=1), NOW - timedelta(minutes=5))
RELEASED = Lease("ab", None, 2, NOW, NOW - timedelta(minutes=5), "bundle-a")


def process(state: str) -> ProcessInfo:
    return ProcessInfo("ab", "ab", state, 0, "", 0, 0, "", 0)


@pytest.mark.parametrize(("lease", "here", "answer"), [
    (LIVE, process("RUNNING"), "bundle-b"),
    (LIVE, process("STOPPED"), "bundle-b"),  # stopped here, held by another bundle: it serves
    (LIVE, None, "bundle-b"),  # supervisord not asked (another container)
    (RELEASED, process("STOPPED"), "pair ab is stopped here (supervisord: STOPPED) and no bundle holds it"),
    (EXPIRED, process("FATAL"), "pair ab is stopped here (supervisord: FATAL)"),
    (EXPIRED, process("RUNNING"), "no bundle holds pair ab's lease now"),
    (None, None, "no bundle holds pair ab's lease now"),
])
def test_a_request_goes_to_the_lease_holder_or_is_refused_saying_why(lease, here, answer):
    if answer.startswith("bundle-"):
        assert check_served("ab", lease, here, NOW) == answer
        return
    with pytest.raises(Refused, match=answer.replace("(", r"\(").replace(")", r"\)")):
        check_served("ab", lease, here, NOW)


def test_the_key_names_its_pair_by_project(tmp_path, monkeypatch):
    monkeypatch.setenv("REQ_TEST_TOKEN", "tok")
    configs = load_configs(write_config_dir(tmp_path / "config", "REQ_TEST_TOKEN",
                                            {"sync-ab": ("ab", "ABSUP", "ABDEV"), "sync-xy": ("xy", "XYSUP", "XYDEV")}))
    assert (pair_of_key(configs, "XYDEV-4").pair.name, pair_of_key(configs, "XYDEV-4").side) == ("xy", "dev")
    with pytest.raises(Refused, match=r"ZZZ-1 belongs to no pair: no valid pair has project 'ZZZ' \(valid pairs: ab"):
        pair_of_key(configs, "ZZZ-1")
