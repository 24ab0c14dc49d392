"""Workflows: statuses in categories and the transitions between them (pure data).

A transition has its own id and name ("Start work") distinct from the status it leads to
("In Progress"); one transition may be available from several statuses, as Jira's common
transitions are. Entering a *done*-category status sets a resolution, leaving one clears it.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    sources: tuple[str, ...]  # status names it is available from; empty = global
    target: str


@dataclass(frozen=True)
class Workflow:
    statuses: tuple[tuple[str, str], ...]  # (status name, category key)
    transitions: tuple[Transition, ...]
    initial: str

    def category_of(self, status: str) -> str:
        return dict(self.statuses)[status]

    def has_status(self, status: str) -> bool:
        return status in dict(self.statuses)

    def available_from(self, status: str) -> list[Transition]:
        return [t for t in self.transitions if not t.sources or status in t.sources]

    def find_available(self, status: str, transition_id: str) -> Transition | None:
        return next((t for t in self.available_from(status) if t.id == str(transition_id)), None)


def workflow_from_dict(data: dict) -> Workflow:
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
