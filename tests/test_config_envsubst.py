"""`${ENV_NAME}` substitution: upper-case names from the environment, templates left alone."""

from __future__ import annotations

from app.config.envsubst import UnsetVariable, substitute


def test_substitutes_inside_strings_at_any_depth() -> None:
    data = {"jira": {"apiToken": "${TOKEN}", "baseUrl": "https://${HOST}:8443"}, "rules": [{"id": "r-${SUFFIX}"}]}

    result = substitute(data, {"TOKEN": "t0k", "HOST": "jira.example", "SUFFIX": "1"})

    assert result.data == {"jira": {"apiToken": "t0k", "baseUrl": "https://jira.example:8443"}, "rules": [{"id": "r-1"}]}
    assert result.used == {"TOKEN": "t0k", "HOST": "jira.example", "SUFFIX": "1"}
    assert result.unset == []


def test_unset_and_empty_variables_are_reported_with_location() -> None:
    data = {"jira": {"apiToken": "${MISSING}"}, "rules": [{"x": "${EMPTY}"}]}

    result = substitute(data, {"EMPTY": ""})

    assert result.unset == [UnsetVariable(("jira", "apiToken"), "MISSING"), UnsetVariable(("rules", 0, "x"), "EMPTY")]
    assert result.data == data


def test_template_placeholders_escapes_keys_and_non_strings_are_left_alone() -> None:
    data = {"${KEY}": "Fixed in ${sourceKey} by ${target_key}", "n": 5, "b": True, "z": None, "lit": "$${HOME}"}

    result = substitute(data, {"KEY": "k", "HOME": "/root"})

    assert result.data == {"${KEY}": "Fixed in ${sourceKey} by ${target_key}", "n": 5, "b": True, "z": None, "lit": "${HOME}"}
    assert result.used == {} and result.unset == []


def test_values_are_not_expanded_twice() -> None:
    assert substitute("${A}", {"A": "${B}", "B": "no"}).data == "${B}"


def test_used_values_are_not_in_the_repr() -> None:
    assert "s3cret-value" not in repr(substitute("${A}", {"A": "s3cret-value"}))
