"""The demo's scripted person: its move policy (pure), and the actor on a real simulated site.

The policy is checked twice: situation by situation (a table that reads like WORKFLOW.md), and
over thousands of steps against a small model of the sync (the WORKFLOW.md table) in which
every move, the actor's and the model's, must be a transition the simulator's workflow offers.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.bundle.render import PRIORITY_WORKER
from app.demo.actor import DemoActor, parse_pairs
from app.demo.files import EXAMPLE_CONFIG
from app.demo.moves import (
    COMMENT,
    CREATE,
    FIELD,
    MAX_OPEN_PER_PAIR,
    USER_MOVES,
    Move,
    PairView,
    Tracked,
    candidate_moves,
    next_move,
)
from app.demo.programs import actor_program, demo_extra_programs
from app.demo.settings import demo_settings
from app.jira import BasicAuth, JiraClient
from app.settings import Settings
from jira_sim.seed import BOT, DEV_WORKFLOW, HUMAN, USER_WORKFLOW, workflow_from_dict
from jira_sim.server import SimulatorServer
from testbed.sync import SyncHarness

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = {"user": workflow_from_dict(USER_WORKFLOW), "dev": workflow_from_dict(DEV_WORKFLOW)}
RULES = json.loads(EXAMPLE_CONFIG.read_text())["rules"]
# User statuses some rule sets, and User statuses a user_to_dev rule reacts to.
DRIVEN_USER_STATUSES = {r.get("targetStatus") or r["actions"]["targetStatus"]
                        for r in RULES if r["targetProject"] == "user"}
USER_TRIGGERS = {r["sourceStatus"] for r in RULES if r["syncDirection"] == "user_to_dev"}


def human_client(sim: SimulatorServer) -> JiraClient:
    return JiraClient(sim.url, BasicAuth(*HUMAN.basic_auth), sleep=lambda seconds: None)


# -- the policy, situation by situation -----------------------------------------------------------

def targets(issue: Tracked, at_bound: bool = False) -> set[tuple[str, str]]:
    """(side, target) of every move offered on `issue`, with other open issues filling the bound."""
    others = range(100, 100 + MAX_OPEN_PER_PAIR - 1) if at_bound else ()
    filler = tuple(Tracked(f"ABSUP-{n}", "Will Do") for n in others)
    pair = PairView("ABSUP", "ABDEV", (issue, *filler))
    return {(move.side, move.target) for move, _ in candidate_moves(pair, random.Random(0))
            if move.issue_key in (issue.user_key, issue.dev_key) and not move.creates and move.target not in (COMMENT, FIELD)}


@pytest.mark.parametrize(("user", "dev", "expected"), [
    # a new request is accepted (the sync then creates the Dev issue) or withdrawn
    ("To Do", None, {("user", "Will Do"), ("user", "Cancelled")}),
    ("Will Do", None, set()),  # waits: the sync creates the Dev issue
    ("Will Do", "To Do", {("dev", "In Progress"), ("dev", "Cancelled")}),
    ("Will Do", "In Progress", set()),  # waits: the sync moves the User issue In Progress
    ("In Progress", "In Progress", {("dev", "Done")}),
    ("In Progress", "Done", {("dev", "Closed")}),  # Done is intermediate: nothing to wait for
    ("In Progress", "Closed", set()),  # waits: the sync resolves the User issue
    ("Resolved", "Closed", {("user", "Closed"), ("user", "Reopened"), ("dev", "Reopened")}),
    ("Reopened", "Closed", set()),  # waits: the sync reopens the Dev issue
    ("Resolved", "Reopened", set()),  # waits: the sync reopens the User issue
    ("Reopened", "Reopened", {("dev", "In Progress")}),
    ("Will Do", "Cancelled", set()),  # waits: the sync cancels the User issue
    ("Cancelled", "Cancelled", set()),  # finished
    ("Closed", "Closed", set()),  # finished
    ("Cancelled", None, set()),  # withdrawn before it was accepted
])
def test_moves_offered_follow_the_workflow_and_wait_for_the_sync(user, dev, expected):
    issue = Tracked("ABSUP-1", user, "ABDEV-1" if dev else None, dev)
    assert targets(issue) == expected


def test_at_the_bound_no_issue_is_opened_and_resolved_ones_are_closed_out():
    open_issues = tuple(Tracked(f"ABSUP-{n}", "Will Do") for n in range(1, MAX_OPEN_PER_PAIR + 1))
    full = PairView("ABSUP", "ABDEV", open_issues)
    assert not any(move.creates for move, _ in candidate_moves(full, random.Random(1)))
    assert next_move([PairView("ABSUP", "ABDEV", open_issues)], random.Random(1), 0) is None  # all wait
    assert targets(Tracked("ABSUP-1", "Resolved", "ABDEV-1", "Closed"), at_bound=True) == {("user", "Closed")}
    finished = tuple(Tracked(f"ABSUP-{n}", "Closed", f"ABDEV-{n}", "Closed") for n in range(1, 20))
    assert any(move.creates for move, _ in candidate_moves(PairView("ABSUP", "ABDEV", finished), random.Random(1)))


def test_pairs_take_turns_and_a_pair_with_nothing_to_do_passes():
    waiting = PairView("ABSUP", "ABDEV", tuple(Tracked(f"ABSUP-{n}", "Will Do") for n in range(1, 7)))
    empty = PairView("CDSUP", "CDDEV")
    assert next_move([PairView("ABSUP", "ABDEV"), empty], random.Random(3), 0).project == "ABSUP"
    assert next_move([PairView("ABSUP", "ABDEV"), empty], random.Random(3), 1).project == "CDSUP"
    assert next_move([waiting, empty], random.Random(3), 0).project == "CDSUP"


# -- the policy over many steps, against a model of the sync ------------------------------------

class ModelSite:
    """Issue statuses of the pairs and a sync that follows WORKFLOW.md's table on each pass."""

    def __init__(self, pairs):
        self.pairs = pairs
        self.user: dict[str, str] = {}
        self.dev: dict[str, str] = {}
        self.dev_of: dict[str, str] = {}
        self.seen: dict[str, str] = {}  # the sync's baseline: status at its last look
        self.rows: set[str] = set()

    def views(self) -> list[PairView]:
        return [PairView(user, dev, tuple(
            Tracked(key, status, self.dev_of.get(key), self.dev.get(self.dev_of.get(key, "")))
            for key, status in self.user.items() if key.startswith(user + "-"))) for user, dev in self.pairs]

    def act(self, move: Move) -> None:
        if move.target in (COMMENT, FIELD):
            assert self.dev_of.get(move.issue_key) or move.issue_key in self.dev_of.values(), "a comment on an unpaired issue"
            return
        if move.creates:
            key = f"{move.project}-{len(self.user) + 1}"
            self.user[key] = self.seen[key] = "To Do"
            return
        statuses = self.user if move.side == "user" else self.dev
        self._transition(move.side, statuses, move.issue_key, move.target)

    def _transition(self, side, statuses, key, target):
        offered = {t.target for t in WORKFLOWS[side].available_from(statuses[key])}
        assert target in offered, f"{side} {key}: {statuses[key]} -> {target} is not a transition"
        statuses[key] = target

    def sync(self) -> None:
        for user_key, user_status in list(self.user.items()):
            dev_key = self.dev_of.get(user_key)
            if dev_key is None:
                if user_status == "Will Do":
                    dev_key = self.dev_of[user_key] = f"DEV-{len(self.dev) + 1}"
                    self.dev[dev_key] = self.seen[dev_key] = "To Do"
                    self.rows.add("Will Do creates the Dev issue")
                self.seen[user_key] = user_status
                continue
            if user_status != self.seen[user_key] and user_status == "Reopened":
                self._transition("dev", self.dev, dev_key, "Reopened")
                self.rows.add("User Reopened reopens Dev")
            elif self.dev[dev_key] != self.seen[dev_key]:
                follow = {"In Progress": "In Progress", "Closed": "Resolved", "Cancelled": "Cancelled",
                          "Reopened": "Reopened"}.get(self.dev[dev_key])
                if follow and self.user[user_key] != follow:
                    self._transition("user", self.user, user_key, follow)
                self.rows.add(f"Dev {self.dev[dev_key]} -> User {follow or 'unchanged'}")
            self.seen[user_key], self.seen[dev_key] = self.user[user_key], self.dev[dev_key]


