"""Directory loading: every kind of bad file is reported with file and field, good pairs still load."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.cli.validate import validate_lines
from app.config import ConfigFileError, load_configs, load_pair
from testbed.original import ORIGINAL_SYNC_AB

REPO = Path(__file__).resolve().parents[1]
TOKEN = "tok-SECRET-9f8e7d6c5b4a"
ENV = {"JIRA_AB_TOKEN": TOKEN}


def example_doc() -> dict:
    return json.loads(ORIGINAL_SYNC_AB)


def doc_bytes(change: Callable[[dict], None] | None = None, name: str | None = "sync-bad") -> bytes:
    """The original example as a bad file's base: renamed, then changed by `change`."""
    doc = copy.deepcopy(example_doc())
    if name is None:
        del doc["name"]
    else:
        doc["name"] = name
    if change:
        change(doc)
    return json.dumps(doc).encode()


def write(config_dir: Path, filename: str, content: bytes) -> None:
    (config_dir / filename).write_bytes(content)


@dataclass
class BadCase:
    """A bad `sync-bad.json` (made by `make(config_dir, outside_dir)`) and the problem it must show."""

    id: str
    make: Callable[[Path, Path], None]
    field: str
    fragment: str
    env: dict[str, str] = field(default_factory=dict)
    file: str = "sync-bad.json"
    also: tuple[tuple[str, str, str], ...] = ()  # further (file, field, fragment) expected


def bad_file(content: bytes, filename: str = "sync-bad.json") -> Callable[[Path, Path], None]:
    return lambda config_dir, _outside: write(config_dir, filename, content)


def changed(change: Callable[[dict], None]) -> Callable[[Path, Path], None]:
    return bad_file(doc_bytes(change))


def _parent(doc: dict, path: tuple) -> dict | list:
    for part in path:
        doc = doc[part]
    return doc


def set_at(*path_and_value) -> Callable[[dict], None]:
    *path, value = path_and_value
    return lambda doc: _parent(doc, path[:-1]).__setitem__(path[-1], value)


def delete_at(*path) -> Callable[[dict], None]:
    return lambda doc: _parent(doc, path[:-1]).__delitem__(path[-1])


def rename_key(*path_and_new) -> Callable[[dict], None]:
    *path, new = path_and_new

    def change(doc: dict) -> None:
        parent = _parent(doc, tuple(path[:-1]))
        parent[new] = parent.pop(path[-1])

    return change


def duplicate_rule_id(doc: dict) -> None:
    doc["rules"][1]["id"] = doc["rules"][0]["id"]


def symlink_outside(config_dir: Path, outside: Path) -> None:
    (outside / "sync-bad.json").write_bytes(doc_bytes())
    (config_dir / "sync-bad.json").symlink_to(outside / "sync-bad.json")


def dangling_symlink(config_dir: Path, _outside: Path) -> None:
    (config_dir / "sync-bad.json").symlink_to(config_dir / "missing.json")


def same_name_twice(config_dir: Path, _outside: Path) -> None:
    # On projects of their own: files refused for their name still hold their projects.
    write(config_dir, "sync-bad.json", doc_bytes(other_projects("TWSUP", "TWDEV"), name="sync-twin"))
    write(config_dir, "sync-twin.json", doc_bytes(other_projects("TWSUP", "TWDEV"), name=None))


