"""The original service's database is imported once: its pairs keep syncing, nothing is created
or announced twice, nothing is re-synced from scratch, and what cannot be imported is reported."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from app.sync.original import import_update, read_original
from testbed.sync import SyncHarness
from tests.support.footprint import OriginalService


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    return SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)  # no pass yet: a new bundle


@pytest.fixture
def original(pair) -> OriginalService:
    return OriginalService(pair.bot, pair.sim.url)


def migrate(pair: SyncHarness, original: OriginalService, count: int = 3, ran_for: timedelta = timedelta()) -> list:
    """The original's pairs, then `ran_for` of its running, then its database as it stopped."""
    pairs = [original.accept(pair.new_user_issue(f"issue {n}", status="Will Do")) for n in range(count)]
    pair.sim.site.clock.advance(ran_for.total_seconds())
    pair.clock.advance(seconds=ran_for.total_seconds())
    states = {key: "Will Do" for p in pairs for key in [p.user_key]} | {p.dev_key: "To Do" for p in pairs}
    original.write_database(pair.store.db, states, last_sync=pair.clock() - timedelta(minutes=1), pair_name="sync-ab")
    return pairs


def test_the_original_database_is_imported_once_and_its_pairs_keep_syncing(pair, original):
    pairs = migrate(pair, original)
    comments = sum(len(pair.comments(p.user_key)) for p in pairs)

    summary = pair.sync()

    record = pair.store.sync_state().original_import
    assert (record.mappings, record.unresolved) == (3, ())
    assert [pair.dev_key(p.user_key) for p in pairs] == [p.dev_key for p in pairs]
    assert len(pair.dev_issues()) == 3 and sum(len(pair.comments(p.user_key)) for p in pairs) == comments
    assert summary.counts.get("actions.create", 0) == 0
    assert read_original(pair.store.db).mappings, "the original's collections are left in place"

    first, second, third = pairs
    pair.move(first.dev_key, "In Progress")
    pair.move(second.dev_key, "In Progress", "Done", "Closed")
    pair.move(third.dev_key, "Cancelled")
    pair.sync()
    assert [pair.status(p.user_key) for p in pairs] == ["In Progress", "Resolved", "Cancelled"]
    pair.move(second.user_key, "Reopened")
    pair.sync()
    assert pair.status(second.dev_key) == "Reopened"
    pair.sync()
    assert pair.store.sync_state().original_import == record, "imported once"


def test_a_change_made_while_switching_over_is_still_a_change(pair, original):
    [moved] = migrate(pair, original, count=1)
    pair.move(moved.dev_key, "In Progress")  # after the original's last pass, before ours
    pair.sync()
    assert pair.status(moved.user_key) == "In Progress"


def test_a_key_jira_no_longer_knows_is_reported_not_dropped_silently(pair, original):
    pairs = migrate(pair, original, count=2)
    pair.human.delete_issue(pairs[1].dev_key)
    pair.sync()
    record = pair.store.sync_state().original_import
    assert record.mappings == 1
    assert record.unresolved == (f"{pairs[1].user_key} -> {pairs[1].dev_key}: {pairs[1].dev_key} not found in Jira",)


def test_no_full_resync_after_the_import(pair, original):
    migrate(pair, original, count=2, ran_for=timedelta(hours=1))
    for n in range(5):
        pair.human.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": f"new {n}"})
    summary = pair.sync()
    assert summary.counts["processed"] == 5, "only what changed since the original's last pass"


def test_plan_shows_the_import_and_writes_nothing(pair, original):
    pairs = migrate(pair, original, count=2)
    imported = pair.engine.preview_import()
    previews = pair.engine.preview(imported)
    assert "2 mapping(s) by id" in imported.summary()
    assert not [p for p in previews if p.plan.creates]
    assert pair.store.sync_state().original_import is None and pair.store.mapping_count() == 0
    assert pair.dev_key(pairs[0].user_key) is None


def test_plan_previews_what_the_first_pass_after_the_import_does(pair, original):
    """plan reads the state the import writes (watermarks, the original's baselines, the horizon
    of the full scan): a change made since the original's last pass is a change to both."""
    paired = original.accept(pair.new_user_issue("paired", status="Will Do"))
    waiting = pair.new_user_issue("never paired")  # the original saw it in To Do and did not pair it
    original.write_database(pair.store.db, {paired.user_key: "Will Do", paired.dev_key: "To Do", waiting: "To Do"},
                            last_sync=pair.clock() - timedelta(minutes=1), pair_name="sync-ab")
    pair.move(waiting, "Will Do")  # after the original's last pass: the creating rule

    imported = pair.engine.preview_import()
    previews = {preview.change.issue.key: preview for preview in pair.engine.preview(imported)}
    now = pair.clock()
    previewed_state = pair.store.sync_state().updated(import_update(imported, now))
    replace(pair.engine.original, clock=lambda: now).apply(imported)  # the import the first pass would run

    assert replace(pair.store.sync_state(), fence=None) == previewed_state
    assert previews[waiting].change.previous_status == "To Do" and previews[waiting].plan.creates
    summary = pair.sync()
    assert summary.counts.get("actions.create") == 1 and pair.dev_key(waiting) is not None
