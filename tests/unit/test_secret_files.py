"""Secrets from files (`NAME_FILE`, app.secret_files): in the jira block, in the settings, and the
errors that name the variable and the file, never the content."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app.config import load_configs
from app.secret_files import SecretFileError, read_secret_file, secret_value, supplied_by
from app.settings import HealthAuthSettings, Settings, settings_problems
from testbed.bundle import pair_config

TOKEN = "file-TOKEN-4f1c"


def test_the_file_supplies_the_value_without_the_white_space_around_it(tmp_path):
    (tmp_path / "token").write_text(f"  {TOKEN}\n")

    assert secret_value({"X_TOKEN_FILE": str(tmp_path / "token")}, "X_TOKEN") == TOKEN
    assert secret_value({"X_TOKEN": "direct"}, "X_TOKEN") == "direct"
    assert secret_value({"X_TOKEN": "", "X_TOKEN_FILE": ""}, "X_TOKEN") is None


@pytest.mark.parametrize(("content", "says"), [
    (None, "cannot read"), ("", "is empty"), (" \n", "is empty"), (b"\xff\xfe", "is not UTF-8 text"),
    ("x" * (64 * 1024 + 1), "is larger than"),
])
def test_a_file_that_gives_no_secret_is_an_error_naming_the_variable_and_the_path(tmp_path, content, says):
    path = tmp_path / "token"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)

    with pytest.raises(SecretFileError) as raised:
        read_secret_file("X_TOKEN_FILE", str(path))

    assert str(raised.value).startswith("X_TOKEN_FILE: ") and says in str(raised.value) and str(path) in str(raised.value)


def test_a_variable_and_its_file_both_set_is_refused(tmp_path):
    (tmp_path / "token").write_text(TOKEN)

    with pytest.raises(SecretFileError, match="set X_TOKEN or X_TOKEN_FILE, not both") as raised:
        secret_value({"X_TOKEN": "direct", "X_TOKEN_FILE": str(tmp_path / "token")}, "X_TOKEN")

    assert TOKEN not in str(raised.value) and "direct" not in str(raised.value)


def test_supplied_by_names_the_variable_a_file_supplies():
    assert supplied_by("JIRA_AB_TOKEN_FILE") == "JIRA_AB_TOKEN"
    assert supplied_by("JIRA_AB_TOKEN") is None and supplied_by("_FILE") is None


def pair_dir(tmp_path, variable="AB_TOKEN"):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "sync-ab.json").write_text(json.dumps(pair_config("sync-ab", "https://j.example", "A", "B", variable)))
    return config_dir


def test_a_pair_token_comes_from_its_file_read_at_each_load(tmp_path):
    config_dir = pair_dir(tmp_path)
    token_file = tmp_path / "ab_token"
    token_file.write_text(TOKEN + "\n")
    environ = {"AB_TOKEN_FILE": str(token_file)}

    first = load_configs(config_dir, environ=environ)
    token_file.write_text("rotated-token\n")
    second = load_configs(config_dir, environ=environ)

    assert [pair.config.jira.api_token.get_secret_value() for pair in first.pairs] == [TOKEN]
    assert [pair.config.jira.api_token.get_secret_value() for pair in second.pairs] == ["rotated-token"]


def test_a_pair_token_file_that_cannot_be_read_is_the_files_error_naming_variable_and_path(tmp_path):
    config_dir = pair_dir(tmp_path)

    result = load_configs(config_dir, environ={"AB_TOKEN_FILE": str(tmp_path / "nope")})

    assert result.pairs == []
    [error] = result.errors
    assert error.field == "jira.apiToken"
    assert error.message.startswith("AB_TOKEN_FILE: cannot read ") and str(tmp_path / "nope") in error.message


def test_a_withheld_token_file_is_no_problem_of_the_pair_file(tmp_path):
    result = load_configs(pair_dir(tmp_path), environ={}, withheld={"AB_TOKEN", "AB_TOKEN_FILE"})

    assert [(pair.name, pair.withheld) for pair in result.pairs] == [("sync-ab", frozenset({"AB_TOKEN"}))]


def test_settings_read_secrets_from_files(tmp_path, monkeypatch):
    for name, value in (("health_token", TOKEN), ("health_password", "pw-from-file"), ("mongo", "mongodb://db.example/")):
        (tmp_path / name).write_text(value + "\n")
    monkeypatch.setenv("HEALTH_AUTH_TOKEN_FILE", str(tmp_path / "health_token"))
    monkeypatch.setenv("HEALTH_AUTH_USER", "ops")
    monkeypatch.setenv("HEALTH_AUTH_PASSWORD_FILE", str(tmp_path / "health_password"))
    monkeypatch.setenv("MONGO_URI_FILE", str(tmp_path / "mongo"))
    monkeypatch.delenv("MONGO_URI", raising=False)

    auth, settings = HealthAuthSettings(), Settings()

    assert auth.health_auth_token.get_secret_value() == TOKEN
    assert auth.health_auth_password.get_secret_value() == "pw-from-file"
    assert settings.mongo_uri == "mongodb://db.example/" and not settings.embedded_mongo


def test_a_settings_file_error_names_the_variable_and_never_the_content(tmp_path, monkeypatch):
    (tmp_path / "password").write_text("pw-LEAK")
    monkeypatch.setenv("HEALTH_AUTH_USER", "ops")
    monkeypatch.setenv("HEALTH_AUTH_PASSWORD", "pw-LEAK-too")
    monkeypatch.setenv("HEALTH_AUTH_PASSWORD_FILE", str(tmp_path / "password"))

    with pytest.raises((SecretFileError, ValidationError)) as raised:
        HealthAuthSettings()

    [line] = settings_problems(raised.value)
    assert "HEALTH_AUTH_PASSWORD_FILE" in line and "not both" in line and "LEAK" not in line


def test_settings_problems_name_the_variable(monkeypatch):
    monkeypatch.setenv("HEALTH_AUTH_USER", "ops")
    monkeypatch.delenv("HEALTH_AUTH_PASSWORD", raising=False)
    monkeypatch.delenv("HEALTH_AUTH_PASSWORD_FILE", raising=False)

    with pytest.raises(ValidationError) as raised:
        HealthAuthSettings()

    assert settings_problems(raised.value) == [
        "environment: Value error, HEALTH_AUTH_USER and HEALTH_AUTH_PASSWORD go together: set both or neither"]