BAD_CASES = [
    # file-level problems: field is ""
    BadCase("bad-json", bad_file(b'{"name": "sync-bad",\n  "jira": }'), "", "invalid JSON at line 2, column"),
    BadCase("top-level-array", bad_file(b"[1, 2]"), "", "must be a JSON object"),
    BadCase("duplicate-json-key", bad_file(b'{"rules": [], "rules": []}'), "", "'rules' appears twice"),
    BadCase("deep-nesting", bad_file(b"[" * 200_000), "", "nested too deeply"),
    BadCase("huge-file", bad_file(b" " * (1024 * 1024 + 1)), "", "limit"),
    BadCase("non-utf8", bad_file(b'{"name": "sync-bad",\n "x": "caf\xe9"}'), "", "not UTF-8 text: byte 0xe9 at line 2"),
    BadCase("symlink-outside", symlink_outside, "", "symlink pointing outside"),
    BadCase("dangling-symlink", dangling_symlink, "", "symlink whose target does not exist"),
    BadCase("directory-not-file", lambda config_dir, _: (config_dir / "sync-bad.json").mkdir(), "", "not a regular file"),
    # names
    BadCase("injection-name", changed(set_at("name", "ab]\n[program:x]")), "name", "invalid pair name 'ab]\\n[program:x]'"),
    BadCase("path-name", changed(set_at("name", "../x")), "name", "invalid pair name '../x'"),
    BadCase("uppercase-name", changed(set_at("name", "Sync-AB")), "name", "a-z, 0-9"),
    BadCase("too-long-name", changed(set_at("name", "a" * 49)), "name", "1-48 characters"),
    BadCase("bad-file-stem", bad_file(doc_bytes(name=None), "sync-AB.json"), "name", "file name gives an invalid",
            file="sync-AB.json"),
    BadCase("null-name-bad-stem", bad_file(doc_bytes(name=None, change=set_at("name", None)), "sync-A.B.json"), "name",
            "file name gives an invalid", file="sync-A.B.json"),
    BadCase("name-of-a-bundle-program", changed(set_at("name", "health")), "name", "bundle's own programs are named"),
    # paths that supervisord.conf cannot carry in the worker's command line
    BadCase("space-in-file-name", bad_file(doc_bytes(name="sync-sp"), "sync-a b.json"), "file name", "' ', which",
            file="sync-a b.json"),
    BadCase("semicolon-in-file-name", bad_file(doc_bytes(name="sync-semi"), "sync-a;b.json"), "file name", "';'",
            file="sync-a;b.json"),
    BadCase("duplicate-names", same_name_twice, "name", "also used by", also=(("sync-twin.json", "name", "also used by"),)),
    # environment
    BadCase("unset-env", changed(set_at("jira", "apiToken", "${JIRA_UNSET}")), "jira.apiToken", "JIRA_UNSET is not set"),
    BadCase("empty-env", changed(set_at("jira", "apiToken", "${JIRA_EMPTY}")), "jira.apiToken", "JIRA_EMPTY is not set",
            env={"JIRA_EMPTY": ""}),
    BadCase("env-in-a-comment-template",
            changed(set_at("rules", 0, "actions", "commentTemplate", "token=${JIRA_AB_TOKEN}")),
            "rules[0].actions.commentTemplate", "environment references are only allowed where a secret belongs"),
    BadCase("env-in-the-base-url", changed(set_at("jira", "baseUrl", "http://jira.example.test/x${JIRA_AB_TOKEN}")),
            "jira.baseUrl", "only allowed where a secret belongs, in jira.apiToken and jira.email"),
    BadCase("env-in-the-name", changed(set_at("name", "${PAIR_NAME}")), "name", "only allowed where a secret belongs",
            env={"PAIR_NAME": "sync-x"}),
    BadCase("unknown-placeholder", changed(set_at("rules", 0, "actions", "commentTemplate", "Dev issue: ${targetkey}")),
            "rules[0].actions.commentTemplate", "unknown placeholder ${targetkey} (did you mean ${targetKey}?)"),
    BadCase("placeholder-listing", changed(set_at("rules", 3, "actions", "commentTemplate", "${issue}")),
            "rules[3].actions.commentTemplate", "known: ${sourceKey}, ${targetKey}, ${sourceStatus}, ${targetStatus}"),
    BadCase("token-with-newline", changed(set_at("jira", "apiToken", "${JIRA_NL}")), "jira.apiToken", "whitespace",
            env={"JIRA_NL": TOKEN + "\n"}),
    # shape and types
    BadCase("wrong-type-int", changed(set_at("rules", 0, "priority", "1")), "rules[0].priority", "valid integer"),
    BadCase("wrong-type-bool", changed(set_at("rules", 1, "enabled", "yes")), "rules[1].enabled", "valid boolean"),
    BadCase("unknown-key-typo", changed(rename_key("rules", 2, "syncDirection", "syncDirecton")), "rules[2].syncDirecton",
            "did you mean 'syncDirection'", also=(("sync-bad.json", "rules[2].syncDirection", "required"),)),
    BadCase("unknown-top-key", changed(set_at("userProjektKey", "X")), "userProjektKey", "unknown key"),
    BadCase("missing-required", changed(delete_at("userProjectKey")), "userProjectKey", "Field required"),
    BadCase("missing-token", changed(delete_at("jira", "apiToken")), "jira.apiToken", "Field required"),
    BadCase("empty-rules", changed(set_at("rules", [])), "rules", "at least 1 item"),
    # values
    BadCase("wrong-enum", changed(set_at("rules", 0, "syncDirection", "up")), "rules[0].syncDirection",
            "'user_to_dev', 'dev_to_user', 'both' or 'none'"),
    BadCase("wrong-auth-type", changed(set_at("jira", "authType", "oauth")), "jira.authType", "'basic' or 'pat'"),
    BadCase("negative-interval", changed(set_at("syncIntervalMinutes", -5)), "syncIntervalMinutes", "greater than 0"),
    BadCase("zero-seconds", changed(set_at("syncIntervalSeconds", 0)), "syncIntervalSeconds", "greater than 0"),
    BadCase("both-intervals", changed(set_at("syncIntervalSeconds", 30)), "syncIntervalSeconds", "not both"),
    BadCase("interval-floods-jira", changed(set_at("syncIntervalMinutes", 0.001)), "syncIntervalMinutes",
            "must be at least 0.0833 minutes (5 seconds): every pass searches both projects"),
    BadCase("interval-overflows", changed(lambda doc: (doc.pop("syncIntervalMinutes"), doc.update(syncIntervalSeconds=1e308))),
            "syncIntervalSeconds", "must be at most 86400 seconds (1 day)"),
    BadCase("interval-over-a-day", changed(set_at("syncIntervalMinutes", 1441)), "syncIntervalMinutes",
            "at most 1440 minutes (1 day)"),
    BadCase("full-scan-too-often", changed(set_at("fullScanIntervalSeconds", 30)), "fullScanIntervalSeconds",
            "at least 60 seconds (1 minute): a full scan reads every issue"),
    BadCase("full-scan-over-a-week", changed(set_at("fullScanIntervalMinutes", 10081)), "fullScanIntervalMinutes",
            "at most 10080 minutes (1 week)"),
    BadCase("full-scan-inside-a-pass", changed(set_at("fullScanIntervalMinutes", 2)), "fullScanIntervalMinutes",
            "must not be shorter than the sync interval (300 seconds)"),
    BadCase("priority-negative", changed(set_at("rules", 0, "priority", -1)), "rules[0].priority",
            "must be between 0 and 10000"),
    BadCase("priority-huge", changed(set_at("rules", 2, "priority", 10**30)), "rules[2].priority",
            "must be between 0 and 10000"),
    BadCase("number-overflows", bad_file(doc_bytes().replace(b'"syncIntervalMinutes": 5', b'"syncIntervalMinutes": 1e400')),
            "", "invalid JSON: a number is too large"),
    BadCase("number-with-5000-digits", bad_file(doc_bytes().replace(b'"priority": 1', b'"priority": ' + b"9" * 5000)),
            "", "more than 100 digits"),
    BadCase("duplicate-rule-ids", changed(duplicate_rule_id), "rules[1].id", "duplicate rule id (also rules[0])"),
    BadCase("bad-url", changed(set_at("jira", "baseUrl", "ftp://team-a.example")), "jira.baseUrl", "http:// or https://"),
    BadCase("url-with-credentials", changed(set_at("jira", "baseUrl", "https://bot:pw@a.example")), "jira.baseUrl", "credentials"),
    BadCase("basic-without-email", changed(delete_at("jira", "email")), "jira.email", "required when authType is 'basic'"),
    BadCase("bad-time-zone", changed(set_at("jira", "timeZone", "Mars/Olympus")), "jira.timeZone", "unknown time zone"),
    BadCase("bad-project-key", changed(set_at("devProjectKey", "ab-dev")), "devProjectKey", "Jira project key"),
    BadCase("same-project-keys", changed(set_at("devProjectKey", "ABSUP")), "devProjectKey", "must differ"),
]


