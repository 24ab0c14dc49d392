"""Which environment variables are secrets, so that only the programs needing them get them.

A secret is every variable that a pair file's `jira.apiToken` references (any `sync-*.json` of
the config directory that can be read, valid or not), and every variable whose name says it is
a credential (`TOKEN`, `SECRET`, `PASSWORD`, `PASSWD`, `PAT`, `CREDENTIALS`, `APIKEY`, or
`API_KEY` / `PRIVATE_KEY`, as words between underscores): a token waiting in the environment for
a pair file not written yet, or another program's (the demo's scripted person's). The other
variables of the `jira` block (`baseUrl`, `email`, ...) are addresses, not secrets: the health
service needs them to judge the files as `validate` does. A secret's NAME_FILE (app.secret_files) is
withheld like the secret: its path is no secret, but a program that does not know it reads no
token by mistake, and no token reaches a program through a path either.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.config.envsubst import references
from app.config.source import SourceError, config_files, parse_document, read_config_bytes
from app.credential_names import named_like_a_credential
from app.secret_files import file_variable


def secret_names(names: Iterable[str], config_dir: Path) -> set[str]:
    """The secrets among `names` (an environment's variable names), plus every variable the
    config directory's tokens reference."""
    return {name for name in names if named_like_a_credential(name)} | token_references(config_dir)


def token_references(config_dir: Path) -> set[str]:
    """The variables that the `jira.apiToken` of any readable pair file in `config_dir` references,
    and the NAME_FILE variables that may supply them."""
    names: set[str] = set()
    if not config_dir.is_dir():
        return names
    for path in config_files(config_dir):
        try:
            document = parse_document(read_config_bytes(path, config_dir))
        except SourceError:
            continue
        jira = document.get("jira")
        token = jira.get("apiToken") if isinstance(jira, dict) else None
        if isinstance(token, str):
            names.update(name for reference in references(token) for name in (reference, file_variable(reference)))
    return names
