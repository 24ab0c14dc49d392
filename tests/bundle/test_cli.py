"""The CLI as an operator uses it: validate, render, run (exec), status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from bson import ObjectId

from app.cli import main
from app.supervisord import SupervisorRPC, SupervisorUnavailable
from testbed.waiting import wait_for
from tests.engine.test_render import TOKEN_MARKER, write_pair

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_dir(tmp_path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    write_pair(directory, "sync-ab", "ABSUP", "ABDEV")
    return directory


def cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """`python entrypoint.py ...` in a fresh process with exactly these settings."""
    clean = {key: value for key, value in os.environ.items() if key not in ("MONGO_URI", "CONFIG_DIR", "RUNTIME_DIR")}
    return subprocess.run([sys.executable, "entrypoint.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=timeout)


def bundle_env(tmp_path: Path, config_dir: Path, **extra: str) -> dict[str, str]:
    return {"CONFIG_DIR": str(config_dir), "RUNTIME_DIR": str(tmp_path / "rt"), "JIRA_DEMO_TOKEN": TOKEN_MARKER, **extra}


def test_validate_prints_one_line_per_file_and_exits_0_when_all_are_good(config_dir, monkeypatch, capsys):
    monkeypatch.setenv("JIRA_DEMO_TOKEN", TOKEN_MARKER)

    assert main(["validate", "--config-dir", str(config_dir)]) == 0

    assert capsys.readouterr().out.splitlines() == [
        f"OK sync-ab ({config_dir / 'sync-ab.json'}): ABSUP <-> ABDEV, 6 rules"]


def test_validate_exits_1_on_any_bad_file_and_names_it(config_dir, monkeypatch, capsys):
    monkeypatch.setenv("JIRA_DEMO_TOKEN", TOKEN_MARKER)
    (config_dir / "sync-broken.json").write_text('{"name": "sync-broken",')
    write_pair(config_dir, "sync-xy", "XSUP", "XDEV", file_name="sync-x y.json")

    assert main(["validate", "--config-dir", str(config_dir)]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("OK sync-ab ")
    assert lines[1].startswith(f"ERROR {config_dir / 'sync-broken.json'}: ")
    assert lines[2].startswith(f"ERROR {config_dir / 'sync-x y.json'}: file name: ")
    assert len(lines) == 3


def test_validate_through_the_entrypoint_reports_an_unset_token_variable(config_dir, tmp_path):
    result = cli("validate", "--config-dir", str(config_dir), env={"JIRA_DEMO_TOKEN": ""})

    assert result.returncode == 1
    assert "JIRA_DEMO_TOKEN" in result.stdout and "sync-ab.json" in result.stdout


def test_validate_reads_config_dir_from_the_environment_and_prints_no_token(config_dir):
    result = cli("validate", env={"CONFIG_DIR": str(config_dir), "JIRA_DEMO_TOKEN": TOKEN_MARKER})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"OK sync-ab ({config_dir / 'sync-ab.json'}): ABSUP <-> ABDEV, 6 rules"
    assert TOKEN_MARKER not in result.stdout + result.stderr


def test_render_prints_the_conf_and_reports_bad_files_on_stderr(config_dir, tmp_path):
    (config_dir / "sync-bad.json").write_text("[]")

    result = cli("render", env=bundle_env(tmp_path, config_dir))

    assert result.returncode == 0, result.stderr
    assert "[program:sync-ab]" in result.stdout and "[program:mongodb]" in result.stdout
    assert "sync-bad" not in result.stdout
    assert "sync-bad.json" in result.stderr
    assert TOKEN_MARKER not in result.stdout + result.stderr


def test_render_output_writes_the_file_without_mongodb_when_mongo_uri_is_set(config_dir, tmp_path):
    output = tmp_path / "out.conf"

    result = cli("render", "--output", str(output),
                 env=bundle_env(tmp_path, config_dir, MONGO_URI="mongodb://mongo.example:27017/"))

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = output.read_text()
    assert "[program:sync-ab]" in text and "[program:mongodb]" not in text
    assert f"file={tmp_path / 'rt' / 'supervisor.sock'}" in text


def test_run_execs_supervisord_in_place_and_sigterm_stops_it_cleanly(tmp_path):
    empty = tmp_path / "config"
    empty.mkdir()
    env = bundle_env(tmp_path, empty, MONGO_URI="mongodb://127.0.0.1:1/", HEALTH_PORT="1")
    clean = {key: value for key, value in os.environ.items() if key not in env}
    process = subprocess.Popen([sys.executable, "entrypoint.py", "run"], cwd=ROOT, env={**clean, **env},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        rpc = SupervisorRPC(tmp_path / "rt" / "supervisor.sock", timeout=1)

        def supervisord_pid():
            try:
                return rpc._call("supervisor.getPID")
            except SupervisorUnavailable:
                assert process.poll() is None, process.stdout.read()
                return None

        # The process we started *is* supervisord (exec, no wrapper left as PID 1).
        assert wait_for(supervisord_pid, timeout=20, what="supervisord answering") == process.pid
        assert (tmp_path / "rt" / "supervisord.conf").is_file()
        assert {"health", "watchdog"} <= set(rpc.process_states())
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "supervisord.conf written to" in output
    assert f"no pair configs (sync-*.json) in {empty}" in output


def test_status_without_supervisord_or_mongodb_says_so_and_exits_1(config_dir, tmp_path):
    env = bundle_env(tmp_path, config_dir, MONGO_URI="mongodb://127.0.0.1:1/", MONGO_TIMEOUT_MS="200")

    result = cli("status", env=env, timeout=30)

    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert line.split()[:2] == ["sync-ab", "UNKNOWN"]
    assert "heartbeat never" in line
    assert "supervisord:" in result.stderr and "mongodb:" in result.stderr


def test_run_without_mongo_uri_refuses_and_says_why_and_what_to_set(config_dir, tmp_path):
    result = cli("run", env=bundle_env(tmp_path, config_dir), timeout=30)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "MONGO_URI is not set" in result.stderr and "lost with the container" in result.stderr
    assert "MONGO_URI=embedded" in result.stderr and "dev only, data not kept" in result.stderr
    assert not (tmp_path / "rt").exists(), "nothing written, nothing started"


def test_run_refuses_a_health_login_without_its_password_before_anything_starts(config_dir, tmp_path):
    env = bundle_env(tmp_path, config_dir, MONGO_URI="mongodb://127.0.0.1:1/", HEALTH_AUTH_USER="ops")

    result = cli("run", env=env, timeout=30)

    assert result.returncode == 2
    assert result.stderr.strip() == ("settings: environment: Value error, HEALTH_AUTH_USER and HEALTH_AUTH_PASSWORD go "
                                     "together: set both or neither")
    assert not (tmp_path / "rt").exists()


def test_a_setting_that_does_not_load_is_named_with_its_reason_not_a_traceback(config_dir, tmp_path):
    secret = tmp_path / "mongo_uri"
    secret.write_text("mongodb://user:LEAK-pw@db.example/")

    bad_number = cli("validate", env=bundle_env(tmp_path, config_dir, LEASE_SECONDS="1"), timeout=30)
    both = cli("status", env=bundle_env(tmp_path, config_dir, MONGO_URI="mongodb://x/", MONGO_URI_FILE=str(secret)))

    assert bad_number.returncode == 2 and bad_number.stderr.startswith("settings: LEASE_SECONDS: ")
    assert "Traceback" not in bad_number.stderr
    assert both.returncode == 2
    assert both.stderr.strip() == "settings: MONGO_URI_FILE: MONGO_URI is set too; set MONGO_URI or MONGO_URI_FILE, not both"


FORGED_NAME = "sync-a\nOK sync-forged (x): A <-> B, 1 rule\x1b[2K.json"
FORGED_SHOWN = "sync-a\\nOK sync-forged (x): A <-> B, 1 rule\\x1b[2K.json"


def test_run_refuses_a_runtime_dir_too_long_for_supervisords_socket_and_says_which(config_dir, tmp_path):
    runtime = tmp_path / ("r" * (110 - len(str(tmp_path))))
    result = cli("run", env=bundle_env(tmp_path, config_dir, RUNTIME_DIR=str(runtime), MONGO_URI="embedded"), timeout=30)
    assert result.returncode == 2
    assert "RUNTIME_DIR" in result.stderr and "choose a shorter RUNTIME_DIR" in result.stderr
    assert not runtime.exists(), "nothing written, nothing started"


def test_validate_tells_when_a_pair_database_still_holds_the_original_services_state(config_dir, mongo_uri,
                                                                                      mongo_client, db_prefix):
    db = mongo_client[f"{db_prefix}sync-ab"]  # the original named a pair's database after the pair
    db.jira_mapping.insert_one({"_id": ObjectId(), "user_issue_key": "ABSUP-1", "dev_issue_key": "ABDEV-1", "__v": 0})
    db.user_project_issue_state.insert_one({"_id": ObjectId(), "issue_key": "ABSUP-1", "status": "Will Do", "__v": 0})
    env = {"JIRA_DEMO_TOKEN": TOKEN_MARKER, "MONGO_URI": mongo_uri, "MONGO_DATABASE_PREFIX": db_prefix}

    pending = cli("validate", "--config-dir", str(config_dir), env=env)
    assert pending.returncode == 0, pending.stderr
    assert pending.stdout.splitlines()[1:] == [
        f"IMPORT sync-ab: database '{db_prefix}sync-ab' holds the original service's state, not imported yet "
        "(1 mapping(s), 1 issue state(s)); the pair's first pass imports it once; `plan sync-ab` shows what it "
        "would write"]

    db.sync_state.insert_one({"_id": "pair", "original_import": {"mappings": 1, "unresolved": []}})
    imported = cli("validate", "--config-dir", str(config_dir), env=env)
    assert (imported.returncode, len(imported.stdout.splitlines())) == (0, 1)
    offline = cli("validate", "--offline", "--config-dir", str(config_dir), env={**env, "MONGO_URI": "mongodb://127.0.0.1:1/"})
    assert (offline.returncode, offline.stderr) == (0, "")


def test_validate_with_mongodb_away_judges_the_files_and_notes_it_without_the_uri(config_dir):
    result = cli("validate", "--config-dir", str(config_dir),
                 env={"JIRA_DEMO_TOKEN": TOKEN_MARKER, "MONGO_URI": "mongodb://operator:s3cr3t-pw@127.0.0.1:1/"})
    assert result.returncode == 0 and result.stdout.startswith("OK sync-ab")
    assert "not checked whether a pair's database still needs importing" in result.stderr
    assert "s3cr3t-pw" not in result.stdout + result.stderr


def test_validate_and_render_show_a_file_name_with_control_characters_escaped(config_dir, tmp_path):
    (config_dir / FORGED_NAME).write_text('{"name": "sync-forged"}')

    validate = cli("validate", "--config-dir", str(config_dir), env={"JIRA_DEMO_TOKEN": TOKEN_MARKER})
    render = cli("render", env=bundle_env(tmp_path, config_dir))

    assert validate.returncode == 1
    lines = validate.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ERROR", "OK"], lines
    assert lines[0].startswith(f"ERROR {config_dir / FORGED_SHOWN}: ")
    assert "\x1b" not in validate.stdout + render.stderr
    assert [line for line in render.stderr.splitlines() if "sync-forged" in line or "sync-a" in line] == [
        line for line in render.stderr.splitlines() if line.startswith("config error") and FORGED_SHOWN in line]


def test_validate_warns_about_a_literal_token_and_still_exits_0(config_dir):
    path = config_dir / "sync-ab.json"
    document = json.loads(path.read_text())
    document["jira"]["apiToken"] = TOKEN_MARKER
    path.write_text(json.dumps(document))

    result = cli("validate", "--config-dir", str(config_dir), env={})

    assert result.returncode == 0, result.stdout
    ok, warning = result.stdout.splitlines()
    assert ok.startswith("OK sync-ab ")
    assert warning.startswith(f"WARNING {path}: jira.apiToken: is a literal token")
    assert '"${JIRA_AB_TOKEN}"' in warning and ".env.consolidated" in warning
    assert TOKEN_MARKER not in result.stdout + result.stderr


def test_validate_warns_about_a_rule_that_an_equal_one_always_shadows(config_dir):
    path = config_dir / "sync-ab.json"
    document = json.loads(path.read_text())
    first = document["rules"][2]  # dev In Progress -> user In Progress
    shadowed = {**first, "id": "dev-in-progress-resolves", "actions": {**first["actions"], "targetStatus": "Resolved"}}
    document["rules"].append(shadowed)
    path.write_text(json.dumps(document))

    result = cli("validate", "--config-dir", str(config_dir), env={"JIRA_DEMO_TOKEN": TOKEN_MARKER})

    assert result.returncode == 0, result.stdout
    [warning] = [line for line in result.stdout.splitlines() if line.startswith("WARNING")]
    assert f"{path}: rules[{len(document['rules']) - 1}].priority: rule 'dev-in-progress-resolves' never fires" in warning
    assert f"rules[2] ({first['id']!r})" in warning