def test_at_least_fifteen_kinds_of_bad_files() -> None:
    assert len(BAD_CASES) >= 15


@pytest.mark.parametrize("case", BAD_CASES, ids=[case.id for case in BAD_CASES])
def test_bad_file_is_reported_with_file_and_field_and_good_pair_still_loads(case: BadCase, tmp_path: Path) -> None:
    config_dir, outside = tmp_path / "config", tmp_path / "outside"
    config_dir.mkdir()
    outside.mkdir()
    write(config_dir, "sync-good.json", doc_bytes(name="sync-good"))
    case.make(config_dir, outside)

    result = load_configs(config_dir, environ={**ENV, **case.env})

    assert [pair.name for pair in result.pairs] == ["sync-good"]
    reported = {(Path(error.file).name, error.field, error.message) for error in result.errors}
    for filename, field_path, fragment in [(case.file, case.field, case.fragment), *case.also]:
        assert any(
            name == filename and fld == field_path and fragment in message for name, fld, message in reported
        ), f"expected {filename} / {field_path!r} / {fragment!r} in {reported}"
    assert all(error.file.startswith(str(config_dir)) for error in result.errors)
    everything = "\n".join([str(result), repr(result), *map(str, result.errors), *map(repr, result.errors)])
    assert TOKEN not in everything
    assert all("\n" not in error.message for error in result.errors)


