"""JiraClient: every Jira operation the sync needs, on Cloud (REST v3) or Data Center (REST v2).

Descriptions and comments go in and come out as plain text on both deployments. Every
request has a timeout and goes through the retry policy (see app.jira.retry); every failure
is a JiraError subclass. Reprs never show credentials.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from requests.auth import AuthBase

from app.jira.auth import auth_for
from app.jira.bodies import incoming_comment, incoming_issue, outgoing_fields, wire_text
from app.jira.deployment import SERVER_INFO_PATH, Deployment, api_prefix, as_deployment, deployment_of
from app.jira.errors import JiraAuthError, JiraError, JiraForbidden, JiraNotFound, TransitionUnavailable, parse_error_body
from app.jira.retry import RetryPolicy
from app.jira.search import search_cloud, search_datacenter
from app.jira.transitions import Transition, choose_transition, parse_transitions, transition_payload
from app.jira.transport import JiraTransport, Timeout

CHANGELOG_PAGE = 100  # the most `/issue/{key}/changelog` gives a page
BULK_FETCH_LIMIT = 100  # the most issue ids one `POST /issue/bulkfetch` takes
NO_CHECK = {"X-Atlassian-Token": "no-check"}  # Jira's XSRF guard refuses multipart uploads without it


def _segment(value: str) -> str:
    return quote(str(value), safe="")


@dataclass(frozen=True)
class Site:
    """What a Jira site says of itself: its flavour, and its own URL (`serverInfo.baseUrl`).

    The URL is the one people use: links the sync writes into Jira (the description's link
    back, comments) are built on it, never on the API's base URL, which may be a gateway
    (`https://api.atlassian.com/ex/jira/{cloudId}`) or a proxy.
    """

    deployment: Deployment
    url: str


class JiraClient:
    """A client for one Jira site as one user.

    `base_url` is where the REST API is reached, path included (a Data Center context path,
    the Cloud gateway); every request and every URL the client follows keeps it. `site_url`
    is the site's own URL for links people follow (default: `base_url`). `write_guard`, when
    given, allows every write first and bounds its timeout (app.leases.guard).
    """

    def __init__(
        self,
        base_url: str,
        auth: AuthBase,
        deployment: str = "cloud",
        timeout: Timeout = (5, 30),
        max_retries: int = 5,
        backoff_cap: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        site_url: str | None = None,
        write_guard: Callable[[], float] | None = None,
    ) -> None:
        self.deployment = deployment
        self.api = api_prefix(deployment)
        self.policy = RetryPolicy(max_retries=max_retries, backoff_cap=backoff_cap, sleep=sleep, jitter=jitter, clock=clock)
        self.transport = JiraTransport(base_url, auth, timeout, self.policy, session, site_url=site_url,
                                       write_guard=write_guard)

    @classmethod
    def from_config(cls, jira: Any, site: Site | None = None, **overrides: Any) -> JiraClient:
        """A client from a pair config's `jira` section (any object with base_url, email,
        api_token (str or SecretStr), auth_type "basic"|"pat", deployment or None).

        An explicit `deployment` wins; else the `site` found by `discover_site` decides.
        """
        base_url = str(jira.base_url)
        deployment = _plain(getattr(jira, "deployment", None)) or (site.deployment if site else None)
        if deployment is None:
            raise ValueError("the Jira deployment is not configured: discover the site first (JiraClient.discover_site)")
        auth_type = _plain(getattr(jira, "auth_type", None)) or "basic"
        auth = auth_for(auth_type, getattr(jira, "email", None), jira.api_token)
        return cls(base_url, auth, deployment=deployment, site_url=site.url if site else None, **overrides)

    @classmethod
    def discover_site(cls, jira: Any, **overrides: Any) -> Site:
        """Ask the site what it is: `GET /rest/api/2/serverInfo`, which both products answer
        anonymously (a gateway that will not, is asked again with the credentials). An explicit
        `deployment` in `jira` still wins over the answer."""
        probe = cls.from_config(jira, Site("datacenter", str(jira.base_url)), **overrides)
        try:
            info = probe.transport.request_json("GET", SERVER_INFO_PATH, anonymous=True)
        except (JiraAuthError, JiraForbidden):
            info = probe.transport.request_json("GET", SERVER_INFO_PATH)
        try:
            found = deployment_of(info if isinstance(info, dict) else {})
        except ValueError as error:
            raise JiraError(200, "GET", SERVER_INFO_PATH, [str(error)]) from None
        configured = _plain(getattr(jira, "deployment", None))
        deployment = as_deployment(configured) if configured else found
        return Site(deployment, str(info.get("baseUrl") or jira.base_url).rstrip("/"))

    def __repr__(self) -> str:
        return f"JiraClient(base_url={self.base_url!r}, deployment={self.deployment!r}, auth={self.transport.auth!r})"

    __str__ = __repr__

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def text_length(self, text: str) -> int:
        """A description's or comment's length as Jira counts it against its 32,767-character
        limit: of what is sent (the ADF document on Cloud), in UTF-16 code units."""
        wire = wire_text(text, self.deployment)
        sent = wire if isinstance(wire, str) else json.dumps(wire, separators=(",", ":"), ensure_ascii=False)
        return len(sent.encode("utf-16-le")) // 2

    @property
    def site_url(self) -> str:
        """The site's own URL, for links people follow (see `Site`)."""
        return self.transport.site_url

    @property
    def request_count(self) -> int:
        """HTTP requests sent, retries included."""
        return self.transport.request_count

    @property
    def status_counts(self) -> Counter[str]:
        """Answers by HTTP status ("200", "429", ...), "dropped" when none came; retries included."""
        return self.transport.status_counts

    @property
    def retry_count(self) -> int:
        """Retries made (each one also counted in request_count)."""
        return self.policy.retries

    @property
    def retry_waits(self) -> list[float]:
        """The seconds asked of `sleep` before each retry, in order."""
        return list(self.policy.waits)

    def _get(self, path: str, **kwargs: Any) -> Any:
        return self.transport.request_json("GET", self.api + path, **kwargs)

    def _issue_path(self, key: str) -> str:
        return f"/issue/{_segment(key)}"

    # --- site, user, project ---------------------------------------------------------------
    def myself(self) -> dict[str, Any]:
        """The API user (accountId or name, emailAddress, timeZone, ...)."""
        answer: dict[str, Any] = self._get("/myself")
        return answer

    def server_info(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._get("/serverInfo")
        return answer

    def project(self, key: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._get(f"/project/{_segment(key)}")
        return answer

    def project_statuses(self, key: str) -> list[dict[str, Any]]:
        """Per issue type, its statuses with `statusCategory` (key new|indeterminate|done)."""
        answer: list[dict[str, Any]] = self._get(f"/project/{_segment(key)}/statuses")
        return answer

    # --- issues -------------------------------------------------------------------------
    def search(
        self, jql: str, fields: list[str], page_size: int = 100,
        reconcile: Sequence[str] = (), properties: Sequence[str] = (),
    ) -> Iterator[dict[str, Any]]:
        """Every issue matching `jql`, page after page, with only `fields` (text fields as plain
        text) and the issue `properties` named. `reconcile` (Cloud only; the last 50 count) names
        issue ids whose latest version the answer must reflect, whatever the index's lag."""
        if self.deployment == "cloud":
            pages = search_cloud(self.transport, jql, fields, page_size, reconcile, properties)
        else:
            pages = search_datacenter(self.transport, jql, fields, page_size, properties)
        for page in pages:
            for issue in page:
                yield incoming_issue(issue)

    def get_issue(self, key_or_id: str, fields: list[str] | None = None, properties: list[str] | None = None) -> dict[str, Any]:
        """One issue, read directly (never through the search index); its issue `properties`
        named come back under `properties` ({key: value})."""
        params = {"fields": ",".join(fields)} if fields else {}
        if properties:
            params["properties"] = ",".join(properties)
        return incoming_issue(self._get(self._issue_path(key_or_id), params=params or None))

    def create_issue(
        self,
        fields: dict[str, Any],
        properties: dict[str, Any] | None = None,
        links: list[tuple[str, str]] | None = None,
    ) -> dict[str, Any]:
        """Create an issue; `properties` ({key: value}) and `links` ([(link type name, other
        issue key)], the new issue inward) are stored with it atomically. Never retried on
        5xx/connection loss: the caller must look before creating again. Returns {id, key, self}."""
        body: dict[str, Any] = {"fields": outgoing_fields(fields, self.deployment)}
        if properties:
            body["properties"] = _entity_properties(properties)
        if links:
            body["update"] = {
                "issuelinks": [
                    {"add": {"type": {"name": type_name}, "outwardIssue": {"key": other}}} for type_name, other in links
                ]
            }
        answer: dict[str, Any] = self.transport.request_json("POST", self.api + "/issue", json=body)
        return answer

    def edit_issue(self, key: str, fields: dict[str, Any], update: dict[str, list[dict[str, Any]]] | None = None) -> None:
        """Set `fields`; `update` ({field: [{"add"|"remove"|"set": value}]}) applies operations
        to what the issue holds when Jira writes (labels added or removed, not the whole list)."""
        body: dict[str, Any] = {"fields": outgoing_fields(fields, self.deployment)}
        if update:
            body["update"] = update
        self.transport.request("PUT", self.api + self._issue_path(key), json=body)

    def edit_metadata(self, key: str) -> dict[str, Any]:
        """The fields on the issue's edit screen, by id, each with its `schema` and `name`."""
        answer = self._get(self._issue_path(key) + "/editmeta")
        return dict(answer.get("fields") or {})

    def create_metadata(self, project_key: str, issue_type: str, page_size: int = 50) -> dict[str, Any] | None:
        """The fields on the project's create screen for the issue type named `issue_type`, by id,
        each with its `schema`, `name` and `operations` (None: the project has no such issue type).
        Read page by page from `/issue/createmeta/{project}/issuetypes[/{id}]`: Cloud answers
        `issueTypes`/`fields` with `total`, Data Center `values` with `isLast`."""
        base = f"/issue/createmeta/{_segment(project_key)}/issuetypes"
        type_id = next((str(entry["id"]) for entry in self._createmeta_pages(base, "issueTypes", page_size)
                        if entry.get("name") == issue_type), None)
        if type_id is None:
            return None
        return {str(entry.get("fieldId") or entry.get("key")): entry
                for entry in self._createmeta_pages(f"{base}/{_segment(type_id)}", "fields", page_size)}

    def create_issue_types(self, project_key: str) -> list[str]:
        """The names of the issue types the project's create metadata offers."""
        base = f"/issue/createmeta/{_segment(project_key)}/issuetypes"
        return [str(entry.get("name")) for entry in self._createmeta_pages(base, "issueTypes", 50)]

    def _createmeta_pages(self, path: str, cloud_member: str, page_size: int) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            page = self._get(path, params={"startAt": start, "maxResults": page_size})
            entries = list(page.get(cloud_member if self.deployment == "cloud" else "values") or [])
            yield from entries
            start += len(entries)
            last = page["isLast"] is True if "isLast" in page else start >= int(page.get("total") or 0)
            if last or not entries:
                return

    def field_names(self) -> dict[str, str]:
        """Every field's name by its id (`GET /field`)."""
        return {str(entry["id"]): str(entry.get("name") or "") for entry in self._get("/field") if "id" in entry}

    def changelog_newest_first(self, key: str) -> Iterator[list[dict[str, Any]]]:
        """The issue's changelog a page at a time, the most recent page first; the caller stops
        when it has what it needs. Cloud: `/issue/{key}/changelog` pages oldest first, so the
        first page (which tells `total`) is read, then the pages from the last one backwards,
        and the first page is yielded last. Data Center has no such resource: `expand=changelog`
        (the most recent first), one page."""
        if self.deployment != "cloud":
            answer = self._get(self._issue_path(key), params={"fields": "updated", "expand": "changelog"})
            yield list((answer.get("changelog") or {}).get("histories") or [])
            return
        path = self._issue_path(key) + "/changelog"
        first = self._get(path, params={"startAt": 0, "maxResults": CHANGELOG_PAGE})
        oldest = list(first.get("values") or [])
        total, size = int(first.get("total") or 0), len(oldest) or CHANGELOG_PAGE  # the page size Jira granted
        end = total
        while end > len(oldest):
            start = max(end - size, len(oldest))
            page = self._get(path, params={"startAt": start, "maxResults": end - start})
            yield list(page.get("values") or [])
            end = start
        yield oldest

    def bulk_fetch(self, keys_or_ids: Sequence[str], fields: list[str]) -> dict[str, dict[str, Any]]:
        """Cloud only: the issues named, read directly (never through the search index), by id,
        with `fields`; one `POST /issue/bulkfetch` per 100. An issue Jira does not return (not
        found, not visible, or listed in `issueErrors`) is absent from the answer."""
        found: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(keys_or_ids))
        for start in range(0, len(wanted), BULK_FETCH_LIMIT):
            body = {"issueIdsOrKeys": wanted[start:start + BULK_FETCH_LIMIT], "fields": fields}
            answer = self.transport.request_json("POST", self.api + "/issue/bulkfetch", json=body, idempotent=True,
                                                 read_only=True)
            issues = answer.get("issues") if isinstance(answer, dict) else None
            for issue in issues or []:
                found[str(issue.get("id"))] = incoming_issue(issue)
        return found

    def delete_issue(self, key: str) -> None:
        self.transport.request("DELETE", self.api + self._issue_path(key))

    # --- transitions --------------------------------------------------------------------
    def transitions(self, key: str) -> list[Transition]:
        """Transitions available now, with target status, its category and screen fields."""
        body = self._get(self._issue_path(key) + "/transitions", params={"expand": "transitions.fields"})
        return parse_transitions(body)

    def issue_with_transitions(self, key_or_id: str, fields: list[str]) -> tuple[dict[str, Any], list[Transition]]:
        """One issue and the transitions on offer from its status (with their screen fields), in
        one request: GET issue's `expand=transitions` lists what `GET .../transitions` would."""
        params = {"fields": ",".join(fields), "expand": "transitions,transitions.fields"}
        body = self._get(self._issue_path(key_or_id), params=params)
        return incoming_issue(body), parse_transitions(body)

    def transition_to(
        self, key: str, status_name: str, resolution: str | None = None, offered: list[Transition] | None = None
    ) -> Transition:
        """Move `key` to the status named `status_name` (else by transition name); returns the
        transition used. `offered` are the transitions just read with the issue (else they are
        read first). Raises TransitionUnavailable when none leads there."""
        path = self.api + self._issue_path(key) + "/transitions"
        offered = self.transitions(key) if offered is None else offered
        chosen = choose_transition(offered, status_name)
        if chosen is None:
            raise TransitionUnavailable(key, status_name, [t.to_status for t in offered], path=path)
        self.transport.request("POST", path, json=transition_payload(chosen, resolution))
        return chosen

    # --- comments -----------------------------------------------------------------------
    def comments(self, key: str, expand_properties: bool = False) -> list[dict[str, Any]]:
        """Every comment, oldest first, bodies as plain text; with their `properties` on request."""
        collected: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {"startAt": len(collected), "maxResults": 100, "orderBy": "created"}
            if expand_properties:
                params["expand"] = "properties"
            page = self._get(self._issue_path(key) + "/comment", params=params)
            batch = page.get("comments") or []
            collected.extend(incoming_comment(c) for c in batch)
            if not batch or len(collected) >= int(page.get("total", len(collected))):
                return collected

    def add_comment(self, key: str, text: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
        """Add a plain-text comment (ADF on Cloud), with `properties` ({key: value}) stored on it;
        returns the comment with its body as text. Never retried on 5xx/connection loss."""
        body: dict[str, Any] = {"body": wire_text(text, self.deployment)}
        if properties:
            body["properties"] = _entity_properties(properties)
        path = self.api + self._issue_path(key) + "/comment"
        return incoming_comment(self.transport.request_json("POST", path, json=body))

    def raw_comments(self, key: str) -> list[dict[str, Any]]:
        """Every comment, oldest first, exactly as Jira sends it (ADF bodies on Cloud, wiki markup
        on Data Center), with `properties` expanded: one GET per page of 100, paged by `total`."""
        collected: list[dict[str, Any]] = []
        while True:
            params = {"startAt": len(collected), "maxResults": 100, "orderBy": "created", "expand": "properties"}
            page = self._get(self._issue_path(key) + "/comment", params=params)
            batch = page.get("comments") or []
            collected.extend(batch)
            if not batch or len(collected) >= int(page.get("total", len(collected))):
                return collected

    def post_comment(self, key: str, body: Any, properties: dict[str, Any],
                     visibility: dict[str, str] | None = None) -> dict[str, Any]:
        """Add a comment whose `body` is already in the wire format, with `properties` ({key:
        value}) and `visibility` set in the creating request; answers it as Jira does, its
        properties expanded. Never retried on 5xx/connection loss."""
        request: dict[str, Any] = {"body": body, "properties": _entity_properties(properties)}
        if visibility is not None:
            request["visibility"] = visibility
        path = self.api + self._issue_path(key) + "/comment"
        answer: dict[str, Any] = self.transport.request_json("POST", path, json=request,
                                                             params={"expand": "properties"})
        return answer

    def update_comment(self, key: str, comment_id: str, body: Any, visibility: dict[str, str] | None = None) -> None:
        """Replace a comment's body (wire format) and restriction; the same PUT twice is harmless."""
        request: dict[str, Any] = {"body": body, "visibility": visibility}
        path = self.api + self._issue_path(key) + f"/comment/{_segment(comment_id)}"
        self.transport.request("PUT", path, json=request, params={"notifyUsers": "false"})

    def delete_comment(self, key: str, comment_id: str) -> bool:
        """Delete a comment; False when it was gone already (404)."""
        path = self.api + self._issue_path(key) + f"/comment/{_segment(comment_id)}"
        return self.transport.request("DELETE", path, allow_status=(404,)).status_code != 404

    # --- links --------------------------------------------------------------------------
    def create_issue_link(self, type_name: str, inward_key: str, outward_key: str) -> None:
        body = {"type": {"name": type_name}, "inwardIssue": {"key": inward_key}, "outwardIssue": {"key": outward_key}}
        self.transport.request("POST", self.api + "/issueLink", json=body)

    def issue_links(self, key: str) -> list[dict[str, Any]]:
        return self.get_issue(key, fields=["issuelinks"])["fields"].get("issuelinks") or []

    def remote_links(self, key: str) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self._get(self._issue_path(key) + "/remotelink")
        return answer

    def put_remote_link(self, key: str, global_id: str, url: str, title: str) -> dict[str, Any]:
        """Create or update (by `global_id`) a remote link; keyed, so safe to retry."""
        body = {"globalId": global_id, "object": {"url": url, "title": title}}
        path = self.api + self._issue_path(key) + "/remotelink"
        answer: dict[str, Any] = self.transport.request_json("POST", path, json=body, idempotent=True)
        return answer

    # --- properties ---------------------------------------------------------------------
    def get_property(self, key: str, prop: str) -> Any | None:
        """The property's value, None when the issue has no such property (JiraNotFound if the issue is absent)."""
        path = self.api + self._issue_path(key) + f"/properties/{_segment(prop)}"
        response = self.transport.request("GET", path, allow_status=(404,))
        if response.status_code == 404:
            missing = JiraNotFound(404, "GET", path, *_messages(response))
            if not any("propert" in m.lower() for m in missing.error_messages):
                raise missing
            return None
        return response.json().get("value")

    def set_property(self, key: str, prop: str, value: Any) -> None:
        path = self.api + self._issue_path(key) + f"/properties/{_segment(prop)}"
        self.transport.request("PUT", path, json=value)

    # --- attachments --------------------------------------------------------------------
    def attachments(self, key: str) -> list[dict[str, Any]]:
        return self.get_issue(key, fields=["attachment"])["fields"].get("attachment") or []

    def download_attachment(self, attachment: dict[str, Any]) -> bytes:
        """The content of an attachment dict (as listed by `attachments`), fetched from this site only."""
        url = attachment.get("content") or f"{self.api}/attachment/content/{_segment(attachment['id'])}"
        return self.transport.request("GET", self.transport.absolute(url)).content

    def add_attachment(self, key: str, filename: str, content: bytes) -> list[dict[str, Any]]:
        """Upload one file (multipart field `file`); returns Jira's list of created attachments."""
        files = {"file": (filename, content, "application/octet-stream")}
        path = self.api + self._issue_path(key) + "/attachments"
        answer: list[dict[str, Any]] = self.transport.request_json("POST", path, files=files, headers=NO_CHECK)
        return answer


def _entity_properties(properties: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": value} for key, value in properties.items()]


def _plain(value: Any) -> str | None:
    """A config value that may be an Enum member, as its plain string."""
    return None if value is None else str(getattr(value, "value", value))


def _messages(response: requests.Response) -> tuple[list[str], dict[str, str]]:
    try:
        return parse_error_body(response.json())
    except ValueError:
        return parse_error_body(None, response.text)
