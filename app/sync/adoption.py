"""Finding the partner an issue already has in Jira, before the sync creates one or gives up a change.

Jira holds the truth about which issues belong together; the pair's database only remembers
it. When the database is new (lost, or the pair comes from the original service, which paired
issues only through description lines), an issue without a mapping may still have a partner.
Before a Dev issue is created, and before a change is dropped for want of a mapping, the sync
looks for it. The evidence, strongest first; the first kind that names anyone decides, and two
different issues named by the same kind are ambiguous (a pending failure, never a guess):

  marker     our `jira-sync` issue property on a Dev issue, naming the User issue
  link line  a description line naming the partner's browse URL: the original service's
             `Dev Link:` (on User issues) and `User Link:` (on Dev issues), or ours, `User issue:`;
             in the issue itself, or in a partner that names it (remembered as a hint when seen)
  issue link an issue link a person made, when exactly one issue of the partner project is linked

A candidate counts only once a GET proved it exists in the partner project and is paired with
no other issue. Adopting records the mapping (by id), takes the partner's current status and
`updated` as its baseline and every attachment of both as already copied (so nothing fires
from the adoption itself), puts our marker on the Dev issue, and posts no comment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.config import PairConfig
from app.jira import JiraClient, JiraNotFound
from app.sync import marker
from app.sync.credentials import CredentialCheck
from app.sync.jira_answers import IssueView
from app.sync.marker import IssueMarker
from app.sync.model import IssueRef, IssueSnapshot, Mapping, Side, other_side
from app.sync.store import PairStore

LINK_LINE = re.compile(r"^[ \t]*(Dev Link|User Link|User issue):[ \t]*\S*/browse/([A-Z][A-Z0-9_]*-\d+)[ \t]*$",
                       re.IGNORECASE | re.MULTILINE)
LINES_NAMING: dict[Side, tuple[str, ...]] = {"dev": ("dev link",), "user": ("user link", "user issue")}
VIA_ORDER = ("marker", "link line", "issue link")
PARTNER_FIELDS = ["status", "updated", "attachment", "issuelinks"]


@dataclass(frozen=True)
class Candidate:
    """An issue the evidence names as the partner, by id or by key, and how."""

    via: str
    key: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Found:
    """The partner, as a GET returned it, and the evidence that named it."""

    partner: IssueView
    via: str


@dataclass(frozen=True)
class Ambiguous:
    reason: str


def named_keys(description: str | None, side: Side, project_key: str) -> list[str]:
    """The keys of `project_key` that the description's link lines name as the `side` partner."""
    found = []
    for label, key in LINK_LINE.findall(description or ""):
        if label.lower() in LINES_NAMING[side] and key.rpartition("-")[0] == project_key:
            found.append(key)
    return list(dict.fromkeys(found))


def evidence(issue: IssueSnapshot, config: PairConfig, hints: list[IssueRef]) -> list[Candidate]:
    """Every candidate partner the snapshot (and the hints naming it) point at; pure."""
    partner_side = other_side(issue.side)
    project = config.dev_project_key if partner_side == "dev" else config.user_project_key
    candidates: list[Candidate] = []
    if issue.side == "dev" and issue.marker is not None:
        candidates.append(Candidate("marker", id=issue.marker.user_issue_id))
    linked = [ref for ref in issue.linked if ref.key.rpartition("-")[0] == project]
    if issue.side == "user":  # a linked Dev issue is ours when its marker names this issue (checked by GET)
        candidates += [Candidate("marker", key=ref.key, id=ref.id) for ref in linked]
    candidates += [Candidate("link line", key=key) for key in named_keys(issue.description, partner_side, project)]
    candidates += [Candidate("link line", key=ref.key, id=ref.id) for ref in hints]
    if len(linked) == 1:
        candidates.append(Candidate("issue link", key=linked[0].key, id=linked[0].id))
    return candidates


def decide(issue: IssueSnapshot, verified: list[tuple[Candidate, IssueView]]) -> Found | Ambiguous | None:
    """The strongest kind of evidence decides; two different partners of one kind are ambiguous."""
    for via in VIA_ORDER:
        partners = {view.id: view for candidate, view in verified if candidate.via == via}
        if len(partners) == 1:
            return Found(next(iter(partners.values())), via)
        if len(partners) > 1:
            keys = ", ".join(sorted(view.key for view in partners.values()))
            return Ambiguous(f"{issue.key} has {len(partners)} possible partners by {via} ({keys}); "
                             "none is adopted and nothing is created until only one is left")
    return None