def test_original_example_loads_unchanged(tmp_path: Path) -> None:
    (tmp_path / "sync-ab.json").write_bytes(ORIGINAL_SYNC_AB.encode())

    result = load_configs(tmp_path, environ=ENV)

    assert result.errors == []
    (pair,) = result.pairs
    assert pair.name == "sync-ab"
    assert pair.config.jira.api_token.get_secret_value() == TOKEN
    assert [rule.id for rule in pair.config.rules][:2] == ["user-will-do", "user-reopened"]
    assert validate_lines(result) == [f"OK sync-ab ({tmp_path / 'sync-ab.json'}): ABSUP <-> ABDEV, 6 rules"]


def test_only_sync_json_files_are_loaded_and_never_the_example_or_schema(tmp_path: Path) -> None:
    shipped = REPO / "config"
    for name in ("sync-rules.example.json", "sync-rules.schema.json"):
        (tmp_path / name).write_bytes((shipped / name).read_bytes())
    (tmp_path / "other.json").write_text("not json")
    (tmp_path / "sync-ab.json.bak").write_text("not json")
    (tmp_path / "sync-ab.json").write_bytes(doc_bytes(name=None))

    result = load_configs(tmp_path, environ=ENV)

    assert result.errors == []
    assert [pair.name for pair in result.pairs] == ["sync-ab"]


def test_symlink_inside_the_config_dir_is_followed(tmp_path: Path) -> None:
    (tmp_path / "..data").mkdir()
    (tmp_path / "..data" / "ab.json").write_bytes(doc_bytes(name="sync-ab"))
    (tmp_path / "sync-ab.json").symlink_to(tmp_path / "..data" / "ab.json")

    result = load_configs(tmp_path, environ=ENV)

    assert [pair.name for pair in result.pairs] == ["sync-ab"]


def test_missing_directory_is_one_error(tmp_path: Path) -> None:
    result = load_configs(tmp_path / "nowhere", environ=ENV)

    assert result.pairs == []
    assert [(e.field, e.message) for e in result.errors] == [("", "config directory does not exist")]


def test_empty_directory_has_no_errors_and_says_so(tmp_path: Path) -> None:
    result = load_configs(tmp_path, environ=ENV)

    assert result.ok and result.pairs == []
    assert validate_lines(result) == [f"no pair configs (sync-*.json) in {tmp_path}"]


def test_validate_lines_one_line_per_file_sorted(tmp_path: Path) -> None:
    write(tmp_path, "sync-ab.json", doc_bytes(name=None))
    both = lambda doc: (set_at("rules", 0, "syncDirection", "up")(doc), delete_at("jira", "email")(doc))  # noqa: E731
    write(tmp_path, "sync-x.json", doc_bytes(both, name=None))

    lines = validate_lines(load_configs(tmp_path, environ=ENV))

    assert lines[0] == f"OK sync-ab ({tmp_path / 'sync-ab.json'}): ABSUP <-> ABDEV, 6 rules"
    assert lines[1].startswith(f"ERROR {tmp_path / 'sync-x.json'}: ")
    assert "jira.email: required" in lines[1] and "; rules[0].syncDirection: Input should be" in lines[1]
    assert len(lines) == 2


