"""Config problems as data, and the one place that turns pydantic errors into them.

A problem is (file, field path, message). Messages are single lines meant for people and
never contain a value read from the file or the environment: pydantic's `input` is
dropped, and callers redact substituted environment values (see `redact`). A file name or a
key is shown through `printable`, so that a name with a newline or a terminal escape cannot
forge a line of output.
"""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from app.config.source import Loc as Loc  # re-exported: the config modules import it from here


@dataclass(frozen=True)
class ConfigError:
    """One problem in one config file. `field` is "" when the file as a whole is at fault."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        """`file: field: message`, file and field shown through `printable`."""
        return f"{printable(self.file)}: {self.shown()}"

    def shown(self) -> str:
        """`field: message` (or the message alone), the field shown through `printable`."""
        return f"{printable(self.field)}: {self.message}" if self.field else self.message


@dataclass(frozen=True)
class ConfigWarning(ConfigError):
    """A problem that does not stop the pair (app.config.lint): shown, and the pair still runs."""


class ConfigFileError(Exception):
    """A config file that cannot be used; `errors` lists every problem found in it."""

    def __init__(self, errors: list[ConfigError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def printable(text: str) -> str:
    """`text` with every character that is not printable (newlines, terminal escapes, line
    separators) and the backslash written as its Python escape: one line, and no two names alike."""
    return "".join(
        char if char.isprintable() and char != "\\" else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def format_loc(loc: Loc) -> str:
    """`("rules", 2, "syncDirection")` -> `rules[2].syncDirection`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def validation_errors(file: str, exc: ValidationError, model: type[BaseModel]) -> list[ConfigError]:
    """Turn a pydantic ValidationError raised by validating `model` into ConfigErrors.

    Unknown keys get a "did you mean" hint from the keys `model` accepts at that place.
    """
    problems = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        loc: Loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden" and loc:
            message = _unknown_key_message(str(loc[-1]), _known_keys(model, loc[:-1]))
        else:
            message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
        problems.append(ConfigError(file, format_loc(loc), message))
    return problems


def _unknown_key_message(key: str, known: list[str]) -> str:
    guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" (did you mean {guess[0]!r}?)" if guess else ""
    return f"unknown key {key!r}{hint}; keys starting with '_' are comments"


def _known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The JSON keys accepted by the object found at `loc` inside `model` ([] when unknown)."""
    current: object = model
    for part in loc:
        if isinstance(part, int):
            current = _single_arg(current)
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = next((f for name, f in current.model_fields.items() if part in (name, f.alias)), None)
        if field is None:
            return []
        current = _single_arg(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _single_arg(annotation: object) -> object:
    """`list[X]` / `X | None` -> X; anything else unchanged."""
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    return args[0] if len(args) == 1 else annotation