def simulate(seed: int, steps: int, sync_every: int = 5) -> tuple[ModelSite, list[tuple[Move, Tracked | None]]]:
    """`steps` steps of the actor over two pairs; the sync passes every `sync_every` steps, slower
    than the actor, so each pair sees states where the sync still owes a move."""
    site, rng, made = ModelSite([("ABSUP", "ABDEV"), ("CDSUP", "CDDEV")]), random.Random(seed), []
    for step in range(steps):
        views = site.views()
        move = next_move(views, rng, step)
        if move is not None:
            before = next((i for v in views for i in v.issues if move.issue_key in (i.user_key, i.dev_key)), None)
            made.append((move, before))
            site.act(move)
        for view in site.views():
            assert sum(issue.open for issue in view.issues) <= MAX_OPEN_PER_PAIR
        if step % sync_every == 0:
            site.sync()
    return site, made


def test_over_many_steps_every_workflow_row_happens_and_the_actor_never_fights_the_sync():
    site, made = simulate(seed=7, steps=3000)

    assert site.rows >= {"Will Do creates the Dev issue", "User Reopened reopens Dev",
                         "Dev In Progress -> User In Progress", "Dev Closed -> User Resolved",
                         "Dev Cancelled -> User Cancelled",
                         "Dev Reopened -> User Reopened", "Dev Done -> User unchanged"}
    kinds = {(move.side, move.target) for move, _ in made if move.target not in (COMMENT, FIELD)}
    assert kinds == {("user", CREATE), ("user", "Will Do"), ("user", "Cancelled"), ("user", "Reopened"),
                     ("user", "Closed"), ("dev", "In Progress"), ("dev", "Done"), ("dev", "Closed"),
                     ("dev", "Reopened"), ("dev", "Cancelled")}
    talk = {(move.side, move.comment) for move, _ in made if move.target == COMMENT}
    assert talk == {("user", "public"), ("user", "internal"), ("dev", "public"), ("dev", "restricted"),
                    ("user", "edit"), ("dev", "delete")}
    assert any(move.attach for move, _ in made) and not all(move.attach for move, _ in made if move.creates)
    for move, before in made:
        assert before is None or not before.waiting, (move, before)
        if move.side == "user" and not move.creates and move.target not in (COMMENT, FIELD):
            assert (before.user_status, move.target) in USER_MOVES
            # into a status a rule sets only before the sync is involved, or as what a rule reacts to
            assert move.target not in DRIVEN_USER_STATUSES or before.dev_key is None or move.target in USER_TRIGGERS


