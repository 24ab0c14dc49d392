"""The launcher: which variables are secrets, what a program keeps, and the exec itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.bundle.launch import WITHHELD_VARIABLE, launch_environment, parse_arguments, rendered_arguments, withheld_from
from app.bundle.render import HEALTH_SECRETS, LAUNCHER_MODULE, launched
from app.config import load_configs
from app.config.secrets import named_like_a_credential, secret_names
from app.settings import HealthAuthSettings, Settings
from app.sync.start_backoff import read_failures
from testbed.bundle import ROOT, pair_config


@pytest.mark.parametrize(("name", "secret"), [
    ("JIRA_AB_TOKEN", True), ("GITHUB_TOKEN", True), ("DB_PASSWORD", True), ("JIRA_PAT", True),
    ("SOME_API_KEY", True), ("SSH_PRIVATE_KEY", True), ("APP_SECRET", True), ("AWS_CREDENTIALS", True),
    ("PATH", False), ("TOKENIZER_MODEL", False), ("PATTERN", False), ("MONGO_URI", False), ("KEYBOARD", False),
    ("CONFIG_DIR", False),
])
def test_names_that_say_credential(name, secret):
    assert named_like_a_credential(name) is secret


def test_no_setting_that_every_program_reads_is_a_secret_the_launcher_withholds():
    # A withheld secret among them would make the settings of the programs without it invalid
    # (the dashboard login once left the keeper and the watchdog FATAL): secrets live in groups
    # read only by the programs that keep them (HealthAuthSettings).
    every_program = [name.upper() for name in Settings.model_fields]
    assert [name for name in every_program if named_like_a_credential(name)] == []
    assert all(named_like_a_credential(name.upper()) for name in HealthAuthSettings.from_files)
    assert set(launched(("x",), HEALTH_SECRETS)) >= {"HEALTH_AUTH_TOKEN_FILE", "HEALTH_AUTH_PASSWORD_FILE"}


def test_secrets_are_the_tokens_the_files_reference_and_the_credential_names(tmp_path):
    (tmp_path / "sync-ab.json").write_text(json.dumps(pair_config("sync-ab", "https://j.example", "A", "B", "AB_KEY")))
    broken = pair_config("sync-cd", "https://j.example", "C", "D", "CD_KEY")
    broken["rules"] = []  # invalid, still a file whose token is a secret
    broken["jira"]["email"] = "${BOT_EMAIL}"  # an address, not a secret
    (tmp_path / "sync-cd.json").write_text(json.dumps(broken))
    (tmp_path / "sync-bad.json").write_text("{")

    assert secret_names(["PATH", "X_TOKEN", "BOT_EMAIL"], tmp_path) == {"X_TOKEN", "AB_KEY", "CD_KEY", "AB_KEY_FILE",
                                                                        "CD_KEY_FILE"}
    assert secret_names(["X_TOKEN"], tmp_path / "missing") == {"X_TOKEN"}


@pytest.mark.parametrize("argv", [
    ["--", "true"], ["--keep", "A", "--keep", "B", "--", "cmd", "-x"], ["--keep", "A", "--", "cmd", "--", "y"],
    ["--", "--keep", "x"], ["--", "--"], ["--keep", "", "--", "cmd"],
    # Not the rendered shape: argparse reads these, as it always did.
    ["--keep=A", "--", "cmd"], ["--ke", "A", "--", "cmd"], ["--keep", "A", "cmd"], ["cmd", "--keep", "A"],
    ["--keep", "-1", "--", "cmd"],
])
def test_the_launchers_own_reading_of_its_command_line_is_argparses(argv):
    rendered = rendered_arguments(argv)

    assert rendered is None or rendered == parse_arguments(argv)


def test_every_command_line_the_bundle_renders_skips_argparse():
    for keep in ((), ("JIRA_AB_TOKEN",), ("HEALTH_AUTH_TOKEN", "HEALTH_AUTH_PASSWORD")):
        command = launched(("python", "-m", "app.sync.standby", "--config", "/c/sync-ab.json"), keep)
        argv = list(command[command.index(LAUNCHER_MODULE) + 1:])

        assert rendered_arguments(argv) == parse_arguments(argv)


@pytest.mark.parametrize(("argv", "error"), [
    ([], "no command given"), (["--"], "no command given"), (["--keep"], "expected one argument"),
    (["--keep", "--", "cmd"], "expected one argument"),
])
def test_a_command_line_the_launcher_cannot_read_is_argparses_usage_error(argv, error, capsys):
    assert rendered_arguments(argv) is None
    with pytest.raises(SystemExit) as exit_:
        parse_arguments(argv)

    assert exit_.value.code == 2 and error in capsys.readouterr().err


def test_a_program_keeps_only_what_it_needs_and_learns_which_were_withheld():
    environ = {"PATH": "/bin", "A_TOKEN": "a", "B_TOKEN": "b", "EMPTY_TOKEN": "", "CONFIG_DIR": "config"}

    launched = launch_environment(environ, {"A_TOKEN", "B_TOKEN", "EMPTY_TOKEN", "UNSET_TOKEN"}, keep={"A_TOKEN"})

    assert launched == {"PATH": "/bin", "A_TOKEN": "a", "CONFIG_DIR": "config", WITHHELD_VARIABLE: "B_TOKEN"}
    assert withheld_from(launched) == {"B_TOKEN"}
    assert withheld_from({}) == frozenset()


def test_a_withheld_token_file_names_the_token_it_supplies_and_a_kept_one_stays():
    environ = {"PATH": "/bin", "A_KEY_FILE": "/run/secrets/a", "B_KEY_FILE": "/run/secrets/b", "B_KEY": ""}
    secrets = {"A_KEY", "A_KEY_FILE", "B_KEY", "B_KEY_FILE"}

    launched = launch_environment(environ, secrets, keep={"A_KEY", "A_KEY_FILE"})

    assert launched == {"PATH": "/bin", "A_KEY_FILE": "/run/secrets/a", WITHHELD_VARIABLE: "B_KEY,B_KEY_FILE"}
    assert withheld_from(launched) == {"B_KEY", "B_KEY_FILE"}, "B_KEY is set, for the program that keeps its file"


def test_a_withheld_token_is_no_problem_of_the_file_and_an_unset_one_still_is(tmp_path):
    for name, variable in (("sync-ab", "AB_TOKEN"), ("sync-cd", "CD_TOKEN")):
        (tmp_path / f"{name}.json").write_text(json.dumps(pair_config(name, "https://j.example", name[-2:].upper() + "S",
                                                                      name[-2:].upper() + "D", variable)))

    result = load_configs(tmp_path, environ={}, withheld={"AB_TOKEN"})

    assert [(pair.name, pair.withheld) for pair in result.pairs] == [("sync-ab", frozenset({"AB_TOKEN"}))]
    assert [(error.field, error.message) for error in result.errors] == [
        ("jira.apiToken", "environment variable CD_TOKEN is not set (or is empty)")]


def test_the_launcher_execs_the_command_in_its_place_without_the_secrets(tmp_path):
    (tmp_path / "sync-ab.json").write_text(json.dumps(pair_config("sync-ab", "https://j.example", "A", "B", "AB_KEY")))
    show = "import json, os; print(os.getpid(), json.dumps(dict(os.environ)))"
    environ = {"PATH": "/usr/bin:/bin", "CONFIG_DIR": str(tmp_path), "AB_KEY": "k-ab", "X_TOKEN": "t-x"}

    launched = subprocess.Popen([sys.executable, "-m", "app.bundle.launch", "--keep", "X_TOKEN", "--",
                                 sys.executable, "-c", show], cwd=ROOT, env=environ, stdout=subprocess.PIPE, text=True)
    out, _ = launched.communicate(timeout=30)

    pid, shown = out.split(" ", 1)
    assert int(pid) == launched.pid, "exec: the launcher's pid is the program's"
    shown = json.loads(shown)
    assert "AB_KEY" not in shown and shown["X_TOKEN"] == "t-x" and shown[WITHHELD_VARIABLE] == "AB_KEY"


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_command_that_cannot_run_is_one_line_on_stderr(log_format):
    result = subprocess.run([sys.executable, "-m", "app.bundle.launch", "--", "/nonexistent/program"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30, env={**os.environ, "LOG_FORMAT": log_format})

    assert result.returncode == 127 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    message = json.loads(line)["message"] if log_format == "json" else line.split(": ", 1)[1]
    assert message == "launch: cannot run /nonexistent/program: No such file or directory"


@pytest.mark.parametrize(("program", "exit_code"), [
    (["-m", "app.leases.keeper"], 127),
    (["-m", "app.bundle.watchdog"], 127),
    (["-m", "app.bundle.mongodb"], 127),
    (["-m", "app.sync.worker", "--config", "sync-ab.json"], 1),  # a failed start: the next one waits
])
def test_settings_that_do_not_load_stop_each_program_with_one_json_line(program, exit_code, tmp_path):
    # The launcher imports no settings model: each program checks the settings it reads.
    env = {key: value for key, value in os.environ.items() if key != "MONGO_URI"}
    env |= {"LOG_FORMAT": "json", "MONGO_URI_FILE": "/nonexistent", "RUNTIME_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "app.bundle.launch", "--", sys.executable, *program], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, env=env)

    assert result.returncode == exit_code
    records = [json.loads(line) for line in (result.stdout + result.stderr).splitlines()]
    assert [record["message"] for record in records if record["level"] == "ERROR"] == [
        "settings: MONGO_URI_FILE: cannot read /nonexistent: No such file or directory"]
    assert "Traceback" not in result.stdout + result.stderr
    if exit_code == 1:
        assert read_failures(tmp_path, "sync-ab").count == 1

