"""The simulated Jira site over HTTP (urllib): what a person does in Jira, and the admin API."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any


class Site:
    def __init__(self, base_url: str, email: str, token: str) -> None:
        self.base_url = base_url
        self.auth = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             timeout: float = 10) -> dict[str, Any] | None:
        request = urllib.request.Request(self.base_url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": self.auth, "Content-Type": "application/json",
                                                  "Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def read(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """`call` for the requests Jira answers with a JSON object; an empty answer is an error."""
        answer = self.call(method, path, body)
        if answer is None:
            raise RuntimeError(f"{method} {path}: empty answer from {self.base_url}, expected a JSON object")
        return answer

    def create_issue(self, project: str, summary: str) -> str:
        fields = {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": summary}
        key: str = self.read("POST", "/rest/api/3/issue", {"fields": fields})["key"]
        return key

    def move(self, key: str, status: str) -> None:
        transitions = self.read("GET", f"/rest/api/3/issue/{key}/transitions")["transitions"]
        [transition] = [t for t in transitions if t["to"]["name"] == status]
        self.call("POST", f"/rest/api/3/issue/{key}/transitions", {"transition": {"id": transition["id"]}})

    def linked_keys(self, key: str, project: str) -> list[str]:
        """Keys of the issues of `project` linked to `key` (either direction)."""
        issue = self.read("GET", f"/rest/api/3/issue/{key}?fields=issuelinks")
        keys: list[str] = []
        for link in issue["fields"].get("issuelinks") or []:
            other = link.get("inwardIssue") or link.get("outwardIssue") or {}
            if other.get("key", "").startswith(f"{project}-"):
                keys.append(other["key"])
        return keys

    def keys(self, project: str) -> list[str]:
        """Every issue key of `project` (Cloud's /search/jql, page by page)."""
        keys: list[str] = []
        token = ""
        while True:
            page = self.read("GET", f"/rest/api/3/search/jql?jql=project%3D{project}&maxResults=100&fields=summary"
                                    + (f"&nextPageToken={token}" if token else ""))
            keys += [issue["key"] for issue in page.get("issues", [])]
            token = page.get("nextPageToken") or ""
            if not token:
                return keys

    def set_token(self, account_id: str, token: str) -> None:
        """Rotate a user's API token (the admin API, as a Jira admin revokes and issues one)."""
        self.call("PATCH", f"/_sim/users/{account_id}", {"apiToken": token})

    def up(self) -> bool:
        try:
            self.call("GET", "/rest/api/3/serverInfo", timeout=2)
            return True
        except (OSError, urllib.error.URLError):
            return False
