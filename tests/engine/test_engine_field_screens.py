"""The start check of the synced fields (issue 20) through the real client and the simulator over
HTTP: both projects' edit screens (Jira's edit metadata), the Dev project's create screen for the
issue type Dev issues are created as (Jira's create metadata, read page by page), a project
without issues judged by its create metadata, and `plan` printing the same problems."""

from __future__ import annotations

import pytest
import requests

from app.sync.field_screens import field_problems, field_screen_warnings
from testbed.sync import SyncHarness
from tests.support.plan_cli import run_plan

FIELDS = {"summary": "both", "description": "toDev", "priority": "both", "labels": "both", "duedate": "toUser"}
CREATE = "(Jira's create metadata)"
AFTER = "Dev issues are created without it, an edit after the creation sets it"


@pytest.fixture
def site(any_sim):
    return any_sim  # the demo site, on each deployment in turn


def harness(site, mongo_client, db_prefix, tmp_path, fields=FIELDS) -> SyncHarness:
    deployment = site.site.deployment
    return SyncHarness(site, mongo_client[f"{db_prefix}-{deployment}"], tmp_path, deployment=deployment, fields=fields)


def test_a_field_sent_at_creation_but_off_the_dev_create_screen_is_named(site, mongo_client, db_prefix, tmp_path):
    pair = harness(site, mongo_client, db_prefix, tmp_path)
    pair.new_user_issue()
    pair.human.create_issue({"project": {"key": "ABDEV"}, "issuetype": {"name": "Bug"}, "summary": "dev work"})
    pair.admin("PATCH", "projects/ABDEV", offCreate=["labels", "duedate"], offEdit=["duedate"])

    warnings = field_screen_warnings(pair.config, pair.bot)

    assert warnings == [
        "fields.duedate: not on the edit screen of ABDEV (Jira's edit metadata)",
        f"fields.labels: not on the create screen of ABDEV for Bug {CREATE}: {AFTER}"], \
        "duedate goes toUser only: its absence from the create screen is no problem"


def test_projects_without_issues_are_judged_by_their_create_metadata(site, mongo_client, db_prefix, tmp_path):
    pair = harness(site, mongo_client, db_prefix, tmp_path)
    team = pair.admin("POST", "fields", name="Team", kind="text", projects=["ABDEV"])
    pair.admin("PATCH", "projects/ABDEV", offCreate=["priority"])
    config = pair.config.model_copy(update={"fields": {**FIELDS, team["id"]: "toUser"}})

    warnings = field_screen_warnings(config, pair.bot)

    no_issue = "has no issue yet whose edit metadata to read)"
    assert warnings == [
        f"fields.{team['id']}: not on the create screen of ABSUP for any issue type (Jira's create metadata; ABSUP "
        + no_issue,
        "fields.priority: not on the create screen of ABDEV for Bug (Jira's create metadata; ABDEV " + no_issue]


def test_an_issue_type_the_dev_project_lacks_is_named(site, mongo_client, db_prefix, tmp_path):
    pair = harness(site, mongo_client, db_prefix, tmp_path)
    config = pair.config.model_copy(update={"dev_issue_type": "Incident"})
    assert field_screen_warnings(config, pair.bot) == [
        "fields: ABDEV has no issue type 'Incident' to create issues as (Jira's create metadata)"]


def test_create_metadata_is_read_page_by_page(site, mongo_client, db_prefix, tmp_path):
    pair = harness(site, mongo_client, db_prefix, tmp_path)
    whole = pair.bot.create_metadata("ABDEV", "Bug")
    pair.reset_requests()

    paged = pair.bot.create_metadata("ABDEV", "Bug", page_size=2)

    assert paged == whole and {"summary", "priority", "labels", "project", "issuetype"} <= set(whole or {})
    log = requests.get(f"{site.url}/_sim/requests", timeout=5).json()["requests"]
    pages = [r for r in log if "/issue/createmeta/ABDEV/issuetypes/" in r["path"]]
    assert len(pages) == -(-len(whole or {}) // 2), "one request per page of two, no more"
    assert pair.bot.create_metadata("ABDEV", "Incident") is None


def test_a_field_that_cannot_be_set_is_named():
    screen = {"labels": {"name": "Labels", "operations": ["add", "remove"]}, "summary": {"operations": ["set"]}}
    assert field_problems(["labels", "summary"], "ABDEV", screen) == [
        "fields.labels: cannot be set on the edit screen of ABDEV (Jira's edit metadata) (its operations: add, remove)"]


def test_plan_prints_the_field_problems_the_start_check_finds(jira_sim, mongo_uri, mongo_client, db_prefix, tmp_path):
    pair_db = f"{db_prefix}-ab"
    pair = SyncHarness(jira_sim, mongo_client[pair_db], tmp_path, fields=FIELDS)
    pair.admin("PATCH", "projects/ABDEV", offCreate=["labels"])

    result = run_plan(tmp_path, mongo_uri, pair_db)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("config warning:")] == [
        f"config warning: {problem}" for problem in field_screen_warnings(pair.config, pair.bot)]
    assert any("fields.labels: not on the create screen of ABDEV for Bug" in line for line in lines)
    assert lines[-1].endswith("nothing was written")


def test_validate_asks_jira_about_the_fields_as_the_start_check_does(jira_sim, mongo_uri, mongo_client, db_prefix,
                                                                     tmp_path):
    pair_db = f"{db_prefix}-ab"
    pair = SyncHarness(jira_sim, mongo_client[pair_db], tmp_path, fields=FIELDS)
    pair.admin("PATCH", "projects/ABDEV", offCreate=["labels"])

    result = run_plan(tmp_path, mongo_uri, pair_db, "validate")

    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("WARNING")]
    expected = field_screen_warnings(pair.config, pair.bot)
    assert [line.split(": ", 1)[1] for line in warnings] == expected
    assert any("fields.labels: not on the create screen of ABDEV for Bug" in line for line in warnings)
