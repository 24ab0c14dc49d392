"""Seeds: the demo site and its two accounts, the named workflows, and loading a seed into a :class:`Site`.

Seed format (all keys optional except where noted)::

    {"users": [{"accountId", "displayName", "emailAddress", "apiToken", "pat", "timeZone",
                "projects": ["KEY", ...] | null}],
     "projects": [{"key", "name", "lead", "issueTypes": [...],
                   "workflow": "user" | "dev" | {"statuses": [...], "transitions": [...], "initial"},
                   "createScreenLinks": true,  # false: create refuses update.issuelinks
                   ... and any key of setup.PROJECT_KEYS (projectType, components, versions, ...)}],
     "customFields": [{"id", "name", "kind", "options", "projects"}],  # see setup.py
     "commentTouch": {"add": true, "edit": false, "delete": false},
     "issues": [{"project", "summary", "issuetype", "status", "priority", "description", "labels",
                 "created", "updated"}],          # timestamps in Jira format; default: now
     "generate": {"issuesPerProject": N},      # N cheap issues per project (benchmarks)
     "config": {... /_sim/config knobs ...}}

:data:`BOT` (the sync's account) and :data:`HUMAN` (a person) are the demo seed's users; tests,
benchmarks and the demo take their credentials from here rather than repeating them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from jira_sim.formats import parse_jira, text_to_adf
from jira_sim.model import CATEGORIES, Issue, Project, Transition, User, Workflow
from jira_sim.setup import PROJECT_KEYS, add_custom_field, configure_comment_touch, configure_project
from jira_sim.site import Site


@dataclass(frozen=True)
class Account:
    """A seeded user's identity and credentials (Cloud: email + API token; Data Center also a PAT)."""

    account_id: str
    display_name: str
    email: str
    api_token: str
    pat: str

    @property
    def basic_auth(self) -> tuple[str, str]:
        """``(email, API token)``: HTTP basic credentials on either deployment."""
        return (self.email, self.api_token)

    def seed_user(self, time_zone: str = "UTC") -> dict[str, Any]:
        """This account as a ``users`` entry of a seed."""
        return {"accountId": self.account_id, "displayName": self.display_name, "emailAddress": self.email,
                "apiToken": self.api_token, "pat": self.pat, "timeZone": time_zone}


BOT = Account("sim-sync-bot", "Sync Bot", "sync-bot@example.test", "sim-token-bot", "sim-pat-bot")
HUMAN = Account("sim-human", "Hannah Human", "human@example.test", "sim-token-human", "sim-pat-human")
DEMO_SEED_FILE = Path(__file__).parent / "seeds" / "demo.json"  # demo_seed() plus a few sample issues
SERVICE_DESK_SEED_FILE = DEMO_SEED_FILE.parent / "service-desk.json"  # a service desk, custom fields, screens

USER_WORKFLOW = {
    "initial": "To Do",
    "statuses": [
        {"name": "To Do", "category": "new"},
        {"name": "Will Do", "category": "new"},
        {"name": "In Progress", "category": "indeterminate"},
        {"name": "Resolved", "category": "done"},
        {"name": "Closed", "category": "done"},
        {"name": "Reopened", "category": "new"},
        {"name": "Cancelled", "category": "done"},
    ],
    "transitions": [
        {"id": "11", "name": "Accept", "from": ["To Do"], "to": "Will Do"},
        {"id": "21", "name": "Start work", "from": ["To Do", "Will Do", "Reopened"], "to": "In Progress"},
        {"id": "31", "name": "Resolve issue", "from": ["Will Do", "In Progress", "Reopened"], "to": "Resolved"},
        {"id": "41", "name": "Close issue", "from": ["Resolved"], "to": "Closed"},
        {"id": "51", "name": "Reopen issue", "from": ["Resolved", "Closed", "Cancelled"], "to": "Reopened"},
        {"id": "61", "name": "Cancel request", "from": ["To Do", "Will Do"], "to": "Cancelled"},
    ],
}

DEV_WORKFLOW = {
    "initial": "To Do",
    "statuses": [
        {"name": "To Do", "category": "new"},
        {"name": "In Progress", "category": "indeterminate"},
        {"name": "Done", "category": "done"},
        {"name": "Closed", "category": "done"},
        {"name": "Reopened", "category": "new"},
        {"name": "Cancelled", "category": "done"},
    ],
    "transitions": [
        {"id": "11", "name": "Start progress", "from": ["To Do", "Reopened"], "to": "In Progress"},
        {"id": "21", "name": "Mark done", "from": ["In Progress", "Reopened"], "to": "Done"},
        {"id": "31", "name": "Close", "from": ["Done"], "to": "Closed"},
        {"id": "41", "name": "Reopen", "from": ["Done", "Closed", "Cancelled"], "to": "Reopened"},
        {"id": "51", "name": "Cancel", "from": ["To Do", "Reopened"], "to": "Cancelled"},
    ],
}
NAMED_WORKFLOWS = {"user": USER_WORKFLOW, "dev": DEV_WORKFLOW}