def test_fingerprint_follows_the_content_but_never_the_token(tmp_path: Path) -> None:
    write(tmp_path, "sync-ab.json", doc_bytes(name=None))

    def fingerprint(environ: dict[str, str]) -> str:
        return load_configs(tmp_path, environ=environ).pairs[0].fingerprint

    first = fingerprint(ENV)
    assert fingerprint(ENV) == first
    assert fingerprint({**ENV, "UNRELATED": "x"}) == first
    assert fingerprint({"JIRA_AB_TOKEN": TOKEN + "2"}) == first, "no digest of a secret"
    write(tmp_path, "sync-ab.json", doc_bytes(set_at("description", "changed"), name=None))
    assert fingerprint(ENV) != first
    fingerprints = set()
    for token in ("literal-token-1", "literal-token-2"):
        write(tmp_path, "sync-ab.json", doc_bytes(set_at("jira", "apiToken", token), name=None))
        fingerprints.add(fingerprint(ENV))
    assert len(fingerprints) == 1, "a literal token in an original-format file leaves no trace either"


def test_an_escaped_reference_outside_the_jira_block_is_a_literal_and_the_token_stays_out(tmp_path: Path) -> None:
    write(tmp_path, "sync-ab.json", doc_bytes(set_at("rules", 0, "actions", "commentTemplate",
                                                     "Dev issue ${targetKey}, not $${JIRA_AB_TOKEN}"), name=None))

    [pair] = load_configs(tmp_path, environ=ENV).pairs

    assert pair.config.rules[0].actions.comment_template == "Dev issue ${targetKey}, not ${JIRA_AB_TOKEN}"
    assert TOKEN not in pair.config.model_dump_json()


def test_two_pairs_on_one_project_of_one_site_are_both_refused_each_naming_the_other(tmp_path: Path) -> None:
    write(tmp_path, "sync-ab.json", doc_bytes(name=None))  # ABSUP <-> ABDEV on https://team-a.atlassian.net
    write(tmp_path, "sync-ab2.json", doc_bytes(lambda doc: (set_at("jira", "baseUrl", "HTTPS://Team-A.atlassian.net:443/")(doc),
                                                            set_at("devProjectKey", "ABSUP")(doc),
                                                            set_at("userProjectKey", "ABHELP")(doc)), name=None))
    write(tmp_path, "sync-other-site.json", doc_bytes(set_at("jira", "baseUrl", "https://team-b.atlassian.net"), name=None))
    write(tmp_path, "sync-broken.json", doc_bytes(lambda doc: (set_at("rules", [])(doc)), name=None))

    result = load_configs(tmp_path, environ=ENV)

    assert [pair.name for pair in result.pairs] == ["sync-other-site"]
    shared = [(Path(e.file).name, e.field, e.message) for e in result.errors if "also used by" in e.message]
    assert [(file, field) for file, field, _ in shared] == [("sync-ab.json", "userProjectKey"),
                                                            ("sync-ab2.json", "devProjectKey")]
    assert str(tmp_path / "sync-ab2.json") in shared[0][2] and "its devProjectKey" in shared[0][2]
    assert str(tmp_path / "sync-ab.json") in shared[1][2] and "its userProjectKey" in shared[1][2]
    assert all("project ABSUP" in message and "same Jira site" in message for _, _, message in shared)
    assert {Path(e.file).name for e in result.errors} == {"sync-ab.json", "sync-ab2.json", "sync-broken.json"}


def other_projects(user_key: str, dev_key: str) -> Callable[[dict], None]:
    return lambda doc: (set_at("userProjectKey", user_key)(doc), set_at("devProjectKey", dev_key)(doc))


def refused_files(result) -> set[str]:
    return {Path(error.file).name for error in result.errors}


