"""`${ENV_NAME}` substitution in `jira.apiToken` and `jira.email` of a parsed config document, nowhere else.

A reference belongs where a secret does: the token, and the login beside it (which may differ
per deployment). Anywhere else it would copy the environment into what the sync prints or
writes: `"commentTemplate": "token=${JIRA_AB_TOKEN}"` would post a secret on every issue, and
`"baseUrl": "http://host/x${JIRA_AB_TOKEN}"` would print it in every error naming a URL. So
anywhere else a reference is *misplaced*, a problem the loader reports, and nothing is
substituted.

Only UPPER_CASE names are environment variables: `${sourceKey}` and other camelCase
placeholders belong to comment templates and are left as written. `$${NAME}` is an escape
for a literal `${NAME}`, everywhere. A variable that is unset *or empty* is a problem,
reported with the variable's name and the field that references it (an empty token is never
intended), unless the caller says the variable is *withheld*: set for the program that needs
it, but not given to this one (app.bundle.launch), so that its reference is left as written.
`${NAME}` may also be supplied by the file that NAME_FILE names (app.secret_files), read at each
substitution: a worker reads its token's file each time it starts.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from app.config.source import Loc
from app.records import Record
from app.secret_files import SecretFileError, secret_value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: the launcher needs none
if TYPE_CHECKING:
    from typing import Any

ENV_REFERENCE = re.compile(r"\$(\$?)\{([A-Z_][A-Z0-9_]*)\}")
ENVIRONMENT_BLOCK = "jira"
ENVIRONMENT_FIELDS = ("apiToken", "email")  # inside ENVIRONMENT_BLOCK


class Reference(Record):
    """`${name}` written at `loc`; `problem` says why it has no value when that is not plain
    "unset" (its NAME_FILE could not be read). A Record, not a dataclass: the launcher imports
    this module, and neither dataclasses nor typing (tests/unit/test_lean_imports.py)."""

    __slots__ = ("loc", "name", "problem")

    def __init__(self, loc: Loc, name: str, problem: str | None = None) -> None:
        self.loc = loc
        self.name = name
        self.problem = problem


class Substitution:
    """The document after substitution, the variables it used and the references that failed.

    `data` and `used` (variable name -> value) hold secrets: hash or validate them, never
    print them (both are left out of the repr). `withheld` names the withheld variables the
    document references.
    """

    __slots__ = ("data", "used", "unset", "misplaced", "withheld")

    def __init__(self, data: Any) -> None:
        self.data = data
        self.used: dict[str, str] = {}
        self.unset: list[Reference] = []
        self.misplaced: list[Reference] = []
        self.withheld: set[str] = set()

    def __repr__(self) -> str:
        return f"Substitution(unset={self.unset!r}, misplaced={self.misplaced!r}, withheld={self.withheld!r})"


def substitute(document: Any, environ: Mapping[str, str], withheld: Collection[str] = ()) -> Substitution:
    """Replace `${NAME}` from `environ` in `jira.apiToken` and `jira.email`; unescape `$${NAME}`
    everywhere; list every unescaped reference anywhere else in `misplaced`.

    Unset variables stay as written in the returned data and are listed in `unset`; withheld
    ones stay as written and are listed in `withheld`. Keys are never substituted; values are
    substituted once (no recursive expansion).
    """
    result = Substitution(None)
    result.data = _walk(document, (), None, withheld, result, environ)
    return result


def allows_reference(loc: Loc) -> bool:
    """Whether an environment reference may stand at `loc`: where a secret belongs."""
    return len(loc) == 2 and loc[0] == ENVIRONMENT_BLOCK and loc[1] in ENVIRONMENT_FIELDS


def references(text: str) -> list[str]:
    """The environment variables `text` references (escaped ones are not references)."""
    return [match.group(2) for match in ENV_REFERENCE.finditer(text) if not match.group(1)]


def _walk(value: Any, loc: Loc, environ: Mapping[str, str] | None, withheld: Collection[str],
          result: Substitution, source: Mapping[str, str]) -> Any:
    """`environ` None: where references are misplaced (every string but those `allows_reference`)."""
    if isinstance(value, dict):
        return {key: _walk(item, (*loc, key), source if allows_reference((*loc, key)) else None, withheld, result,
                           source)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, (*loc, index), None, withheld, result, source) for index, item in enumerate(value)]
    if isinstance(value, str):
        return _substitute_string(value, loc, environ, withheld, result)
    return value


def _substitute_string(text: str, loc: Loc, environ: Mapping[str, str] | None, withheld: Collection[str],
                       result: Substitution) -> str:
    def replace(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        if environ is None:
            result.misplaced.append(Reference(loc, name))
            return match.group(0)
        try:
            value = secret_value(environ, name)
        except SecretFileError as error:
            result.unset.append(Reference(loc, name, str(error)))
            return match.group(0)
        if not value and name in withheld:
            result.withheld.add(name)
            return match.group(0)
        if not value:
            result.unset.append(Reference(loc, name))
            return match.group(0)
        result.used[name] = value
        return value

    return ENV_REFERENCE.sub(replace, text)
