"""A 404 from Jira means "gone" only once the credentials are proven.

Jira Cloud answers a request whose API token expired or was revoked as an anonymous one: the
issue a pair maps answers 404 as if it had been deleted. The client recognises the failed
login where Jira says so (app.jira.transport), but a proxy may strip that header; so before
the sync believes a 404 — clears a failure, calls a partner missing — it asks `/myself`, which
answers 401 to rejected credentials. Once per pass: a pass that proved them believes its 404s.
"""

from __future__ import annotations

from app.jira import JiraClient


class CredentialCheck:
    """Proves the pair's credentials at most once per pass (`new_pass` forgets the proof)."""

    def __init__(self, jira: JiraClient) -> None:
        self._jira = jira
        self._proven = False

    def new_pass(self) -> None:
        self._proven = False

    def prove(self) -> None:
        """Return once the credentials are proven; JiraAuthError when Jira rejects them (any
        other JiraError when it cannot say: then no 404 of this pass is believed either)."""
        if not self._proven:
            self._jira.myself()
            self._proven = True