def test_the_same_seed_makes_the_same_moves():
    assert simulate(seed=11, steps=300)[1] == simulate(seed=11, steps=300)[1]
    assert simulate(seed=11, steps=300)[1] != simulate(seed=12, steps=300)[1]


# -- the actor on a real simulated site -------------------------------------------------------------

def test_without_the_sync_the_actor_fills_the_bound_with_accepted_issues_then_waits(jira_sim):
    actor = DemoActor(human_client(jira_sim), [("ABSUP", "ABDEV")], random.Random(5), every=0)

    moves = [actor.run_once() for _ in range(60)]

    statuses = [i["fields"]["status"]["name"] for i in actor.jira.search("project = ABSUP", ["status"])]
    assert statuses.count("Will Do") == MAX_OPEN_PER_PAIR
    assert set(statuses) <= {"Will Do", "Cancelled"}
    assert moves[-5:] == [None] * 5  # everything waits for the sync to create the Dev issues
    assert list(actor.jira.search("project = ABDEV", ["status"])) == []
    assert actor.failed_moves == 0


def test_with_the_real_sync_the_actor_walks_issues_through_the_workflow(jira_sim, mongo_client, db_prefix, tmp_path):
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    budget = iter(range(120))

    def wait_one_sync_pass(_seconds: float) -> bool:
        harness.sync()
        return next(budget, None) is None

    actor = DemoActor(harness.human, [("ABSUP", "ABDEV")], random.Random(4), every=0.05, wait=wait_one_sync_pass)
    assert actor.run(max_moves=40) == 40
    harness.sync()
    harness.sync()

    [view] = actor.observe()
    assert actor.failed_moves == 0  # no transition ever refused: it never fought the sync
    assert [issue for issue in view.issues if issue.waiting] == []  # and the sync caught up with it
    worked = [issue for issue in view.issues if issue.dev_key]
    assert worked and any(issue.dev_status != "To Do" for issue in worked)
    for issue in worked:
        assert harness.dev_key(issue.user_key) == issue.dev_key  # the sync's own mapping agrees
    attached = [i for i in harness.human.search("project = ABSUP", ["attachment"]) if i["fields"].get("attachment")]
    assert attached


