"""The shipped JSON Schema: generated from the models, current, and agreeing with the loader."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from app.demo.files import EXAMPLE_CONFIG
from testbed.original import ORIGINAL_SYNC_AB
from tools.schema import SCHEMA_PATH, main, pair_config_schema, schema_text

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = pair_config_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH == REPO / "config" / "sync-rules.schema.json"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), "stale: run python -m tools.schema"


def test_check_mode_fails_on_a_stale_file_and_write_mode_fixes_it(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    target.write_text("{}\n")

    assert main(["--check", "--output", str(target)]) == 1
    assert main(["--output", str(target)]) == 0
    assert main(["--check", "--output", str(target)]) == 0
    assert target.read_text() == schema_text()


def test_module_runs_as_a_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.schema", "--check"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_schema_accepts_the_shipped_and_the_original_example(validator) -> None:
    validator.validate(json.loads((REPO / "config" / "sync-rules.example.json").read_text(encoding="utf-8")))
    validator.validate(json.loads(ORIGINAL_SYNC_AB))


def test_the_example_operators_copy_is_the_one_the_package_ships() -> None:
    # config/ holds a link to the package data: README's `cp` and the demo read the same rules.
    assert (REPO / "config" / "sync-rules.example.json").read_bytes() == EXAMPLE_CONFIG.read_bytes()


def test_schema_rejects_typos_and_bad_enums_but_allows_comment_keys(validator) -> None:
    document = json.loads(ORIGINAL_SYNC_AB)
    document["rules"][0]["_why"] = "comments are fine at every level"

    validator.validate(document)
    typo = copy.deepcopy(document)
    typo["rules"][2]["syncDirecton"] = "both"
    assert not validator.is_valid(typo)
    wrong = copy.deepcopy(document)
    wrong["rules"][0]["syncDirection"] = "sideways"
    assert not validator.is_valid(wrong)
    assert not validator.is_valid({**document, "rules": []})


def test_schema_uses_the_camel_case_keys() -> None:
    schema = pair_config_schema()

    assert {"userProjectKey", "devProjectKey", "syncIntervalMinutes", "syncIntervalSeconds", "devIssueType"} <= set(
        schema["properties"]
    )
    assert set(schema["$defs"]["JiraConfig"]["properties"]) == {
        "$schema", "baseUrl", "email", "apiToken", "authType", "deployment", "timeZone", "allowPrivateAddress"
    }
