"""The demo's scripted person: every few seconds one move of WORKFLOW.md on the simulated site.

    DEMO_HUMAN_TOKEN=... python -m app.demo.actor --jira URL --pairs ABSUP:ABDEV,CDSUP:CDDEV [--every 4]

It acts through the real REST API as the seeded human user (email `--email`, API token from
the environment variable DEMO_HUMAN_TOKEN, never from argv). Each step reads the statuses
(one search per project), asks app.demo.moves.next_move what to do, does it and logs
one JSON line. A Dev issue is matched to its support issue by the link the sync creates with
it. Every support issue of the User projects counts as the actor's: the demo site is fresh.
SIGTERM/SIGINT stop it within a second.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.demo.moves import COMMENT, FIELD, Move, PairView, Tracked, next_move
from app.demo.settings import DEMO_HUMAN_EMAIL, DEMO_HUMAN_TOKEN_VARIABLE
from app.jira import BasicAuth, JiraClient, JiraError
from app.jira.bodies import wire_text
from app.sync.jira_answers import INTERNAL_PROPERTY, CommentView, IssueView

DEFAULT_EVERY_SECONDS = 4.0
ISSUE_TYPE = "Task"
RESTRICTED_ROLE = "Developers"  # a Dev project's role: its restricted comments stay on the Dev side
log = logging.getLogger("app.demo.actor")


class DemoActor:
    """Observes the pairs, makes the move `choose` picks, waits `every` seconds; until stopped.

    `wait(seconds) -> bool` sleeps and returns True when the actor should stop (by default an
    Event that `request_stop` sets, so a signal ends the wait at once)."""

    def __init__(
        self,
        jira: JiraClient,
        pairs: Sequence[tuple[str, str]],
        rng: random.Random,
        every: float = DEFAULT_EVERY_SECONDS,
        wait: Callable[[float], bool] | None = None,
        choose: Callable[[Sequence[PairView], random.Random, int], Move | None] = next_move,
    ) -> None:
        self.jira = jira
        self.pairs = list(pairs)
        self.rng = rng
        self.every = every
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._choose = choose
        self.step = 0
        self.moves_made = 0
        self.failed_moves = 0

    def request_stop(self, *_signal_args: object) -> None:
        """Finish the current move and return; safe from a signal handler."""
        self._stop.set()

    def run(self, max_moves: int | None = None) -> int:
        """Step until stopped (or until `max_moves` moves were made); returns the moves made."""
        while not self._stop.is_set() and (max_moves is None or self.moves_made < max_moves):
            self.run_once()
            if self._wait(self.every):
                break
        return self.moves_made

    def run_once(self) -> Move | None:
        """One step: observe, choose, act. A Jira error is logged and the next step goes on."""
        self.step += 1
        try:
            move = self._choose(self.observe(), self.rng, self.step)
            if move is None:
                log.debug("nothing to do: every issue waits for the sync")
                return None
            key = self.perform(move)
        except JiraError as error:
            self.failed_moves += 1
            log.warning("move failed: %s", error, extra={"step": self.step})
            return None
        self.moves_made += 1
        said = (f"comment ({move.comment})" if move.target == COMMENT
                else f"{move.field} = {move.text}" if move.target == FIELD else f"-> {move.target}")
        log.info("%s %s", key, "opened" if move.creates else said,
                 extra={"step": self.step, "issue": key, "side": move.side, "move": move.target,
                        "attachment": move.attach, "comment": move.comment})
        return move

    def observe(self) -> list[PairView]:
        return [self._observe_pair(user_project, dev_project) for user_project, dev_project in self.pairs]

    def _observe_pair(self, user_project: str, dev_project: str) -> PairView:
        user_issues = list(self.jira.search(f"project = {user_project} ORDER BY created ASC", ["status"]))
        dev_of: dict[str, tuple[str, str]] = {}
        for issue in self.jira.search(f"project = {dev_project} ORDER BY created ASC", ["status", "issuelinks"]):
            for user_key in _linked_keys(issue, user_project):
                dev_of.setdefault(user_key, (issue["key"], _status(issue)))
        tracked = tuple(
            Tracked(issue["key"], _status(issue), *dev_of.get(issue["key"], (None, None))) for issue in user_issues
        )
        return PairView(user_project, dev_project, tracked)

    def perform(self, move: Move) -> str:
        """Make `move` on the site; returns the key of the issue it opened or moved."""
        if move.target == COMMENT:
            self.converse(move)
            return move.issue
        if move.target == FIELD and move.field is not None:
            self.jira.edit_issue(move.issue, {move.field: field_input(move.field, move.text or "")})
            return move.issue
        if not move.creates:
            self.jira.transition_to(move.issue, move.target)
            return move.issue
        fields = {"project": {"key": move.project}, "issuetype": {"name": ISSUE_TYPE}, "summary": move.summary,
                  "description": f"Reported by the demo actor at step {self.step}."}
        key = str(self.jira.create_issue(fields)["key"])
        if move.attach:
            self.jira.add_attachment(key, "steps-to-reproduce.txt",
                                     f"{move.summary}\n1. open the app\n2. watch it happen\n".encode())
        return key


    def converse(self, move: Move) -> None:
        """A comment move: a new public reply, internal note or role-restricted comment, or an
        edit or delete of the person's own last comment (never one of the sync's)."""
        text = move.text or "..."
        if move.comment in ("edit", "delete"):
            own = [c for c in self.jira.raw_comments(move.issue) if CommentView.parse(c).marker is None]
            if not own:
                return
            last = str(own[-1]["id"])
            if move.comment == "delete":
                self.jira.delete_comment(move.issue, last)
            else:
                self.jira.update_comment(move.issue, last, self.jira_body(f"{text} (edited)"),
                                         own[-1].get("visibility"))
            return
        properties = {INTERNAL_PROPERTY: {"internal": True}} if move.comment == "internal" else {}
        visibility = {"type": "role", "value": RESTRICTED_ROLE} if move.comment == "restricted" else None
        self.jira.post_comment(move.issue, self.jira_body(text), properties, visibility)

    def jira_body(self, text: str) -> Any:
        return wire_text(text, self.jira.deployment)


def field_input(name: str, value: str) -> Any:
    """What `PUT /issue` takes for a demo person's value of field `name`."""
    if name == "priority":
        return {"name": value}
    if name == "labels":
        return [value]
    return value


