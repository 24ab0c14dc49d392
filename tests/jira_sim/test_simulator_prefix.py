"""The simulator served under a path prefix: the Cloud gateway shape and a Data Center context path."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import requests

from jira_sim.seed import demo_seed
from jira_sim.server import SimulatorServer
from testbed.ports import free_port
from testbed.waiting import wait_for
from tests.support.jira_fixtures import api_base, api_session, create_issue

GATEWAY = "/ex/jira/0d3c7a52-5b1e-4a4e-9c43-1f2e3d4c5b6a"
SITE = "https://acme.atlassian.net"


@pytest.fixture
def gateway():
    server = SimulatorServer(demo_seed(), deployment="cloud", prefix=GATEWAY, site_url=SITE).start()
    yield server
    server.stop()


@pytest.fixture
def context_path():
    server = SimulatorServer(demo_seed(), deployment="datacenter", prefix="/jira").start()
    yield server
    server.stop()


def urls_in(document) -> list[str]:
    """Every absolute URL anywhere in a JSON document."""
    if isinstance(document, dict):
        return [url for value in document.values() for url in urls_in(value)]
    if isinstance(document, list):
        return [url for value in document for url in urls_in(value)]
    return [document] if isinstance(document, str) and document.startswith("http") else []


def attach(server, session, key: str) -> dict:
    answer = session.post(f"{api_base(server)}/issue/{key}/attachments", files={"file": ("log.txt", b"boom")},
                          headers={"X-Atlassian-Token": "no-check"})
    assert answer.status_code == 200, answer.text
    return answer.json()[0]


@pytest.mark.parametrize("name", ["gateway", "context_path"])
def test_every_route_and_every_emitted_url_carry_the_prefix(request, name):
    server = request.getfixturevalue(name)
    session = api_session()
    assert server.url.endswith(GATEWAY if name == "gateway" else "/jira")
    key = create_issue(server, session)["key"]
    attach(server, session, key)
    session.post(f"{api_base(server)}/issue/{key}/comment", json={"body": "seen" if name == "context_path" else {
        "type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "seen"}]}]}})
    issue = session.get(f"{api_base(server)}/issue/{key}").json()
    emitted = urls_in(issue) + urls_in(session.get(f"{api_base(server)}/project/ABSUP").json())
    assert emitted and all(url.startswith(server.url + "/") for url in emitted), emitted
    assert issue["fields"]["attachment"][0]["content"].startswith(server.url + "/")


def test_requests_outside_the_prefix_are_not_found(gateway):
    outside = gateway.url.removesuffix(GATEWAY)
    assert api_session().get(f"{outside}/rest/api/3/myself").status_code == 404
    assert api_session().get(f"{gateway.url}/rest/api/3/myself").status_code == 200
    assert requests.get(f"{gateway.url}/_sim/clock").status_code == 200


def test_server_info_names_the_sites_own_url_behind_the_gateway(gateway):
    assert api_session().get(f"{gateway.url}/rest/api/3/serverInfo").json()["baseUrl"] == SITE


def test_server_info_defaults_to_the_served_url_with_its_context_path(context_path):
    assert api_session().get(f"{context_path.url}/rest/api/2/serverInfo").json()["baseUrl"] == context_path.url


def test_data_center_serves_attachments_under_its_context_path(context_path):
    session = api_session()
    key = create_issue(context_path, session)["key"]
    content = attach(context_path, session, key)["content"]
    assert content.startswith(f"{context_path.url}/secure/attachment/")
    assert session.get(content).content == b"boom"


@pytest.mark.parametrize("prefix", ["jira", "/jira/"])
def test_a_malformed_prefix_is_refused(prefix):
    with pytest.raises(ValueError, match="prefix"):
        SimulatorServer(demo_seed(), prefix=prefix)


def test_cli_serves_under_a_prefix_and_names_the_site_url():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "jira_sim", "--port", str(port), "--prefix", "/jira",
                                "--site-url", "https://jira.example.test", "--deployment", "datacenter"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def server_info():
            return requests.get(f"http://127.0.0.1:{port}/jira/rest/api/2/serverInfo", timeout=1).json()

        assert wait_for(server_info, timeout=15, what="the simulator to serve under /jira")["baseUrl"] == \
            "https://jira.example.test"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
