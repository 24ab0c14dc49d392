"""`entrypoint.py plan <pair>`: a dry run that prints what a pass would do and writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import requests

from testbed.bundle import ROOT
from testbed.sync import SyncHarness
from tests.support.plan_cli import run_plan


def snapshot(database) -> dict[str, list]:
    return {name: sorted(database[name].find(), key=str) for name in database.list_collection_names()}


def test_plan_prints_the_actions_and_writes_nothing(jira_sim, mongo_uri, mongo_client, db_prefix, tmp_path):
    pair_db = f"{db_prefix}-ab"
    pair = SyncHarness(jira_sim, mongo_client[pair_db], tmp_path)
    pair.sync()
    user_key = pair.new_user_issue(summary="Printer on fire", status="Will Do")
    before = snapshot(mongo_client[pair_db])
    pair.reset_requests()

    result = run_plan(tmp_path, mongo_uri, pair_db)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{user_key} [user] (new) -> Will Do rule=user-will-do: create Bug in ABDEV") for line in lines)
    assert any(f"comment on the user issue of {user_key}" in line for line in lines)
    assert lines[-1].endswith("nothing was written")
    log = requests.get(f"{jira_sim.url}/_sim/requests", timeout=5).json()["requests"]
    assert [r for r in log if r["method"] != "GET" and "/search" not in r["path"]] == []
    assert snapshot(mongo_client[pair_db]) == before
    assert pair.dev_issues() == []


def test_plan_names_the_valid_pairs_when_the_pair_is_unknown(tmp_path, mongo_uri):
    result = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py"), "plan", "sync-nope"],
        cwd=ROOT,
        env={**os.environ, "CONFIG_DIR": str(tmp_path), "MONGO_URI": mongo_uri},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "no valid pair named 'sync-nope'" in result.stderr


def test_plan_prints_each_comment_copy_it_would_make_and_writes_nothing(jira_sim, mongo_uri, mongo_client, db_prefix,
                                                                       tmp_path):
    pair_db = f"{db_prefix}-ab"
    comments = {"toDev": "all", "toUser": "internal", "followEdits": True, "restricted": "skip"}
    pair = SyncHarness(jira_sim, mongo_client[pair_db], tmp_path, comments=comments)
    pair.sync()
    user_key = pair.new_user_issue(status="Will Do")
    pair.sync()
    dev_key = pair.dev_key(user_key)
    answer = pair.human.add_comment(user_key, "hello developers")
    before = snapshot(mongo_client[pair_db])
    pair.reset_requests()

    result = run_plan(tmp_path, mongo_uri, pair_db)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"{user_key} [user] comments: copy comment {answer['id']} as public" in lines
    assert "1 comment step(s)" in lines[-1]
    log = requests.get(f"{jira_sim.url}/_sim/requests", timeout=5).json()["requests"]
    assert [r for r in log if r["method"] != "GET" and "/search" not in r["path"]] == []
    assert snapshot(mongo_client[pair_db]) == before
    assert pair.comments(dev_key) == []