def _status(issue: dict[str, Any]) -> str:
    return IssueView.parse(issue).current_status()


def _linked_keys(issue: dict[str, Any], project: str) -> list[str]:
    """Keys of the issues in `project` linked to `issue` (either direction)."""
    return [ref.key for ref in IssueView.parse(issue).links if ref.key.startswith(f"{project}-")]


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """"ABSUP:ABDEV,CDSUP:CDDEV" -> [("ABSUP", "ABDEV"), ("CDSUP", "CDDEV")]."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        user_project, sep, dev_project = item.partition(":")
        if not sep or not user_project or not dev_project:
            raise argparse.ArgumentTypeError(f"expected USER:DEV, got {item!r}")
        pairs.append((user_project, dev_project))
    if not pairs:
        raise argparse.ArgumentTypeError("no pairs given")
    return pairs


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    from app.logs import configure_logging, early_logging
    from app.settings import program_settings

    parser = argparse.ArgumentParser(prog="python -m app.demo.actor", description=__doc__.splitlines()[0])
    parser.add_argument("--jira", required=True, help="base URL of the simulated Jira site")
    parser.add_argument("--pairs", required=True, type=parse_pairs, help="USER:DEV project keys, comma-separated")
    parser.add_argument("--every", type=float, default=DEFAULT_EVERY_SECONDS, help="seconds between moves")
    parser.add_argument("--email", default=DEMO_HUMAN_EMAIL, help="the acting user's email")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one)")
    args = parser.parse_args(argv)
    early_logging("demo-actor")
    settings = program_settings(log)
    configure_logging("demo-actor", settings.log_level, settings.log_format)
    token = environ.get(DEMO_HUMAN_TOKEN_VARIABLE)
    if not token:
        log.error("%s is not set", DEMO_HUMAN_TOKEN_VARIABLE)
        return 2
    # Few, short retries: the simulator is local, and a stop must not wait out a long back-off.
    jira = JiraClient(args.jira, BasicAuth(args.email, token), timeout=(2, 5), max_retries=1, backoff_cap=1.0)
    actor = DemoActor(jira, args.pairs, random.Random(args.seed), every=args.every)
    signal.signal(signal.SIGTERM, actor.request_stop)
    signal.signal(signal.SIGINT, actor.request_stop)
    log.info("demo actor started", extra={"pairs": [f"{u}:{d}" for u, d in args.pairs], "every_s": args.every})
    actor.run()
    log.info("demo actor stopped", extra={"moves": actor.moves_made})
    return 0


if __name__ == "__main__":
    sys.exit(main())
