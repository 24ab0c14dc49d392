"""`${ENV_NAME}` substitution inside every string of a parsed config document.

Only UPPER_CASE names are environment variables: `${sourceKey}` and other camelCase
placeholders belong to comment templates and are left as written. `$${NAME}` is an escape
for a literal `${NAME}`. A variable that is unset *or empty* is a problem, reported with
the variable's name and the field that references it (an empty token is never intended).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.config.errors import Loc

ENV_REFERENCE = re.compile(r"\$(\$?)\{([A-Z_][A-Z0-9_]*)\}")


@dataclass(frozen=True)
class UnsetVariable:
    loc: Loc
    name: str


@dataclass
class Substitution:
    """The document after substitution, the variables it used and the ones that were missing.

    `data` and `used` (variable name -> value) hold secrets: hash or validate them, never
    print them (both are left out of the repr).
    """

    data: Any = field(repr=False)
    used: dict[str, str] = field(default_factory=dict, repr=False)
    unset: list[UnsetVariable] = field(default_factory=list)


def substitute(data: Any, environ: Mapping[str, str]) -> Substitution:
    """Replace `${NAME}` in every string of `data` (dicts, lists, scalars) from `environ`.

    Unset variables stay as written in the returned data and are listed in `unset`.
    Keys are never substituted; values are substituted once (no recursive expansion).
    """
    result = Substitution(data=None)
    result.data = _walk(data, (), environ, result)
    return result


def _walk(value: Any, loc: Loc, environ: Mapping[str, str], result: Substitution) -> Any:
    if isinstance(value, dict):
        return {key: _walk(item, (*loc, key), environ, result) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, (*loc, index), environ, result) for index, item in enumerate(value)]
    if isinstance(value, str):
        return _substitute_string(value, loc, environ, result)
    return value


def _substitute_string(text: str, loc: Loc, environ: Mapping[str, str], result: Substitution) -> str:
    def replace(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        value = environ.get(name)
        if not value:
            result.unset.append(UnsetVariable(loc, name))
            return match.group(0)
        result.used[name] = value
        return value

    return ENV_REFERENCE.sub(replace, text)