def workflow_from_dict(data: dict[str, Any]) -> Workflow:
    """Build from the seed format: statuses [{name, category}], transitions [{id, name, from, to}]."""
    statuses = tuple((s["name"], s["category"]) for s in data["statuses"])
    known = dict(statuses)
    transitions = []
    for item in data["transitions"]:
        sources = tuple(item.get("from") or ())
        for name in (*sources, item["to"]):
            if name not in known:
                raise ValueError(f"transition {item['name']!r} names unknown status {name!r}")
        transitions.append(Transition(str(item["id"]), item["name"], sources, item["to"]))
    for _, category in statuses:
        if category not in CATEGORIES:
            raise ValueError(f"unknown status category {category!r}")
    return Workflow(statuses, tuple(transitions), data.get("initial", statuses[0][0]))


def demo_seed(pairs: list[tuple[str, str]] | None = None, issues_per_project: int = 0, time_zone: str = "UTC") -> dict[str, Any]:
    """Users (bot + human, both in ``time_zone``) and, per (USER, DEV) pair, the two projects."""
    projects = []
    for user_key, dev_key in pairs or [("ABSUP", "ABDEV")]:
        projects.append({"key": user_key, "name": f"{user_key} support", "lead": HUMAN.account_id,
                         "issueTypes": ["Task", "Bug", "Story"], "workflow": "user"})
        projects.append({"key": dev_key, "name": f"{dev_key} development", "lead": HUMAN.account_id,
                         "issueTypes": ["Bug", "Task", "Story"], "workflow": "dev"})
    return {"users": [BOT.seed_user(time_zone), HUMAN.seed_user(time_zone)], "projects": projects,
            "issues": [], "generate": {"issuesPerProject": issues_per_project}}


def read_seed_file(path: str | Path) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return answer


def load_seed(site: Site, seed: dict[str, Any]) -> None:
    """Populate ``site`` from ``seed`` (see the module docstring)."""
    with site.lock:
        for item in seed.get("users", []):
            projects = item.get("projects")
            site.add_user(User(item["accountId"], item.get("displayName", item["accountId"]), item["emailAddress"],
                               item.get("apiToken"), item.get("pat"), item.get("timeZone", "UTC"),
                               tuple(projects) if projects is not None else None))
        for item in seed.get("projects", []):
            workflow = item.get("workflow", "dev")
            definition = NAMED_WORKFLOWS[workflow] if isinstance(workflow, str) else workflow
            site.add_project(Project(str(site.next_id("project")), item["key"], item.get("name", item["key"]),
                                     workflow_from_dict(definition), tuple(item.get("issueTypes", ["Bug", "Task"])),
                                     item.get("lead"), create_screen_links=item.get("createScreenLinks", True)))
        for item in seed.get("customFields", []):
            add_custom_field(site, item)
        for item in seed.get("projects", []):
            configure_project(site, item["key"], {k: v for k, v in item.items() if k in PROJECT_KEYS})
        configure_comment_touch(site, seed.get("commentTouch", {}))
        for item in seed.get("issues", []):
            _seed_issue(site, item)
        count = int((seed.get("generate") or {}).get("issuesPerProject", 0))
        if count:
            _generate(site, count)
        if seed.get("config"):
            site.knobs.update(seed["config"])


def _reporter(site: Site) -> str:
    return HUMAN.account_id if HUMAN.account_id in site.users else next(iter(site.users))


def _seed_issue(site: Site, item: dict[str, Any]) -> Issue:
    project = site.projects[item["project"]]
    now = site.now()
    created = parse_jira(item["created"]) if item.get("created") else now
    updated = parse_jira(item["updated"]) if item.get("updated") else created
    status = item.get("status", project.workflow.initial)
    done = project.workflow.category_of(status) == "done"
    issue = Issue(
        id=site.next_id("issue"), key=f"{project.key}-{project.next_number}", project_key=project.key,
        summary=item.get("summary", "Seeded issue"), issuetype=item.get("issuetype", project.issue_types[0]),
        priority=item.get("priority", "Medium"), status=status, created=created, updated=updated,
        status_category_changed=updated, reporter=item.get("reporter", _reporter(site)),
        description=text_to_adf(item["description"]) if item.get("description") else None,
        labels=tuple(item.get("labels", ())), resolution="Done" if done else None,
        resolution_date=updated if done else None,
    )
    project.next_number += 1
    site.save(issue, touch=False)
    return issue


def _generate(site: Site, count: int) -> None:
    """``count`` issues per project, one minute apart, the newest a minute ago; indexed at once."""
    now = site.now()
    reporter = _reporter(site)
    for project in list(site.projects.values()):
        for number in range(count):
            moment = now - timedelta(minutes=count - number)
            issue = Issue(
                id=site.next_id("issue"), key=f"{project.key}-{project.next_number}", project_key=project.key,
                summary=f"Generated issue {number + 1} in {project.key}", issuetype=project.issue_types[0],
                priority="Medium", status=project.workflow.initial, created=moment, updated=moment,
                status_category_changed=moment, reporter=reporter,
            )
            project.next_number += 1
            site.issues[issue.id] = issue
            site.keys[issue.key] = issue.id
            site.index.record(issue.id, issue, moment)