def test_a_file_refused_for_its_name_still_holds_its_projects_against_another_pair(tmp_path: Path) -> None:
    """Issue 17: {sync-good, a same-name copy, sync-shared on the same projects} left sync-shared
    valid, because the shared-project check skipped the two files refused for their name."""
    write(tmp_path, "sync-good.json", doc_bytes(name="sync-good"))
    write(tmp_path, "sync-good-copy.json", doc_bytes(name="sync-good"))
    write(tmp_path, "sync-shared.json", doc_bytes(name="sync-shared"))

    result = load_configs(tmp_path, environ=ENV)

    assert result.pairs == []
    assert refused_files(result) == {"sync-good.json", "sync-good-copy.json", "sync-shared.json"}
    shared = [e for e in result.errors if Path(e.file).name == "sync-shared.json"]
    assert {e.field for e in shared} == {"userProjectKey", "devProjectKey"}
    named = " ".join(e.message for e in shared)
    assert f"also used by {tmp_path / 'sync-good.json'}" in named
    assert f"also used by {tmp_path / 'sync-good-copy.json'}" in named


@pytest.mark.parametrize("names", [("sync-a", "sync-b", "sync-c"), ("sync-c", "sync-b", "sync-a")])
def test_a_same_name_pair_blocks_a_second_pair_on_its_projects_and_a_broken_file_blocks_nothing(
        tmp_path: Path, names: tuple[str, ...]) -> None:
    """Whichever sorts first: files refused only for sharing a name still hold their projects
    (one of them may run on its last good config); a broken file (no rules) runs nothing and
    blocks nothing (a running pair's projects are held by `reload`: test_cli_reload)."""
    twin, second, broken = names
    write(tmp_path, f"{twin}.json", doc_bytes(name=twin))
    write(tmp_path, f"{twin}-copy.json", doc_bytes(name=twin))
    write(tmp_path, f"{second}.json", doc_bytes(name=second))
    write(tmp_path, f"{broken}.json", doc_bytes(lambda doc: (set_at("rules", [])(doc), other_projects("CDSUP", "CDDEV")(doc)),
                                                name=broken))
    write(tmp_path, "sync-cd.json", doc_bytes(other_projects("CDSUP", "CDDEV"), name="sync-cd"))

    result = load_configs(tmp_path, environ=ENV)

    assert [pair.name for pair in result.pairs] == ["sync-cd"]
    assert any(Path(e.file).name == f"{second}.json" and e.field == "userProjectKey"
               and f"also used by {tmp_path / (twin + '.json')}" in e.message for e in result.errors)
    assert not [e for e in result.errors if "also used by" in e.message and "sync-cd" in e.message + e.file]


def test_load_pair_returns_config_with_name_from_file_stem(tmp_path: Path) -> None:
    write(tmp_path, "sync-cd.json", doc_bytes(name=None))

    config = load_pair(tmp_path / "sync-cd.json", environ=ENV)

    assert config.name == "sync-cd"
    assert config.interval_seconds == 300


def test_load_pair_raises_with_every_problem(tmp_path: Path) -> None:
    both = lambda doc: (delete_at("jira", "email")(doc), set_at("rules", [])(doc))  # noqa: E731
    write(tmp_path, "sync-cd.json", doc_bytes(both))

    with pytest.raises(ConfigFileError) as raised:
        load_pair(tmp_path / "sync-cd.json", environ=ENV)

    assert {e.field for e in raised.value.errors} == {"jira.email", "rules"}
    assert TOKEN not in str(raised.value)


def test_a_config_directory_supervisord_cannot_carry_refuses_every_file_there_and_to_the_worker(tmp_path: Path) -> None:
    config_dir = tmp_path / "my configs"
    config_dir.mkdir()
    write(config_dir, "sync-ab.json", doc_bytes(name=None))
    write(config_dir, "sync-cd.json", doc_bytes(other_projects("CDSUP", "CDDEV"), name=None))

    result = load_configs(config_dir, environ=ENV)

    assert result.pairs == []
    assert [(Path(e.file).name, e.field) for e in result.errors] == [("sync-ab.json", "file path"), ("sync-cd.json", "file path")]
    assert all("' '" in e.message and "move the config directory" in e.message for e in result.errors)
    with pytest.raises(ConfigFileError) as raised:
        load_pair(config_dir / "sync-ab.json", environ=ENV)
    assert [e.field for e in raised.value.errors] == ["file path"]
