"""`reload`: the pure decisions (tables) and their application to a real supervisord."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.bundle.reload import Kept, ReloadPlan, apply_reload, bundle_interpreter, keep_running, plan_reload, settle_scan
from app.bundle.render import Program, health_program, worker_program
from app.config import ConfigError, LoadedPair, LoadResult
from app.settings import Settings
from testbed.waiting import wait_for
from tests.support.supervisord import Supervisord, sleeper

INFRA = ["health", "watchdog"]
CONFIG = Path("/srv/config")


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


def test_a_kept_pair_is_never_restarted_even_if_supervisord_sees_a_change():
    assert plan_reload(INFRA + ["sync-a", "sync-b"], INFRA + ["sync-a", "sync-b"], ["sync-a", "sync-b"],
                       kept=["sync-a"]) == ReloadPlan(restart=("sync-b",))


def worker(name: str, file: str | None = None, fingerprint: str = "f1"):
    path = CONFIG / (file or f"{name}.json")
    return worker_program(LoadedPair(name, path, None, fingerprint), name, python="/usr/bin/python3")


def valid(name: str, file: str | None = None) -> LoadedPair:
    return LoadedPair(name, CONFIG / (file or f"{name}.json"), None, "f2")


def problem(file: str, field: str = "", message: str = "invalid JSON at line 3, column 1: Expecting value") -> ConfigError:
    return ConfigError(str(CONFIG / file), field, message)


def copy_of_a(file: str) -> list[ConfigError]:
    return [problem("sync-a.json", "name", f"pair name 'sync-a' is also used by {CONFIG / file}"),
            problem(file, "name", f"pair name 'sync-a' is also used by {CONFIG / 'sync-a.json'}")]


RUNNING = {"sync-a": worker("sync-a"), "sync-b": worker("sync-b")}


@pytest.mark.parametrize(("pairs", "errors", "kept"), [
    pytest.param([valid("sync-a"), valid("sync-b")], [], [], id="both valid: nothing kept"),
    pytest.param([valid("sync-b")], [problem("sync-a.json")], ["sync-a"], id="its file saved half-written"),
    pytest.param([valid("sync-b")], copy_of_a("sync-a-copy.json"), ["sync-a"], id="a copy of its file appears"),
    pytest.param([valid("sync-b")], copy_of_a("sync-link.json"), ["sync-a"], id="a symlink to its file appears"),
    pytest.param([valid("sync-b")],
                 [problem("sync-a.json", "userProjectKey", "project ASUP is also used by /srv/config/sync-z.json"),
                  problem("sync-z.json", "userProjectKey", "project ASUP is also used by /srv/config/sync-a.json")],
                 ["sync-a"], id="another pair on its projects"),
    pytest.param([valid("sync-b")], [], [], id="its file deleted: removed"),
    pytest.param([valid("sync-b")], [problem("sync-x.json")], [], id="its file deleted, another file broken"),
    pytest.param([valid("sync-b"), valid("sync-c", "sync-a.json")], [], [], id="its file now names another pair"),
    pytest.param([valid("sync-b"), valid("sync-a", "sync-a2.json")], [problem("sync-a.json")], [],
                 id="a valid file of the same name replaces it"),
    pytest.param([], [problem("sync-a.json"), problem("sync-b.json", "rules", "at least 1 item")],
                 ["sync-a", "sync-b"], id="every file broken: every pair runs on"),
])
def test_keep_running(pairs, errors, kept):
    decided = keep_running(RUNNING, LoadResult(pairs, errors, CONFIG))

    assert list(decided) == kept
    for name in kept:
        assert decided[name].program == RUNNING[name]
        assert decided[name].problems == tuple(e for e in errors if e.file == str(CONFIG / f"{name}.json"))


def test_keep_running_compares_files_as_absolute_paths_and_judges_workers_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = LoadedPair("sync-a", Path("config/sync-a.json"), None, "f1")
    running = {"sync-a": worker_program(relative, "sync-a"),
               "health": health_program(Settings(mongo_uri="mongodb://unused.invalid/"))}
    broken = ConfigError("config/sync-a.json", "", "invalid JSON")

    decided = keep_running(running, LoadResult([], [broken, ConfigError("health", "", "x")], Path("config")))

    assert decided == {"sync-a": Kept(running["sync-a"], (broken,))}


def test_a_kept_pair_is_rendered_as_it_runs_and_planned_untouched():
    """The two decisions together, as `reload` takes them: what to render, then what to do."""
    scan = LoadResult([valid("sync-b"), valid("sync-c")], copy_of_a("sync-a-copy.json"), CONFIG)
    kept = keep_running(RUNNING, scan)
    desired = INFRA + sorted(["sync-b", "sync-c", *kept])

    plan = plan_reload(INFRA + list(RUNNING), desired, changed=["sync-b"], kept=kept)

    assert plan == ReloadPlan(add=("sync-c",), restart=("sync-b",))


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


def test_a_kept_pair_holds_its_projects_against_new_files_and_a_refused_running_pair_is_kept_in_turn(tmp_path):
    """Issue 17: sync-a runs on ASUP/ADEV while its file is half-written, so its file names no
    project; sync-z, new on ASUP, must not start. sync-c runs too, and its file now names ADEV:
    refused, so sync-c keeps its last good config rather than being removed."""
    from app.config import load_configs
    from app.config.loader import project_id, site_identity
    from testbed.bundle import pair_config

    site = "https://jira.example.test"
    for name, user, dev in (("sync-z", "ASUP", "ZDEV"), ("sync-b", "BSUP", "BDEV"), ("sync-c", "CSUP", "ADEV")):
        (tmp_path / f"{name}.json").write_text(json.dumps(pair_config(name, site, user, dev, "JIRA_TOKEN")))
    (tmp_path / "sync-a.json").write_text('{"name": "sync-a", "jira": {"baseU')

    def running_on(name: str, *keys: str) -> Program:
        ids = tuple(project_id(site_identity(site), key) for key in keys)
        return worker_program(LoadedPair(name, tmp_path / f"{name}.json", None, "f0", projects=ids), name)

    running = {"sync-a": running_on("sync-a", "ASUP", "ADEV"), "sync-c": running_on("sync-c", "CSUP", "CDEV")}

    settled, kept = settle_scan(running, load_configs(tmp_path, environ={"JIRA_TOKEN": "tok-123456789"}))

    assert [pair.name for pair in settled.pairs] == ["sync-b"]
    assert sorted(kept) == ["sync-a", "sync-c"]
    assert kept["sync-c"].program == running["sync-c"]
    refused = {(Path(e.file).name, e.field): e.message for e in settled.errors if "running pair" in e.message}
    assert set(refused) == {("sync-z.json", "userProjectKey"), ("sync-c.json", "devProjectKey")}
    assert "project ASUP is synced by the running pair sync-a" in refused[("sync-z.json", "userProjectKey")]


def test_the_bundles_interpreter_is_the_one_its_programs_were_rendered_with():
    running = {"sync-a": worker("sync-a"), "health": health_program(Settings(mongo_uri="mongodb://unused.invalid/"),
                                                                    python="/opt/venv/bin/python")}

    assert bundle_interpreter(running) == "/opt/venv/bin/python"
    assert bundle_interpreter({}) is None
