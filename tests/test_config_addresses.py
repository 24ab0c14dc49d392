"""Addresses a pair must not reach (issue 17): link-local and cloud metadata base URLs are
refused with file, field and reason; loopback and private ones warn unless the file says it
means them; no host name is resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.validate import validate_lines
from app.config import load_configs
from app.config.addresses import private_host, refused_host
from tests.support.original import ORIGINAL_SYNC_AB

ENV = {"JIRA_AB_TOKEN": "tok-SECRET-9f8e7d6c5b4a"}


def write_pair(directory: Path, base_url: str, **jira: object) -> Path:
    document = json.loads(ORIGINAL_SYNC_AB)
    document["jira"] = {**document["jira"], "baseUrl": base_url, **jira}
    path = directory / "sync-ab.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("base_url", [
    "http://169.254.169.254/latest/meta-data",
    "http://169.254.10.1",
    "http://[fe80::1]:8080",
    "http://[::ffff:169.254.169.254]/",
    "http://metadata.google.internal/computeMetadata/v1",
    "http://METADATA.google.internal./",
    "http://100.100.100.200/",
    "http://[fd00:ec2::254]/",
    "http://0.0.0.0:8080",
])
def test_link_local_and_metadata_addresses_are_refused_even_when_private_ones_are_allowed(tmp_path, base_url):
    path = write_pair(tmp_path, base_url, allowPrivateAddress=True)

    result = load_configs(tmp_path, environ=ENV)

    assert result.pairs == []
    [error] = result.errors
    assert (error.file, error.field) == (str(path), "jira.baseUrl")
    assert "must not send its token there" in error.message or "names no host" in error.message


@pytest.mark.parametrize(("base_url", "kind"), [
    ("http://localhost:8080", "loopback"),
    ("http://jira.localhost", "loopback"),
    ("http://127.0.0.1:9", "loopback"),
    ("http://[::1]:8080", "loopback"),
    ("https://10.1.2.3/jira", "private"),
    ("https://172.16.0.5", "private"),
    ("https://192.168.1.20:8443", "private"),
    ("https://100.64.0.1", "private"),
    ("https://[fd12:3456::1]", "private"),
])
def test_loopback_and_private_addresses_warn_unless_the_file_means_them(tmp_path, base_url, kind):
    write_pair(tmp_path, base_url)

    warned = validate_lines(load_configs(tmp_path, environ=ENV))

    assert warned[0].startswith("OK sync-ab")
    assert any(line.startswith("WARNING") and "jira.baseUrl" in line and f"is a {kind} address" in line
               and '"allowPrivateAddress": true' in line for line in warned[1:]), warned

    write_pair(tmp_path, base_url, allowPrivateAddress=True)
    meant = load_configs(tmp_path, environ=ENV)
    assert [pair.name for pair in meant.pairs] == ["sync-ab"]
    assert not [warning for warning in meant.pairs[0].warnings if warning.field == "jira.baseUrl"]


@pytest.mark.parametrize("host", ["team.atlassian.net", "jira.example.test", "8.8.8.8", "2606:4700::1111",
                                  "localhost.example.test", "metadata.example.test"])
def test_public_addresses_and_names_pass_unresolved(host):
    assert refused_host(host) is None and private_host(host) is None


def test_the_allow_field_must_be_a_boolean(tmp_path):
    write_pair(tmp_path, "http://127.0.0.1:9", allowPrivateAddress="yes")

    [error] = load_configs(tmp_path, environ=ENV).errors

    assert error.field == "jira.allowPrivateAddress"
