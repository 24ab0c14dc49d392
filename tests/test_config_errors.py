"""Turning pydantic errors into (file, field path, message) without input values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import ConfigError, PairConfig
from app.config.errors import format_loc, printable, validation_errors
from app.redaction import redact


@pytest.mark.parametrize(
    ("loc", "text"),
    [((), ""), (("name",), "name"), (("rules", 2, "syncDirection"), "rules[2].syncDirection"), (("jira", "baseUrl"), "jira.baseUrl")],
)
def test_format_loc(loc, text) -> None:
    assert format_loc(loc) == text


def test_config_error_str() -> None:
    assert str(ConfigError("config/x.json", "rules[0].id", "boom")) == "config/x.json: rules[0].id: boom"
    assert str(ConfigError("config/x.json", "", "bad JSON")) == "config/x.json: bad JSON"


def test_unknown_keys_get_a_hint_from_the_keys_valid_at_that_place() -> None:
    data = {
        "jira": {"baseUrl": "https://j.example", "apiToken": "t", "authType": "pat", "timezone": "UTC"},
        "userProjectKey": "A1", "devProjectKey": "B1", "defaultBehaviour": {},
        "rules": [{"id": "r", "sourceStatus": "x", "targetProject": "dev", "syncDirection": "both",
                   "actions": {"comentTemplate": "x"}, "zzz": 1}],
    }
    with pytest.raises(ValidationError) as raised:
        PairConfig.model_validate(data)

    errors = {e.field: e.message for e in validation_errors("f.json", raised.value, PairConfig)}

    assert errors["jira.timezone"].startswith("unknown key 'timezone' (did you mean 'timeZone'?)")
    assert "did you mean 'defaultBehavior'" in errors["defaultBehaviour"]
    assert "did you mean 'commentTemplate'" in errors["rules[0].actions.comentTemplate"]
    assert "did you mean" not in errors["rules[0].zzz"]


def test_messages_never_contain_the_input() -> None:
    secret = "very secret input value"
    with pytest.raises(ValidationError) as raised:
        PairConfig.model_validate(
            {"jira": {"apiToken": 5, "baseUrl": secret, "email": secret}, "userProjectKey": secret,
             "rules": secret, "syncIntervalMinutes": secret, "devIssueType": [secret]}
        )

    problems = validation_errors("f.json", raised.value, PairConfig)
    assert {p.field for p in problems} >= {"jira.apiToken", "jira.baseUrl", "jira.email", "userProjectKey", "rules"}
    assert secret not in " ".join(map(str, problems))


def test_redact_replaces_long_values_only() -> None:
    assert redact("a secret-token-x here, x", ["secret-token-x", "x"]) == "a *** here, x"


@pytest.mark.parametrize(("text", "shown"), [
    ("config/sync-ab.json", "config/sync-ab.json"),
    ("sync-a\nOK forged.json", "sync-a\\nOK forged.json"),
    ("sync-\x1b[31mred.json", "sync-\\x1b[31mred.json"),
    ("back\\slash\r\t.json", "back\\\\slash\\r\\t.json"),
    ("caf\u00e9-\u2028.json", "caf\u00e9-\\u2028.json"),
])
def test_printable_escapes_what_could_forge_a_line_and_keeps_the_rest(text, shown) -> None:
    assert printable(text) == shown


def test_a_config_error_shows_its_file_and_field_escaped() -> None:
    error = ConfigError("config/sync-a\n\x1b[2K.json", "jira.x\ny", "boom")
    assert str(error) == "config/sync-a\\n\\x1b[2K.json: jira.x\\ny: boom"