def test_the_actor_process_logs_json_moves_and_stops_on_sigterm_without_waiting_out_its_sleep(jira_sim):
    env = {**os.environ, "DEMO_HUMAN_TOKEN": HUMAN.api_token, "LOG_FORMAT": "json"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.demo.actor", "--jira", jira_sim.url, "--pairs", "ABSUP:ABDEV",
         "--every", "30"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [json.loads(process.stdout.readline()) for _ in range(2)]
        assert lines[0]["message"] == "demo actor started"
        assert lines[1]["pair"] == "demo-actor" and lines[1]["move"] == CREATE and lines[1]["issue"] == "ABSUP-1"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)  # well before its next move in 30 s: the sleep is interrupted
    finally:
        process.kill()
        rest = process.stdout.read()
    assert process.returncode == 0
    assert json.loads(rest.splitlines()[-1])["message"] == "demo actor stopped"
    assert HUMAN.api_token not in rest


def test_the_actor_refuses_to_start_without_its_token(jira_sim):
    env = {key: value for key, value in os.environ.items() if key != "DEMO_HUMAN_TOKEN"}
    command = [sys.executable, "-m", "app.demo.actor", "--jira", jira_sim.url, "--pairs", "ABSUP:ABDEV"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "DEMO_HUMAN_TOKEN is not set" in done.stdout


def test_parse_pairs():
    assert parse_pairs("ABSUP:ABDEV, CDSUP:CDDEV") == [("ABSUP", "ABDEV"), ("CDSUP", "CDDEV")]
    for bad in ("", "ABSUP", "ABSUP:", ":ABDEV"):
        with pytest.raises(Exception, match="expected USER:DEV|no pairs"):
            parse_pairs(bad)


# -- wiring into the demo bundle ----------------------------------------------------------------------

def test_the_demo_runs_the_actor_after_the_workers_with_no_secret_in_its_command(tmp_path):
    settings = demo_settings(Settings(runtime_dir=tmp_path / "runtime", mongo_uri=None))
    [_, actor] = demo_extra_programs(settings, 18081, python="/usr/bin/python3", actor_every=2.5)

    assert actor == actor_program(18081, 2.5, python="/usr/bin/python3")
    assert actor.name == "demo-actor" and actor.priority > PRIORITY_WORKER
    assert actor.autorestart and actor.startsecs == 1
    # Through the launcher, which leaves it its own token only (item 14).
    assert actor.command == ("/usr/bin/python3", "-m", "app.bundle.launch", "--keep", "DEMO_HUMAN_TOKEN",
                             "--keep", "DEMO_HUMAN_TOKEN_FILE", "--",
                             "/usr/bin/python3", "-m", "app.demo.actor", "--jira", "http://127.0.0.1:18081",
                             "--pairs", "ABSUP:ABDEV,CDSUP:CDDEV", "--email", HUMAN.email, "--every", "2.5")
    assert actor.environment == {}
    assert not {BOT.api_token, HUMAN.api_token} & set(actor.command)


def test_the_actors_conversation_is_copied_by_the_sync_as_the_demo_configures_it(jira_sim, mongo_client, db_prefix,
                                                                                 tmp_path):
    from app.demo.files import demo_pair_config
    from app.sync.jira_answers import CommentView
    from app.sync.marker import CopyMarker

    comments = demo_pair_config("sync-ab", "ABSUP", "ABDEV", jira_sim.url)["comments"]
    assert comments == {"toDev": "all", "toUser": "internal", "followEdits": True, "restricted": "skip"}
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path, comments=comments)
    harness.admin("PATCH", "projects/ABSUP", projectType="service_desk")  # as the demo seed makes it
    budget = iter(range(200))

    def wait_one_sync_pass(_seconds: float) -> bool:
        harness.sync()
        return next(budget, None) is None

    actor = DemoActor(harness.human, [("ABSUP", "ABDEV")], random.Random(3), every=0.05, wait=wait_one_sync_pass)
    actor.run(max_moves=80)
    harness.sync()

    copies, markers = {"user": 0, "dev": 0}, []
    for side, project in (("user", "ABSUP"), ("dev", "ABDEV")):
        for issue in harness.human.search(f"project = {project}", ["status"]):
            for raw in harness.human.raw_comments(issue["key"]):
                view = CommentView.parse(raw)
                if isinstance(view.marker, CopyMarker):
                    copies[side] += 1
                    markers.append(view.marker)
                    assert side == "dev" or view.jsd_public is False, "a Dev comment reached a customer"
    assert copies["user"] and copies["dev"], copies
    assert len(markers) == len(set(markers)), "a comment copied twice"
    assert actor.failed_moves == 0