@dataclass
class Adoption:
    """Looks a pair's partners up in Jira (`find`, read-only) and records them (`adopt`)."""

    jira: JiraClient
    store: PairStore
    config: PairConfig
    clock: Callable[[], datetime]
    credentials: CredentialCheck

    def note_hints(self, issue: IssueSnapshot) -> None:
        """Remember which partner an unmapped issue's link lines name, so that the partner finds
        it later (the original service wrote `User Link:` into Dev issues it never linked)."""
        partner_side = other_side(issue.side)
        project = self.config.dev_project_key if partner_side == "dev" else self.config.user_project_key
        names = named_keys(issue.description, partner_side, project)
        if names:
            self.store.save_hint(issue.id, issue.side, issue.key, names)

    def find(self, issue: IssueSnapshot) -> Found | Ambiguous | None:
        """The partner `issue` already has in Jira, if the evidence proves one; reads only."""
        hints = self.store.hints_naming(issue.key, other_side(issue.side))
        verified: list[tuple[Candidate, IssueView]] = []
        fetched: dict[str, IssueView | None] = {}
        for candidate in evidence(issue, self.config, hints):
            raw = self._verified(issue, candidate, fetched)
            if raw is not None:
                verified.append((candidate, raw))
        return decide(issue, verified)

    @staticmethod
    def pairing(issue: IssueSnapshot, found: Found) -> Mapping:
        """The mapping adopting `found` makes (nothing recorded)."""
        partner = found.partner
        if issue.side == "user":
            return Mapping(issue.id, issue.key, partner.id, partner.key)
        return Mapping(partner.id, partner.key, issue.id, issue.key)

    def adopt(self, issue: IssueSnapshot, found: Found) -> Mapping:
        """Record the pair `find` proved, so that nothing fires from the adoption itself."""
        partner, partner_side = found.partner, other_side(issue.side)
        mapping = self.pairing(issue, found)
        self.store.save_mapping(mapping, found_by=f"adopted ({found.via})")
        self.store.save_issue_state(partner.id, partner_side, partner.key, partner.current_status(), partner.updated)
        for attachment in partner.attachments:
            self.store.record_attachment(attachment.id, issue.id, None)
        for attachment_id in issue.attachment_ids:
            self.store.record_attachment(attachment_id, partner.id, None)
        dev_marker = issue.marker if issue.side == "dev" else partner.marker
        if not (dev_marker is not None and dev_marker.names(mapping.user_id)):
            ours = IssueMarker(mapping.user_id, mapping.user_key, self.config.name)
            self.jira.set_property(mapping.dev_id, marker.KEY, ours.value())
        return mapping

    def _verified(self, issue: IssueSnapshot, candidate: Candidate,
                  fetched: dict[str, IssueView | None]) -> IssueView | None:
        """The candidate as it is now, if it may be this issue's partner (`fetched` caches GETs)."""
        partner_side = other_side(issue.side)
        project = self.config.dev_project_key if partner_side == "dev" else self.config.user_project_key
        ref = candidate.id or candidate.key or ""
        if ref not in fetched:
            try:
                fetched[ref] = IssueView.parse(self.jira.get_issue(ref, fields=PARTNER_FIELDS, properties=[marker.KEY]))
            except JiraNotFound:
                self.credentials.prove()  # a partner hidden from rejected credentials is no missing partner
                fetched[ref] = None
        view = fetched[ref]
        if view is None:
            return None
        if view.project != project:
            return None
        paired = self.store.mapping_for(partner_side, view.id)
        if paired is not None and paired.id_of(issue.side) != issue.id:
            return None
        dev_marker = view.marker if partner_side == "dev" else issue.marker
        names_other = dev_marker is not None and not dev_marker.names(_user_id(issue, view))
        if names_other or (candidate.via == "marker" and partner_side == "dev" and dev_marker is None):
            return None  # ours, but for another User issue; or linked without our marker (a person's link)
        return view


def _user_id(issue: IssueSnapshot, partner: IssueView) -> str:
    return issue.id if issue.side == "user" else partner.id
