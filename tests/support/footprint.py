"""What the original TypeScript service (kiendd/Jira-sync) leaves behind, written the way it writes it.

In Jira (src/jira/dev-project.ts, user-project.ts, description.ts): the Dev issue is a `Bug`
with the User issue's summary, its description copied plus a line `User Link: <browse URL>`;
the User issue's description gets `Dev Link: <browse URL>`; a comment from the rule's template
("Dev issue created: DEV-n"); no issue link, no issue property. Everything as the sync user.

In MongoDB (src/db/models.ts, mongoose 7), one database per pair: `jira_mapping`,
`user_project_issue_state`, `dev_project_issue_state` and `sync_state`, every document with an
ObjectId `_id`, BSON dates and, for documents made by `create`, `__v: 0`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bson import ObjectId

from app.jira import JiraClient
from app.sync.templates import browse_url


@dataclass(frozen=True)
class OriginalPair:
    user_key: str
    dev_key: str


@dataclass
class OriginalService:
    """Plays the original service against a Jira site: `bot` is its Jira client (the sync user)."""

    bot: JiraClient
    site_url: str
    user_project: str = "ABSUP"
    dev_project: str = "ABDEV"
    pairs: list[OriginalPair] = field(default_factory=list)

    def accept(self, user_key: str, comment_template: str = "Dev issue created: ${targetKey}") -> OriginalPair:
        """What it did for a User issue that reached Will Do: the Dev issue, both link lines, the comment."""
        user = self.bot.get_issue(user_key, fields=["summary", "description"])
        user_url = browse_url(self.site_url, user_key)
        description = (user["fields"].get("description") or "").rstrip()
        dev_description = f"{description}\n\nUser Link: {user_url}" if description else f"User Link: {user_url}"
        created = self.bot.create_issue({"project": {"key": self.dev_project}, "issuetype": {"name": "Bug"},
                                         "summary": user["fields"]["summary"], "description": dev_description})
        dev_url = browse_url(self.site_url, created["key"])
        user_description = f"{description}\n\nDev Link: {dev_url}" if description else f"Dev Link: {dev_url}"
        self.bot.edit_issue(user_key, {"description": user_description})
        self.bot.add_comment(user_key, comment_template.replace("${targetKey}", created["key"]))
        pair = OriginalPair(user_key, created["key"])
        self.pairs.append(pair)
        return pair

    def write_database(self, db, states: dict[str, str], last_sync: datetime, pair_name: str) -> None:
        """Its collections as mongoose writes them: mappings for `pairs`, a state per key in `states`."""
        now = datetime.now(UTC)
        for pair in self.pairs:
            db.jira_mapping.insert_one({
                "_id": ObjectId(), "user_issue_key": pair.user_key, "dev_issue_key": pair.dev_key,
                "user_issue_url": browse_url(self.site_url, pair.user_key),
                "dev_issue_url": browse_url(self.site_url, pair.dev_key), "created_at": now, "__v": 0,
            })
        for key, status in states.items():
            collection = db.user_project_issue_state if key.startswith(f"{self.user_project}-") else db.dev_project_issue_state
            collection.insert_one({"_id": ObjectId(), "issue_key": key, "status": status, "updated_at": now, "__v": 0})
        for name in ("jira-sync", "jira-status-sync", pair_name):
            db.sync_state.insert_one({"_id": ObjectId(), "name": name, "last_sync": last_sync, "updatedAt": last_sync,
                                      "initial_sync_completed": True, "__v": 0})