def test_the_actors_field_edits_on_both_sides_follow_the_pair_as_the_demo_configures_it(jira_sim, mongo_client,
                                                                                         db_prefix, tmp_path):
    from app.demo.files import demo_pair_config
    from app.sync.field_values import field_value

    fields = demo_pair_config("sync-ab", "ABSUP", "ABDEV", jira_sim.url)["fields"]
    assert fields["summary"] == "both" and fields["duedate"] == "toUser"
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path, fields=fields)
    budget = iter(range(200))

    def wait_one_sync_pass(_seconds: float) -> bool:
        harness.sync()
        return next(budget, None) is None

    actor = DemoActor(harness.human, [("ABSUP", "ABDEV")], random.Random(5), every=0.05, wait=wait_one_sync_pass)
    actor.run(max_moves=80)
    harness.sync()
    harness.sync()

    written = list(harness.store.db.events.find({"event": {"$in": ["field.updated", "field.conflict"]}}))
    assert {event["direction"] for event in written} == {"user_to_dev", "dev_to_user"}, "the person edits both sides"
    both = [name for name, direction in fields.items() if direction == "both"]
    for issue in harness.human.search("project = ABSUP", ["summary"]):
        dev_key = harness.dev_key(issue["key"])
        if dev_key is None:
            continue
        user = harness.human.get_issue(issue["key"], fields=both)["fields"]
        dev = harness.human.get_issue(dev_key, fields=both)["fields"]
        for name in both:
            assert field_value(name, user.get(name)).same(field_value(name, dev.get(name))), (name, issue["key"])
    assert actor.failed_moves == 0
