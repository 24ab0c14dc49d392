"""The demo actor's next move: a pure function of what it sees, a seeded Random and a step.

The actor plays the people of docs/WORKFLOW.md: a customer opens support
issues, a support agent accepts them (Will Do, so the sync creates the Dev issue), developers
move Dev issues along (In Progress, Done, Closed, sometimes Reopened, sometimes Cancelled from
To Do), and a customer now and then reopens a Resolved issue.

People also talk (issue 19): on an issue that has its Dev issue, the agent writes public
replies and internal notes on the support issue, developers comment on the Dev issue (now and
then restricted to their role), and a person edits or deletes their last comment.

It never fights the sync. On the User side it only makes moves no rule makes: To Do -> Will Do,
To Do -> Cancelled (no Dev issue exists yet), Resolved -> Reopened and Resolved -> Closed (the
sync has finished with the issue). And it waits while the sync still owes a move (`waiting`),
so every change a newcomer watches is followed before the next one on the same issue.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

CREATE = "create"
COMMENT = "comment"  # a Move whose `comment` says which: public, internal, restricted, edit, delete
# (side, comment kind, weight) of the conversation on a paired issue
COMMENT_MOVES = (("user", "public", 1.5), ("user", "internal", 1.0), ("dev", "public", 2.0),
                 ("dev", "restricted", 0.5), ("user", "edit", 0.7), ("dev", "delete", 0.5))
FIELD = "field"  # a Move whose `field` says which field it edits, and `text` the value
# (side, field, the values a person sets, weight): the facts of a paired issue, edited on both sides
FIELD_MOVES = (("user", "summary", ("Printer still on fire", "Printer fire, 3rd floor"), 0.6),
               ("user", "priority", ("High", "Highest"), 0.5), ("dev", "priority", ("Medium", "Low"), 0.5),
               ("dev", "labels", ("backend", "needs-info"), 0.5), ("user", "labels", ("customer", "vip"), 0.4),
               ("dev", "duedate", ("2027-01-15", "2027-02-01"), 0.4))
REPLIES = (
    "Thanks, we are looking into it.", "Could you send a screenshot?", "It happens again since this morning.",
    "Reproduced on staging.", "The fix is in review.", "Which version are you on?", "Works for me now, thanks!",
)
MAX_OPEN_PER_PAIR = 6  # support issues not yet Closed/Cancelled; beyond it the actor closes out
FINISHED_USER_STATUSES = frozenset({"Closed", "Cancelled"})
# (User status before, User status after): the only User moves, none of them made by a rule.
USER_MOVES = frozenset({("To Do", "Will Do"), ("To Do", "Cancelled"), ("Resolved", "Reopened"), ("Resolved", "Closed")})
# The User status the rules set when the Dev issue reaches a status (WORKFLOW.md's Dev rows).
USER_STATUS_FOLLOWING_DEV = {"In Progress": {"In Progress"}, "Closed": {"Resolved", "Closed"},
                             "Cancelled": {"Cancelled"}, "Reopened": {"Reopened"}}
SUMMARIES = (
    "Printer on fire", "Login page times out", "Invoice PDF is blank", "Search ignores accents",
    "Export to CSV drops the last row", "Password reset mail never arrives", "Dashboard shows yesterday",
    "Upload fails for files over 10 MB", "Wrong currency on the receipt", "Dark mode hides the buttons",
)


@dataclass(frozen=True)
class Tracked:
    """One support issue and, once the sync has created it, its Dev issue."""

    user_key: str
    user_status: str
    dev_key: str | None = None
    dev_status: str | None = None

    @property
    def open(self) -> bool:
        return self.user_status not in FINISHED_USER_STATUSES

    @property
    def waiting(self) -> bool:
        """True while the sync still owes this issue a move, so the actor leaves it alone."""
        if self.dev_key is None:
            return self.user_status == "Will Do"  # the sync creates the Dev issue
        if self.user_status == "Reopened" and self.dev_status in ("Done", "Closed"):
            return True  # the sync reopens the Dev issue
        expected = USER_STATUS_FOLLOWING_DEV.get(self.dev_status or "")
        return expected is not None and self.user_status not in expected


@dataclass(frozen=True)
class PairView:
    """What the actor sees of one pair: its support issues, oldest first."""

    user_project: str
    dev_project: str
    issues: tuple[Tracked, ...] = ()


@dataclass(frozen=True)
class Move:
    """Move `issue_key` to status `target`, or (target CREATE) open a support issue in `project`."""

    project: str
    issue_key: str | None
    target: str
    summary: str | None = None
    attach: bool = False
    side: str = "user"  # "user" | "dev": the project `issue_key` belongs to
    comment: str | None = None  # with target COMMENT: public | internal | restricted | edit | delete
    text: str | None = None  # what a new or edited comment says; with target FIELD, the value set
    field: str | None = None  # with target FIELD: summary | priority | labels | duedate

    @property
    def creates(self) -> bool:
        return self.target == CREATE

    @property
    def issue(self) -> str:
        """The issue a status move moves (a CREATE move has none yet)."""
        if self.issue_key is None:
            raise ValueError(f"a move to {self.target!r} in {self.project} names no issue")
        return self.issue_key


def next_move(pairs: Sequence[PairView], rng: random.Random, step: int) -> Move | None:
    """The move to make at `step`: pairs take turns (a pair with nothing to do passes its turn
    on); None when every issue waits for the sync and no pair may open another issue."""
    for offset in range(len(pairs)):
        pair = pairs[(step + offset) % len(pairs)]
        candidates = candidate_moves(pair, rng)
        if candidates:
            moves, weights = zip(*candidates, strict=True)
            chosen: Move = rng.choices(moves, weights=weights)[0]
            return chosen
    return None


def candidate_moves(pair: PairView, rng: random.Random) -> list[tuple[Move, float]]:
    """Every move allowed now in `pair`, weighted. At the open-issue bound no issue is opened
    and only moves towards the end are offered, on the oldest open issues first."""
    open_issues = [issue for issue in pair.issues if issue.open]
    at_bound = len(open_issues) >= MAX_OPEN_PER_PAIR
    moves: list[tuple[Move, float]] = []
    for age, issue in enumerate(open_issues):
        if issue.waiting:
            continue
        oldest_first = float(len(open_issues) - age)
        for move, weight in _moves_of(pair, issue, at_bound):
            moves.append((move, weight * oldest_first))
    if not at_bound:
        opening = 8.0 if not open_issues else 3.0
        moves.append((Move(pair.user_project, None, CREATE, summary=rng.choice(SUMMARIES),
                           attach=rng.random() < 0.3), opening))
    return moves


def _moves_of(pair: PairView, issue: Tracked, at_bound: bool) -> list[tuple[Move, float]]:
    def user(target: str, weight: float) -> tuple[Move, float]:
        return Move(pair.user_project, issue.user_key, target), weight

    def dev(target: str, weight: float) -> tuple[Move, float]:
        return Move(pair.dev_project, issue.dev_key, target, side="dev"), weight

    if issue.dev_key is None:
        return _status_moves_of(issue, at_bound, user, dev)
    return _status_moves_of(issue, at_bound, user, dev) + ([] if at_bound else
                                                           _comment_moves(pair, issue) + _field_moves(pair, issue))


def _field_moves(pair: PairView, issue: Tracked) -> list[tuple[Move, float]]:
    """A person corrects a fact on either side of a paired issue."""
    moves = []
    for side, name, values, weight in FIELD_MOVES:
        project, key = (pair.user_project, issue.user_key) if side == "user" else (pair.dev_project, issue.dev_key)
        value = values[len(issue.user_key) % len(values)]
        moves.append((Move(project, key, FIELD, side=side, field=name, text=value), weight))
    return moves


def _comment_moves(pair: PairView, issue: Tracked) -> list[tuple[Move, float]]:
    """The conversation on a paired issue: replies, notes, a restricted comment, an edit, a delete."""
    moves = []
    for index, (side, kind, weight) in enumerate(COMMENT_MOVES):
        project, key = (pair.user_project, issue.user_key) if side == "user" else (pair.dev_project, issue.dev_key)
        text = REPLIES[(len(issue.user_key) + index) % len(REPLIES)]
        moves.append((Move(project, key, COMMENT, side=side, comment=kind, text=text), weight))
    return moves


def _status_moves_of(issue: Tracked, at_bound: bool, user: Callable[[str, float], tuple[Move, float]],
                     dev: Callable[[str, float], tuple[Move, float]]) -> list[tuple[Move, float]]:
    if issue.dev_key is None:
        if issue.user_status == "To Do":  # accepted mostly; some requests are withdrawn
            return [user("Will Do", 6.0), user("Cancelled", 3.0 if at_bound else 0.7)]
        return []
    status = issue.dev_status
    if status == "To Do":
        return [dev("In Progress", 6.0), dev("Cancelled", 1.0)]
    if status == "In Progress":
        return [dev("Done", 4.0)]
    if status == "Done":
        return [dev("Closed", 4.0)]
    if status == "Reopened":
        return [dev("In Progress", 4.0)]
    if status == "Closed" and issue.user_status == "Resolved":
        if at_bound:
            return [user("Closed", 4.0)]
        return [user("Closed", 2.0), user("Reopened", 1.0), dev("Reopened", 1.0)]
    return []
