"""Secrets from files, as Docker and Kubernetes mount them: the `*_FILE` convention.

A secret variable NAME may be given instead as NAME_FILE, the path of a file that holds the
value (`JIRA_AB_TOKEN_FILE=/run/secrets/jira_ab_token`). The file is read where the value is
used, each time a program starts (a worker reads its token's file at each start, so rotating a
token is `supervisorctl restart <pair>`); its content, without the white space around it (`echo
token > file` adds a newline), is the value. NAME and NAME_FILE both set is an error: which one
wins would be a guess. The path is no secret, the content is: only the programs that keep NAME
(app.bundle.launch) get NAME_FILE either, and no message carries the content.

A leaf module (standard library only): the config loader, the settings and the launcher use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

FILE_SUFFIX = "_FILE"
MAX_SECRET_BYTES = 64 * 1024  # a token or a connection string; anything larger is the wrong file


class SecretFileError(ValueError):
    """A `NAME_FILE` that supplies no value; the message names the variable, the path and why."""

    def __init__(self, variable: str, reason: str) -> None:
        self.variable = variable
        self.reason = reason
        super().__init__(f"{variable}: {reason}")


def file_variable(name: str) -> str:
    """The variable naming the file that may supply `name`."""
    return name + FILE_SUFFIX


def supplied_by(name: str) -> str | None:
    """The variable that `name` supplies from a file (JIRA_AB_TOKEN for JIRA_AB_TOKEN_FILE), or None."""
    return name.removesuffix(FILE_SUFFIX) if name.endswith(FILE_SUFFIX) and name != FILE_SUFFIX else None


def read_secret_file(variable: str, path: str) -> str:
    """The secret in the file `path` (named by `variable`); SecretFileError when it gives none."""
    try:
        with open(Path(path), "rb") as file:
            data = file.read(MAX_SECRET_BYTES + 1)
    except OSError as error:
        raise SecretFileError(variable, f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > MAX_SECRET_BYTES:
        raise SecretFileError(variable, f"{path} is larger than {MAX_SECRET_BYTES} bytes: not a secret's file")
    try:
        value = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SecretFileError(variable, f"{path} is not UTF-8 text") from None
    if not value:
        raise SecretFileError(variable, f"{path} is empty")
    return value


def secret_value(environ: Mapping[str, str], name: str) -> str | None:
    """`name`'s value: from the environment, else from the file NAME_FILE names; None when neither
    is set (an empty variable counts as unset). SecretFileError for both set or an unusable file."""
    direct, path = environ.get(name) or None, environ.get(file_variable(name)) or None
    if direct is not None and path is not None:
        raise SecretFileError(file_variable(name), f"{name} is set too; set {name} or {file_variable(name)}, not both")
    return read_secret_file(file_variable(name), path) if path is not None else direct
