"""Creating a Dev issue so that a crash at any point never leads to a second one.

1. A write-ahead intent `create:<user issue id>` is recorded in the pair's database.
2. The Dev issue is created in one request *with* its link to the User issue and a `jira-sync`
   issue property naming that User issue (Jira stores both atomically with the issue). Where
   the Dev project's create screen has no "Linked Issues" field, the link follows separately.
3. The mapping is recorded, then the intent is marked done; the engine marks it `completed`
   once the whole creating plan (attachments, comment) ran.
A later attempt that finds the intent without a mapping looks for the issue by its marker,
among the User issue's links or else among the Dev issues created since the intent, before
creating anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.config import PairConfig
from app.instants import decode_instant
from app.jira import JiraBadRequest, JiraClient, jql_datetime, jql_string
from app.sync.model import CreateDevIssue, Mapping
from app.sync.snapshot import parse_jira_datetime
from app.sync.store import PairStore

MARKER_PROPERTY = "jira-sync"
LINK_TYPE = "Relates"
RECOVERY_WINDOW = timedelta(minutes=2)  # JQL dates are minute-precise; the clocks may differ a little


def creation_intent(user_issue_id: str) -> str:
    """The write-ahead record of a Dev issue's creation (see Engine._mapping_before)."""
    return f"create:{user_issue_id}"


@dataclass
class DevIssueCreation:
    """Creates a User issue's Dev issue at most once (see the module docstring)."""

    jira: JiraClient
    store: PairStore
    config: PairConfig
    clock: Callable[[], datetime]
    time_zone: str

    def ensure(self, action: CreateDevIssue) -> tuple[Mapping, bool]:
        """The Dev issue of `action`'s User issue, created unless it exists: (mapping, created)."""
        existing = self.store.mapping_for("user", action.user_issue_id)
        if existing:
            return existing, False
        intent_id = creation_intent(action.user_issue_id)
        intent = self.store.intent(intent_id)
        if intent:
            recovered = self._find_created_dev_issue(action, decode_instant(intent["at"]))
            if recovered:
                self._record(intent_id, recovered)
                return recovered, False
        self.store.begin_intent(intent_id, self.clock(), user_key=action.user_issue_key, status=action.user_status)
        fields: dict[str, Any] = {
            "project": {"key": action.project_key},
            "issuetype": {"name": action.issue_type},
            "summary": action.summary,
            "description": action.description,
        }
        if action.priority:
            fields["priority"] = {"name": action.priority}
        marker = {MARKER_PROPERTY: self._marker(action)}
        try:
            created = self.jira.create_issue(fields, properties=marker, links=[(LINK_TYPE, action.user_issue_key)])
        except JiraBadRequest as refused:
            if "issuelinks" not in refused.errors:
                raise
            # The Dev project's create screen lacks "Linked Issues": create, then link. A crash in
            # between is recovered through the marker (see _find_created_dev_issue).
            created = self.jira.create_issue(fields, properties=marker)
            self.jira.create_issue_link(LINK_TYPE, created["key"], action.user_issue_key)
        mapping = Mapping(action.user_issue_id, action.user_issue_key, str(created["id"]), created["key"])
        self._record(intent_id, mapping)
        return mapping, True

    def _marker(self, action: CreateDevIssue) -> dict[str, str]:
        return {"pair": self.config.name, "userIssueId": action.user_issue_id, "userIssueKey": action.user_issue_key}

    def _find_created_dev_issue(self, action: CreateDevIssue, since: datetime) -> Mapping | None:
        """The Dev issue an interrupted create made: among the User issue's links, else among the
        Dev issues created since the intent (a create screen without links), by its marker."""
        user_issue = self.jira.get_issue(action.user_issue_id, fields=["issuelinks"])
        linked = [link.get("inwardIssue") or link.get("outwardIssue") or {} for link in user_issue["fields"].get("issuelinks") or []]
        candidates = [issue for issue in linked if issue.get("key", "").startswith(f"{action.project_key}-")]
        for candidate in candidates or self._created_since(action.project_key, since):
            marker = self.jira.get_property(candidate["key"], MARKER_PROPERTY) or {}
            if marker.get("userIssueId") == action.user_issue_id:
                return Mapping(action.user_issue_id, action.user_issue_key, str(candidate["id"]), candidate["key"])
        return None

    def _created_since(self, project_key: str, since: datetime) -> list[dict[str, Any]]:
        window = jql_datetime(since - RECOVERY_WINDOW, self.time_zone)
        jql = f'project = {jql_string(project_key)} AND created >= "{window}" ORDER BY created ASC'
        return list(self.jira.search(jql, fields=["summary"]))

    def _record(self, intent_id: str, mapping: Mapping) -> None:
        """Record the mapping, close the intent, and store the Dev issue's first status as its
        baseline so that its next move is seen as a change."""
        self.store.save_mapping(mapping)
        self.store.finish_intent(intent_id, dev_id=mapping.dev_id, dev_key=mapping.dev_key)
        dev = self.jira.get_issue(mapping.dev_id, fields=["status", "updated"])
        status, updated = dev["fields"]["status"]["name"], parse_jira_datetime(dev["fields"]["updated"])
        self.store.save_issue_state(mapping.dev_id, "dev", dev["key"], status, updated)
