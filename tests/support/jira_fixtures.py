"""Pytest fixtures serving the Jira simulator over real HTTP on loopback.

``jira_sim`` (Cloud) and ``jira_sim_dc`` (Data Center): a fresh :class:`SimulatorServer`
per test, seeded with :func:`demo_seed` (projects ABSUP/ABDEV, users :data:`BOT` and
:data:`HUMAN` of :mod:`jira_sim.seed`). Use ``.url`` for the base URL and ``.site`` to inspect state.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from jira_sim.seed import BOT, HUMAN, demo_seed
from jira_sim.server import SimulatorServer


@pytest.fixture
def jira_sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(demo_seed(), deployment="cloud").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def jira_sim_dc() -> Iterator[SimulatorServer]:
    server = SimulatorServer(demo_seed(), deployment="datacenter").start()
    try:
        yield server
    finally:
        server.stop()


BOT_AUTH = BOT.basic_auth
HUMAN_AUTH = HUMAN.basic_auth


def api_session(auth: tuple[str, str] | None = BOT_AUTH, bearer: str | None = None) -> requests.Session:
    """A requests session authenticated as the bot (basic) or with a bearer token."""
    session = requests.Session()
    if bearer:
        session.headers["Authorization"] = f"Bearer {bearer}"
    elif auth:
        session.auth = auth
    return session


def api_base(server: SimulatorServer) -> str:
    """The REST base a client of this deployment uses (v3 on Cloud, v2 on Data Center)."""
    version = "3" if server.site.deployment == "cloud" else "2"
    return f"{server.url}/rest/api/{version}"


def body_text(server: SimulatorServer, text: str):
    """A description/comment body in the deployment's format (ADF on Cloud, string on DC)."""
    if server.site.deployment == "datacenter":
        return text
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


def create_issue(server: SimulatorServer, session: requests.Session, project: str = "ABSUP",
                 summary: str = "Printer on fire", **extra) -> dict:
    fields = {"project": {"key": project}, "summary": summary, "issuetype": {"name": "Bug"}, **extra}
    response = session.post(f"{api_base(server)}/issue", json={"fields": fields})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(params=["cloud", "datacenter"])
def any_sim(request: pytest.FixtureRequest) -> Iterator[SimulatorServer]:
    """The simulator on each deployment in turn."""
    server = SimulatorServer(demo_seed(), deployment=request.param).start()
    try:
        yield server
    finally:
        server.stop()
