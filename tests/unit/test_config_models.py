"""PairConfig models: the original camelCase format, defaults, derived values, strictness, secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import DefaultBehavior, JiraConfig, PairConfig, Rule, RuleActions, RuleConditions
from app.config.envsubst import substitute
from app.config.models import credential_problems
from app.config.source import strip_documentation

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tok-SECRET-models-123456"


def jira(**overrides) -> dict:
    return {"baseUrl": "https://team.atlassian.net", "email": "bot@example.test", "apiToken": TOKEN, **overrides}


def pair(**overrides) -> dict:
    rule = {"id": "r1", "sourceStatus": "Will Do", "targetProject": "dev", "syncDirection": "user_to_dev"}
    return {"jira": jira(), "userProjectKey": "ABSUP", "devProjectKey": "ABDEV", "rules": [rule], **overrides}


def test_shipped_example_validates_as_pair_config_with_its_env_vars() -> None:
    document = json.loads((REPO / "config" / "sync-rules.example.json").read_text(encoding="utf-8"))
    substitution = substitute(strip_documentation(document), {"JIRA_AB_TOKEN": TOKEN})

    config = PairConfig.model_validate(substitution.data)

    assert substitution.unset == []
    assert config.jira.api_token.get_secret_value() == TOKEN
    assert config.rules[3].actions.comment_template == "Fixed in ${sourceKey}"
    assert config.interval_seconds == 300


def test_minimal_pair_gets_documented_defaults() -> None:
    config = PairConfig.model_validate(pair())

    assert config.name is None
    assert config.dev_issue_type == "Bug"
    assert config.initial_sync_enabled is True
    assert config.default_behavior == DefaultBehavior(
        sync_attachments=True, add_cross_links=True, only_on_status_change=True,
        skip_intermediate_statuses=True, fallback_behavior="ignore",
    )
    assert config.jira.auth_type == "basic" and config.jira.deployment is None and config.jira.time_zone is None
    rule = config.rules[0]
    assert (rule.enabled, rule.priority, rule.target_status, rule.description) == (True, 100, None, None)
    assert rule.conditions == RuleConditions(require_mapping=True, on_status_change=None)
    assert rule.actions == RuleActions()
    assert rule.actions.sync_attachments is None and rule.actions.create_issue is False


@pytest.mark.parametrize(
    ("minutes", "seconds", "expected"),
    [(None, None, 300), (5, None, 300), (0.5, None, 30), (None, 5, 5), (None, 7.5, 7.5)],
)
def test_interval_seconds(minutes, seconds, expected) -> None:
    overrides = {"syncIntervalMinutes": minutes, "syncIntervalSeconds": seconds}
    config = PairConfig.model_validate(pair(**{k: v for k, v in overrides.items() if v is not None}))

    assert config.interval_seconds == expected


@pytest.mark.parametrize(
    ("jira_overrides", "expected"),
    # Never guessed from the host name: unset means "the server says at start" (serverInfo).
    [({}, None), ({"baseUrl": "https://jira.corp.example/jira"}, None),
     ({"baseUrl": "https://jira.corp.example", "authType": "pat"}, None),
     ({"baseUrl": "https://jira.corp.example", "deployment": "cloud"}, "cloud"),
     ({"deployment": "datacenter"}, "datacenter")],
)
def test_deployment_is_explicit_or_left_to_the_server(jira_overrides, expected) -> None:
    assert JiraConfig.model_validate(jira(**jira_overrides)).deployment == expected


def test_data_center_logs_in_with_a_user_name_cloud_with_an_email() -> None:
    assert JiraConfig.model_validate(jira(baseUrl="https://jira.corp.example", email="jsmith")).email == "jsmith"
    assert JiraConfig.model_validate(jira(email="jsmith")).email == "jsmith", "unknown deployment: checked at start"
    with pytest.raises(ValidationError, match="email address on Jira Cloud"):
        JiraConfig.model_validate(jira(email="jsmith", deployment="cloud"))
    assert credential_problems("cloud", "basic", "jsmith") and not credential_problems("datacenter", "basic", "jsmith")


def test_cloud_has_no_personal_access_tokens() -> None:
    with pytest.raises(ValidationError, match="no personal access tokens"):
        JiraConfig.model_validate(jira(authType="pat", deployment="cloud"))


def test_pat_needs_no_email_and_base_url_loses_trailing_slash() -> None:
    config = JiraConfig.model_validate({"baseUrl": "http://127.0.0.1:8080/jira/", "apiToken": TOKEN, "authType": "pat"})

    assert config.email is None
    assert config.base_url == "http://127.0.0.1:8080/jira"


def test_time_zone_accepts_real_iana_zones() -> None:
    assert JiraConfig.model_validate(jira(timeZone="Europe/Berlin")).time_zone == "Europe/Berlin"


@pytest.mark.parametrize("zone", ["Mars/Base", "../../etc/passwd", "", "Europe/"])
def test_time_zone_rejects_non_zones(zone: str) -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        JiraConfig.model_validate(jira(timeZone=zone))


def test_effective_target_status_prefers_the_action() -> None:
    base = {"id": "r", "sourceStatus": "*", "targetProject": "user", "syncDirection": "both"}

    assert Rule.model_validate({**base, "targetStatus": "Done"}).effective_target_status == "Done"
    both = {**base, "targetStatus": "Done", "actions": {"targetStatus": "Closed"}}
    assert Rule.model_validate(both).effective_target_status == "Closed"
    assert Rule.model_validate(base).effective_target_status is None


def test_snake_case_names_also_accepted_for_building_in_code() -> None:
    rule = Rule(id="r", source_status="Closed", target_project="user", sync_direction="dev_to_user",
                actions=RuleActions(sync_status=True, target_status="Resolved"))

    assert rule.sync_direction == "dev_to_user" and rule.effective_target_status == "Resolved"
    assert rule.model_dump(by_alias=True)["syncDirection"] == "dev_to_user"


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [({"syncIntervalMinutes": "5"}, ("syncIntervalMinutes",)), ({"initialSyncEnabled": 1}, ("initialSyncEnabled",)),
     ({"devIssueType": ""}, ("devIssueType",)), ({"description": 7}, ("description",))],
)
def test_validation_is_strict(overrides, loc) -> None:
    with pytest.raises(ValidationError) as raised:
        PairConfig.model_validate(pair(**overrides))

    assert [error["loc"] for error in raised.value.errors()] == [loc]


def test_models_are_frozen() -> None:
    config = PairConfig.model_validate(pair())

    with pytest.raises(ValidationError):
        config.dev_issue_type = "Task"


def test_token_is_secret_in_repr_str_and_dump() -> None:
    config = PairConfig.model_validate(pair(name="sync-ab"))

    assert TOKEN not in repr(config) + str(config) + str(config.model_dump()) + config.model_dump_json()
    assert config.jira.api_token.get_secret_value() == TOKEN


def test_token_errors_never_echo_the_token() -> None:
    with pytest.raises(ValidationError) as raised:
        JiraConfig.model_validate(jira(apiToken=TOKEN + " \n"))

    messages = [error["msg"] for error in raised.value.errors(include_input=False)]
    assert messages == ["Value error, must not contain whitespace or control characters (a trailing newline?)"]
    assert TOKEN not in " ".join(messages)


def test_the_documented_placeholders_are_the_ones_a_comment_fills_in() -> None:
    from app.config.models import TEMPLATE_PLACEHOLDERS
    from app.sync.actions import CommentContext

    assert set(CommentContext("K-1", "Open").placeholders()) == set(TEMPLATE_PLACEHOLDERS)


def test_the_shipped_example_syncs_fields() -> None:
    document = json.loads((REPO / "config" / "sync-rules.example.json").read_text(encoding="utf-8"))
    config = PairConfig.model_validate(substitute(strip_documentation(document), {"JIRA_AB_TOKEN": TOKEN}).data)
    assert config.fields is not None and config.fields["summary"] == "both" and config.fields["duedate"] == "toUser"


def test_fields_take_known_names_custom_ids_and_the_four_directions() -> None:
    fields = {"summary": "both", "description": "toDev", "fixVersions": "toUser", "customfield_10042": "none"}
    assert PairConfig.model_validate(pair(fields=fields)).fields == fields
    assert PairConfig.model_validate(pair()).fields is None


@pytest.mark.parametrize(("fields", "words"), [
    ({"sumary": "both"}, "unknown field 'sumary'"),
    ({"customfield_abc": "both"}, "unknown field 'customfield_abc'"),
    ({"summary": "toDevs"}, "'both', 'toDev', 'toUser' or 'none'"),
])
def test_fields_name_an_unknown_field_or_a_bad_direction(fields, words) -> None:
    with pytest.raises(ValidationError) as raised:
        PairConfig.model_validate(pair(fields=fields))
    assert words in str(raised.value)
