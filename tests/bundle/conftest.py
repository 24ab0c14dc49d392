"""What the real bundles of this layer sync against: the simulated Jira site, seeded with the demo's
projects, and the person who works in it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.jira import BasicAuth, JiraClient
from jira_sim.seed import HUMAN, demo_seed
from jira_sim.server import SimulatorServer


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(demo_seed()).start()
    yield server
    server.stop()


@pytest.fixture
def human(sim: SimulatorServer) -> JiraClient:
    return JiraClient(sim.url, BasicAuth(*HUMAN.basic_auth), deployment="cloud")
