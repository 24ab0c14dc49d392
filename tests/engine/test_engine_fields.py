"""Field sync (issue 20) through the real engine, the simulator over HTTP and a real MongoDB: each
direction, normalised comparison (no write when equal), the later change wins by the field's
changelog time, no echo, a refused value is a pending failure while the other fields go through,
the description keeps its link line, and a crash between a write and its baseline writes nothing
twice."""

from __future__ import annotations

from typing import Any

import pytest

from app.jira import JiraClient
from app.sync.engine import Engine
from app.sync.failures import FailureKind
from app.sync.field_screens import field_problems, field_screen_warnings
from app.sync.field_sync import READ_AHEAD_SECONDS
from app.trace.lines import event_lines
from jira_sim.seed import demo_seed
from jira_sim.server import SimulatorServer
from testbed.sync import SyncHarness
from tests.support.faults import Crash, CrashingOnCallStore

FIELDS = {"summary": "both", "description": "toDev", "priority": "both", "labels": "both", "duedate": "toUser",
          "fixVersions": "both", "assignee": "none"}


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path, fields=FIELDS)
    harness.admin("PATCH", "projects/ABSUP", versions=["1.0", "9.9"])
    harness.admin("PATCH", "projects/ABDEV", versions=["1.0"])
    harness.sync()
    return harness


def accepted(pair: SyncHarness, **fields: Any) -> tuple[str, str]:
    user_key = pair.new_user_issue(status="Will Do", **fields)
    pair.sync()
    dev_key = pair.dev_key(user_key)
    assert dev_key
    pair.sync()  # the Dev issue's first sighting
    return user_key, dev_key


def read(pair: SyncHarness, key: str, name: str) -> Any:
    return pair.human.get_issue(key, fields=[name])["fields"].get(name)


def edit(pair: SyncHarness, key: str, **fields: Any) -> None:
    pair.admin("POST", "clock/advance", seconds=5)
    pair.human.edit_issue(key, fields)


def field_writes(pair: SyncHarness) -> list[str]:
    return [write for write in pair.bot_writes() if write.startswith("PUT ") and "/transitions" not in write]


def test_a_user_edit_reaches_dev_once_and_is_not_echoed(pair):
    user_key, dev_key = accepted(pair)
    edit(pair, user_key, summary="Printer on fire, third floor", labels=["fire", "hardware"])
    pair.reset_requests()
    summary = pair.sync()

    assert read(pair, dev_key, "summary") == "Printer on fire, third floor"
    assert sorted(read(pair, dev_key, "labels")) == ["fire", "hardware"]
    assert len(field_writes(pair)) == 1, "both fields in one PUT"
    assert summary.counts.get("fields.updated.user_to_dev") == 2
    pair.reset_requests()
    for _ in range(2):
        pair.sync()
    assert field_writes(pair) == [], "the sync's own write is recognised by the baseline"


def test_a_dev_edit_reaches_user_where_the_direction_allows(pair):
    user_key, dev_key = accepted(pair)
    edit(pair, dev_key, duedate="2027-01-15", priority={"name": "High"})
    pair.sync()
    assert read(pair, user_key, "duedate") == "2027-01-15"
    assert read(pair, user_key, "priority")["name"] == "High"
    edit(pair, dev_key, description="Dev's own notes")
    pair.sync()
    assert "Dev's own notes" not in (read(pair, user_key, "description") or ""), "description goes toDev only"


def test_equal_values_in_another_order_write_nothing(pair):
    user_key, dev_key = accepted(pair, labels=["b", "a"])
    assert sorted(read(pair, dev_key, "labels")) == ["a", "b"], "created with its fields"
    edit(pair, dev_key, labels=["a", "b"])
    edit(pair, user_key, summary="Printer on fire  ")
    pair.reset_requests()
    pair.sync()
    assert field_writes(pair) == []


def test_both_changed_the_later_change_of_the_field_wins_not_the_later_issue(pair):
    user_key, dev_key = accepted(pair)
    edit(pair, user_key, summary="User's summary")
    edit(pair, dev_key, summary="Dev's summary")  # later, for this field
    edit(pair, user_key, labels=["later-edit"])  # the User issue's `updated` is the latest
    pair.sync()

    assert read(pair, user_key, "summary") == read(pair, dev_key, "summary") == "Dev's summary"
    assert read(pair, dev_key, "labels") == ["later-edit"]
    [conflict] = list(pair.store.db.events.find({"event": "field.conflict"}))
    assert (conflict["field"], conflict["value"], conflict["lostValue"]) == ("summary", "Dev's summary",
                                                                           "User's summary")
    assert conflict["devChangedAt"] > conflict["userChangedAt"]
    [line] = event_lines(conflict)
    assert all(words in line.text for words in ("later change", "Dev's summary", "User's summary", "lost")), line.text
    pair.reset_requests()
    pair.sync()
    assert field_writes(pair) == []


