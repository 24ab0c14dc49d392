"""A pass that Jira refused for its credentials is tried once more when the pair's token, read
again, is another one: rotating a token mounted as a file needs no restart.

A worker reads its token (`${JIRA_AB_TOKEN}`, supplied by JIRA_AB_TOKEN_FILE) when it starts
(app.secret_files). An operator rotating it writes the new token into the file and revokes the
old one; the next request is refused (JiraAuthError). The pass that saw the refusal reads the
pair's file again, and when its token differs from the one in use, puts it in the Jira client's
place and runs once more. A token from the environment cannot have changed in a running
process, nor can one whose file still holds it: then the refusal stands, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from app.config import ConfigFileError, load_pair_file
from app.jira import JiraAuthError
from app.jira.auth import auth_for
from app.redaction import remember

log = logging.getLogger(__name__)
Result = TypeVar("Result")


def rereading_token(run_pass: Callable[[Callable[[], bool]], Result], config_path: Path, jira: Any,
                    token_in_use: str) -> Callable[[Callable[[], bool]], Result]:
    """`run_pass`, which on JiraAuthError reads the pair's token again and, when it changed, puts
    it into `jira` (its transport's auth) and runs the pass once more."""
    in_use = token_in_use

    def run(should_stop: Callable[[], bool]) -> Result:
        nonlocal in_use
        try:
            return run_pass(should_stop)
        except JiraAuthError as refused:
            try:
                connection = load_pair_file(config_path).config.jira
            except ConfigFileError:
                raise refused from None  # the file cannot give a token now: the refusal stands
            fresh = connection.api_token.get_secret_value()
            if fresh == in_use:
                raise
            remember([fresh])  # never logged, as the first one
            jira.transport.auth = auth_for(connection.auth_type, connection.email, fresh)
            in_use = fresh
            log.warning("Jira refused the token; read it again (a new one) and trying the pass once more")
            return run_pass(should_stop)

    return run
