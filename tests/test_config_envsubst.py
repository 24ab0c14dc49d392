"""`${ENV_NAME}` substitution: upper-case names from the environment, in jira.apiToken and jira.email only."""

from __future__ import annotations

from app.config.envsubst import Reference, references, substitute


def test_substitutes_the_token_and_the_login_only() -> None:
    data = {"jira": {"apiToken": "${TOKEN}", "email": "${LOGIN}"}}

    result = substitute(data, {"TOKEN": "t0k", "LOGIN": "bot@example.test"})

    assert result.data == {"jira": {"apiToken": "t0k", "email": "bot@example.test"}}
    assert result.used == {"TOKEN": "t0k", "LOGIN": "bot@example.test"}
    assert result.unset == [] and result.misplaced == []


def test_a_reference_in_any_other_field_of_the_jira_block_is_misplaced() -> None:
    """Issue 17: `"baseUrl": "http://host/x${JIRA_X_TOKEN}"` put the token into every error naming a URL."""
    data = {"jira": {"apiToken": "${TOKEN}", "baseUrl": "http://host/x${TOKEN}", "more": ["${SUFFIX}"],
                     "deep": {"apiToken": "${TOKEN}"}}}

    result = substitute(data, {"TOKEN": "t0k-secret-value", "SUFFIX": "1"})

    assert result.data["jira"]["baseUrl"] == "http://host/x${TOKEN}"
    assert result.misplaced == [Reference(("jira", "baseUrl"), "TOKEN"), Reference(("jira", "more", 0), "SUFFIX"),
                                Reference(("jira", "deep", "apiToken"), "TOKEN")]
    assert result.used == {"TOKEN": "t0k-secret-value"}


def test_a_reference_outside_the_jira_block_is_misplaced_and_never_substituted() -> None:
    data = {"jira": {"apiToken": "${TOKEN}"}, "rules": [{"actions": {"commentTemplate": "token=${TOKEN}"}}],
            "name": "${NAME}"}

    result = substitute(data, {"TOKEN": "t0k", "NAME": "n"})

    assert result.data["rules"] == [{"actions": {"commentTemplate": "token=${TOKEN}"}}]
    assert result.data["name"] == "${NAME}"
    assert result.misplaced == [Reference(("rules", 0, "actions", "commentTemplate"), "TOKEN"),
                                Reference(("name",), "NAME")]
    assert result.used == {"TOKEN": "t0k"}


def test_unset_and_empty_variables_are_reported_with_location() -> None:
    data = {"jira": {"apiToken": "${MISSING}", "email": "${EMPTY}"}}

    result = substitute(data, {"EMPTY": ""})

    assert result.unset == [Reference(("jira", "apiToken"), "MISSING"), Reference(("jira", "email"), "EMPTY")]
    assert result.data == data


def test_a_withheld_variable_is_left_as_written_and_not_unset() -> None:
    data = {"jira": {"apiToken": "${TOKEN}", "email": "${GONE}"}}

    result = substitute(data, {}, withheld={"TOKEN"})

    assert result.data == data
    assert result.withheld == {"TOKEN"}
    assert result.unset == [Reference(("jira", "email"), "GONE")]


def test_template_placeholders_escapes_keys_and_non_strings_are_left_alone() -> None:
    data = {"${KEY}": "Fixed in ${sourceKey} by ${target_key}", "n": 5, "b": True, "z": None, "lit": "$${HOME}",
            "jira": {"lit": "$${HOME}", "${KEY}": 1}}

    result = substitute(data, {"KEY": "k", "HOME": "/root"})

    assert result.data == {"${KEY}": "Fixed in ${sourceKey} by ${target_key}", "n": 5, "b": True, "z": None,
                           "lit": "${HOME}", "jira": {"lit": "${HOME}", "${KEY}": 1}}
    assert result.used == {} and result.unset == [] and result.misplaced == []


def test_values_are_not_expanded_twice() -> None:
    assert substitute({"jira": {"apiToken": "${A}"}}, {"A": "${B}", "B": "no"}).data == {"jira": {"apiToken": "${B}"}}


def test_used_values_are_not_in_the_repr() -> None:
    assert "s3cret-value" not in repr(substitute({"jira": {"apiToken": "${A}"}}, {"A": "s3cret-value"}))


def test_references_are_the_unescaped_upper_case_names() -> None:
    assert references("${A}-$${B}-${c}-${D_1}") == ["A", "D_1"]
