"""Seeds: the demo site, and loading a seed dict (or JSON file) into a :class:`Site`.

Seed format (all keys optional except where noted)::

    {"users": [{"accountId", "displayName", "emailAddress", "apiToken", "pat", "timeZone",
                "projects": ["KEY", ...] | null}],
     "projects": [{"key", "name", "lead", "issueTypes": [...],
                   "workflow": "user" | "dev" | {"statuses": [...], "transitions": [...], "initial"},
                   "createScreenLinks": true}],  # false: create refuses update.issuelinks
     "issues": [{"project", "summary", "issuetype", "status", "priority", "description", "labels",
                 "created", "updated"}],          # timestamps in Jira format; default: now
     "generate": {"issuesPerProject": N},      # N cheap issues per project (benchmarks)
     "config": {... /_sim/config knobs ...}}
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from app.simulator.adf import text_to_adf
from app.simulator.model import Issue, Project, User
from app.simulator.site import Site
from app.simulator.timefmt import parse_jira
from app.simulator.workflow import DEV_WORKFLOW, USER_WORKFLOW, workflow_from_dict

BOT = {"accountId": "sim-sync-bot", "displayName": "Sync Bot", "emailAddress": "sync-bot@example.test",
       "apiToken": "sim-token-bot", "pat": "sim-pat-bot", "timeZone": "UTC"}
HUMAN = {"accountId": "sim-human", "displayName": "Hannah Human", "emailAddress": "human@example.test",
         "apiToken": "sim-token-human", "pat": "sim-pat-human", "timeZone": "UTC"}
NAMED_WORKFLOWS = {"user": USER_WORKFLOW, "dev": DEV_WORKFLOW}
DEMO_SEED_FILE = Path(__file__).parent / "seeds" / "demo.json"  # demo_seed() plus a few sample issues


def demo_seed(pairs: list[tuple[str, str]] | None = None, issues_per_project: int = 0, time_zone: str = "UTC") -> dict:
    """Users (bot + human, both in ``time_zone``) and, per (USER, DEV) pair, the two projects."""
    projects = []
    for user_key, dev_key in pairs or [("ABSUP", "ABDEV")]:
        projects.append({"key": user_key, "name": f"{user_key} support", "lead": "sim-human",
                         "issueTypes": ["Task", "Bug", "Story"], "workflow": "user"})
        projects.append({"key": dev_key, "name": f"{dev_key} development", "lead": "sim-human",
                         "issueTypes": ["Bug", "Task", "Story"], "workflow": "dev"})
    return {"users": [{**BOT, "timeZone": time_zone}, {**HUMAN, "timeZone": time_zone}], "projects": projects,
            "issues": [], "generate": {"issuesPerProject": issues_per_project}}


def read_seed_file(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_seed(site: Site, seed: dict) -> None:
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
        for item in seed.get("issues", []):
            _seed_issue(site, item)
        count = int((seed.get("generate") or {}).get("issuesPerProject", 0))
        if count:
            _generate(site, count)
        if seed.get("config"):
            site.knobs.update(seed["config"])


def _reporter(site: Site) -> str:
    return "sim-human" if "sim-human" in site.users else next(iter(site.users))


def _seed_issue(site: Site, item: dict) -> Issue:
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