def test_a_value_the_partner_cannot_take_is_a_pending_failure_and_the_rest_goes_through(pair):
    user_key, dev_key = accepted(pair)
    edit(pair, user_key, fixVersions=[{"name": "9.9"}], summary="Needs 9.9")
    pair.sync()

    assert read(pair, dev_key, "summary") == "Needs 9.9"
    [failure] = [f for f in pair.store.pending_failures() if f.kind is FailureKind.FIELD]
    assert "fixVersions" in failure.last_error and "9.9" in failure.last_error
    assert pair.store.db.events.count_documents({"event": "field.failed", "field": "fixVersions"}) == 1
    pair.admin("PATCH", "projects/ABDEV", versions=["1.0", "9.9"])
    pair.clock.advance(hours=1)  # the failure is due
    pair.sync()
    assert [v["name"] for v in read(pair, dev_key, "fixVersions")] == ["9.9"]
    assert not [f for f in pair.store.pending_failures() if f.kind is FailureKind.FIELD]


def test_the_description_keeps_the_link_line(pair):
    user_key, dev_key = accepted(pair, description="First words")
    edit(pair, user_key, description="Second words")
    pair.sync()
    text = read(pair, dev_key, "description")
    assert text.startswith("Second words")
    assert f"/browse/{user_key}" in text.splitlines()[-1]


def test_a_crash_between_the_write_and_its_baseline_writes_nothing_twice(pair):
    user_key, dev_key = accepted(pair)
    edit(pair, user_key, summary="Written once")
    crashing = CrashingOnCallStore(pair.store.db, "save_field_baseline", 1, Crash("killed"), fence=1)
    with pytest.raises(Crash):
        pair.new_engine(crashing).run_pass()
    assert read(pair, dev_key, "summary") == "Written once"
    pair.reset_requests()
    pair.sync()
    pair.sync()
    assert field_writes(pair) == []
    assert pair.store.field_baselines(pair.store.mapping_for("dev", str(read_id(pair, dev_key))).user_id)[
        "summary"].plain == "Written once"


def read_id(pair: SyncHarness, key: str) -> str:
    return str(pair.human.get_issue(key, fields=["summary"])["id"])


def test_a_created_dev_issue_carries_the_fields_and_starts_equal(pair):
    user_key = pair.new_user_issue(status="Will Do", labels=["b", "a"], fixVersions=[{"name": "1.0"}],
                                   duedate="2027-02-01")
    pair.reset_requests()
    pair.sync()
    dev_key = pair.dev_key(user_key)
    assert sorted(read(pair, dev_key, "labels")) == ["a", "b"]
    assert [v["name"] for v in read(pair, dev_key, "fixVersions")] == ["1.0"]
    assert read(pair, dev_key, "duedate") is None, "duedate goes toUser only"
    for _ in range(2):
        pair.sync()
    assert field_writes(pair) == [], "no field is written after the creation"


