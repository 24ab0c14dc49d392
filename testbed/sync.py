"""An in-process sync pair for engine tests: the real engine, client, store and simulator.

`SyncHarness` plays both parts a test needs: the person who moves issues in Jira (through
its own human-credentialled client) and the operator who runs passes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import requests

from app.config import PairConfig, load_pair
from app.jira import BasicAuth, JiraClient
from app.mongo import MongoDatabase
from app.sync.engine import Engine
from app.sync.model import PassSummary
from app.sync.store import PairStore
from jira_sim.seed import BOT, HUMAN
from testbed.bundle import pair_config

WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")


class ShiftableClock:
    """Real UTC time plus an offset a test can move forward (failure backoff)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def write_pair_file(
    tmp_path: Path, base_url: str, name: str = "sync-ab", deployment: str = "cloud", **overrides: Any
) -> Path:
    config = pair_config(name, base_url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN", **overrides)
    config["jira"]["deployment"] = deployment
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(config))
    return path


class JiraSite(Protocol):
    """A running simulated Jira site: jira_sim's SimulatorServer in this process, or bench's in its own."""

    @property
    def url(self) -> str: ...


class SyncHarness:
    def __init__(self, sim: JiraSite, database: MongoDatabase, tmp_path: Path, **overrides: Any) -> None:
        self.sim = sim
        path = write_pair_file(tmp_path, sim.url, **overrides)
        self.config: PairConfig = load_pair(path, environ={"JIRA_AB_TOKEN": BOT.api_token})
        self.site = JiraClient.discover_site(self.config.jira)  # as the worker does at start
        self.bot = JiraClient.from_config(self.config.jira, site=self.site, sleep=lambda seconds: None)
        self.human = JiraClient(sim.url, _human_auth(), deployment=self.bot.deployment)
        self.store = PairStore(database, fence=1)  # as a worker holding its pair's first lease
        self.store.ensure_indexes()
        self.clock = ShiftableClock()
        self.engine = self.new_engine()

    def new_engine(self, store: PairStore | None = None, time_zone: str = "UTC") -> Engine:
        return Engine(self.config, self.bot, store or self.store, time_zone=time_zone, clock=self.clock)

    # -- the person ---------------------------------------------------------------------------

    def new_user_issue(self, summary: str = "Printer on fire", status: str | None = None, **fields: Any) -> str:
        created = self.human.create_issue(
            {"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": summary, **fields}
        )
        if status:
            self.move(created["key"], status)
        answer: str = created["key"]
        return answer

    def move(self, key: str, *statuses: str) -> None:
        for status in statuses:
            self.human.transition_to(key, status, resolution="Done")

    def status(self, key: str) -> str:
        answer: str = self.human.get_issue(key, fields=["status"])["fields"]["status"]["name"]
        return answer

    def dev_key(self, user_key: str) -> str | None:
        user_id = self.human.get_issue(user_key, fields=["status"])["id"]
        mapping = self.store.mapping_for("user", str(user_id))
        return mapping.dev_key if mapping else None

    def dev_issues(self) -> list[dict[str, Any]]:
        return list(self.human.search('project = "ABDEV" ORDER BY key ASC', fields=["summary", "status"]))

    def comments(self, key: str) -> list[str]:
        return [c["body"] for c in self.human.comments(key)]

    # -- the operator -------------------------------------------------------------------------

    def sync(self) -> PassSummary:
        summary = self.engine.run_pass()
        assert summary.error is None or summary.counts.get("failed"), summary
        return summary

    def admin(self, method: str, path: str, **body: Any) -> Any:
        response = requests.request(method, f"{self.sim.url}/_sim/{path}", json=body or None, timeout=5)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset_requests(self) -> None:
        self.admin("POST", "requests/reset")

    def bot_writes(self) -> list[str]:
        """Write requests since the last reset (searches and bulkfetch by POST are reads); reset after the
        person's moves so that only the sync's requests are left."""
        log = self.admin("GET", "requests")["requests"]
        return [f"{r['method']} {r['path']}" for r in log if r["method"] in WRITE_METHODS and "/search" not in r["path"]
                and not r["path"].endswith("/bulkfetch")]


def _human_auth() -> BasicAuth:
    return BasicAuth(*HUMAN.basic_auth)