def test_a_field_write_to_the_partner_never_drops_a_status_change_waiting_for_its_retry(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress", "Done")
    pair.sync()
    pair.move(dev_key, "Reopened")
    edit(pair, dev_key, priority={"name": "High"})
    for _ in range(2):  # the status change fails (no way to Reopened there) and is retried
        pair.clock.advance(minutes=6)
        pair.sync()
    assert read(pair, user_key, "priority")["name"] == "High"
    [failure] = pair.store.pending_failures()
    assert failure.kind is FailureKind.CHANGE and failure.change.issue_key == dev_key, \
        "the field write to the User issue does not make the Dev issue's status change look older than it"


def test_a_field_edit_of_an_issue_the_same_pass_moves_follows_in_that_pass(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress")
    edit(pair, user_key, summary="Printer on fire, smoke seen")  # the User issue's version is the newer one
    pair.sync()
    assert pair.status(user_key) == "In Progress"
    assert read(pair, dev_key, "summary") == "Printer on fire, smoke seen"


def test_the_worker_start_names_fields_off_a_screen(pair):
    dev_only = pair.admin("POST", "fields", name="Team", kind="text", projects=["ABDEV"])
    pair.admin("PATCH", "projects/ABDEV", offEdit=["duedate"])
    accepted(pair)
    config = pair.config.model_copy(update={"fields": {**FIELDS, dev_only["id"]: "both"}})

    warnings = field_screen_warnings(config, pair.bot)

    assert sorted(warnings) == sorted([
        "fields.duedate: not on the edit screen of ABDEV (Jira's edit metadata)",
        f"fields.{dev_only['id']}: not on the edit screen of ABSUP (Jira's edit metadata)"])


def test_a_custom_type_the_sync_cannot_copy_is_named():
    screen = {"customfield_1": {"name": "Location", "schema": {
        "custom": "com.atlassian.jira.plugin.system.customfieldtypes:cascadingselect"}},
              "customfield_2": {"name": "Team", "schema": {"custom": "com.atlassian.jira.plugin.system.customfieldtypes:select"}}}
    assert field_problems(["customfield_1", "customfield_2"], "ABDEV", screen) == [
        "fields.customfield_1: Location on ABDEV is of type com.atlassian.jira.plugin.system.customfieldtypes:"
        "cascadingselect, which the sync cannot copy"]


def test_plan_prints_each_field_write_and_writes_nothing(pair):
    from app.cli.plan import plan_lines
    user_key, dev_key = accepted(pair)
    edit(pair, user_key, summary="Previewed", labels=["p"])
    pair.reset_requests()

    lines = plan_lines([], None, [], pair.engine.preview_fields())

    assert f"{user_key} [user] field summary -> dev: 'Previewed'" in lines
    assert f"{user_key} [user] field labels -> dev: ['p']" in lines
    assert lines[-1].endswith("2 field write(s); nothing was written")
    assert pair.bot_writes() == [] and read(pair, dev_key, "summary") != "Previewed"


def test_on_data_center_the_later_change_wins_by_the_expanded_changelog(mongo_client, db_prefix, tmp_path):
    sim = SimulatorServer(demo_seed(), deployment="datacenter").start()
    try:
        pair = SyncHarness(sim, mongo_client[f"{db_prefix}-dc"], tmp_path, deployment="datacenter", fields=FIELDS)
        pair.sync()
        user_key, dev_key = accepted(pair, description="Words")
        edit(pair, dev_key, summary="Dev's summary", labels=["dev"])
        edit(pair, user_key, summary="User's summary", description="Other words")  # later, for summary
        pair.reset_requests()
        pair.sync()
        made = requests_made(pair)
        assert not [r for r in made if "bulkfetch" in r], "Data Center has no bulkfetch"
        assert f"GET /rest/api/2/issue/{read_id(pair, dev_key)}" in made, "the partner is read by its GET"
        assert read(pair, dev_key, "summary") == read(pair, user_key, "summary") == "User's summary"
        assert read(pair, user_key, "labels") == ["dev"]
        assert read(pair, dev_key, "description").startswith("Other words\n\nUser issue: ")
        pair.reset_requests()
        pair.sync()
        assert field_writes(pair) == []
    finally:
        sim.stop()


def requests_made(pair: SyncHarness) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in pair.admin("GET", "requests")["requests"]]


def test_a_pass_reads_the_partners_of_its_changed_issues_in_one_bulkfetch(pair):
    pairs = [accepted(pair, summary=f"Printer {n}") for n in range(3)]
    dev_ids = {read_id(pair, dev_key) for _, dev_key in pairs}
    for n, (user_key, _) in enumerate(pairs):
        edit(pair, user_key, summary=f"Printer {n} on fire")
    pair.reset_requests()
    pair.sync()

    assert [read(pair, dev_key, "summary") for _, dev_key in pairs] == [f"Printer {n} on fire" for n in range(3)]
    made = requests_made(pair)
    assert made.count("POST /rest/api/3/issue/bulkfetch") == 1
    assert not [r for r in made if r.startswith("GET ") and r.rsplit("/", 1)[-1] in dev_ids], \
        "no partner is read by its own GET"
    pair.reset_requests()
    pair.sync()
    assert "POST /rest/api/3/issue/bulkfetch" not in requests_made(pair), "nothing changed: nothing read ahead"


def test_when_the_read_ahead_fails_each_partner_is_read_alone(pair):
    user_key, dev_key = accepted(pair)
    edit(pair, user_key, summary="Read alone")
    pair.admin("POST", "config", faults={"next_errors": 10, "error_status": 500, "path_contains": "/bulkfetch"})
    pair.reset_requests()
    pair.sync()
    pair.admin("POST", "config", faults={"next_errors": 0})
    assert read(pair, dev_key, "summary") == "Read alone"
    assert f"GET /rest/api/3/issue/{read_id(pair, dev_key)}" in requests_made(pair)


class PersonActsAfterTheReadAhead(JiraClient):
    """The bot's client; right after the pass reads the partners ahead, a person edits one."""

    then: Any = None

    def bulk_fetch(self, keys_or_ids, fields):
        answer = super().bulk_fetch(keys_or_ids, fields)
        if self.then is not None:
            self.then()
        return answer


def test_a_label_a_person_adds_on_the_partner_meanwhile_survives_the_copy(pair):
    user_key, dev_key = accepted(pair, labels=["printer", "floor3"])
    edit(pair, user_key, labels=["printer", "fire"])
    bot = PersonActsAfterTheReadAhead.from_config(pair.config.jira, site=pair.site, sleep=lambda seconds: None)
    bot.then = lambda: pair.human.edit_issue(dev_key, {"labels": ["printer", "floor3", "urgent"]})
    engine = Engine(pair.config, bot, pair.store, time_zone="UTC", clock=pair.clock)
    engine.run_pass()

    assert sorted(read(pair, dev_key, "labels")) == ["fire", "printer", "urgent"], "added and removed, not replaced"
    bot.then = None
    engine.run_pass()  # the person's label is a Dev change now: it goes to the User issue
    assert sorted(read(pair, user_key, "labels")) == sorted(read(pair, dev_key, "labels")) == ["fire", "printer", "urgent"]
    pair.reset_requests()
    engine.run_pass()
    assert field_writes(pair) == [], "both sides equal: nothing more written"


def test_a_conflict_decided_by_a_change_deeper_than_one_changelog_page(pair):
    user_key, dev_key = accepted(pair)
    for n in range(220):  # more than two pages of changes to fields the other side does not take
        pair.human.edit_issue(dev_key, {"description": f"Dev notes {n}"})
    edit(pair, dev_key, summary="Dev's summary")  # on the Dev issue's last page
    edit(pair, user_key, summary="User's summary")  # the later change of the field, then buried:
    for day in range(1, 221):
        pair.human.edit_issue(user_key, {"duedate": f"2027-{1 + day // 28:02d}-{1 + day % 28:02d}"})
    assert pair.human._get(f"/issue/{user_key}/changelog")["total"] > 200
    pair.reset_requests()
    pair.sync()

    assert read(pair, dev_key, "summary") == read(pair, user_key, "summary") == "User's summary"
    [conflict] = list(pair.store.db.events.find({"event": "field.conflict"}))
    assert conflict["userChangedAt"] > conflict["devChangedAt"]
    made = requests_made(pair)
    user_pages = [r for r in made if r.endswith(f"/issue/{read_id(pair, user_key)}/changelog")]
    dev_pages = [r for r in made if r.endswith(f"/issue/{read_id(pair, dev_key)}/changelog")]
    assert len(user_pages) == 3, "the first page (for its total), then from the last page back to the second"
    assert len(dev_pages) == 2, "the first page, then the last, where the change is: no further"


def test_a_partner_read_ahead_longer_ago_than_the_window_is_read_again_before_it_is_written(pair):
    """A slow pass: a person edits the partner's summary after the read-ahead, which is older than
    READ_AHEAD_SECONDS when the partner's turn comes. It is read again, the person's later change is
    seen, and it wins (a conflict), instead of being overwritten unseen."""
    user_key, dev_key = accepted(pair)
    edit(pair, user_key, summary="Support's summary")
    bot = PersonActsAfterTheReadAhead.from_config(pair.config.jira, site=pair.site, sleep=lambda seconds: None)

    def person_edits_while_the_pass_is_slow():
        bot.then = None
        edit(pair, dev_key, summary="Development's summary")
        pair.clock.advance(seconds=READ_AHEAD_SECONDS + 1)
    bot.then = person_edits_while_the_pass_is_slow
    pair.reset_requests()
    Engine(pair.config, bot, pair.store, time_zone="UTC", clock=pair.clock).run_pass()

    assert read(pair, user_key, "summary") == read(pair, dev_key, "summary") == "Development's summary"
    assert requests_made(pair).count("POST /rest/api/3/issue/bulkfetch") == 2, "read ahead, then again"
