"""A supervisord.conf that app.bundle.render wrote, read back into the `Program`s it was made of.

`reload` needs what supervisord runs now, section by section, to keep a running pair exactly
as it is while its file has a problem: the conf supervisord last loaded is that record (only
`run` and `reload` write it, and each has supervisord load it at once). Only our own rendering
is read, whose values stay inside safe alphabets (no quotes, commas or spaces inside a value),
so splitting on them is exact; `read_programs(render_supervisord_conf(ps))` gives `ps` back.
"""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Literal, TypeGuard

from app.bundle.render import Program

SectionKind = Literal["program", "eventlistener"]
SECTION_KINDS: tuple[SectionKind, ...] = ("program", "eventlistener")


def read_programs(text: str) -> dict[str, Program]:
    """The programs of a rendered supervisord.conf, by name (sections other than programs and
    event listeners are ignored)."""
    parser = configparser.RawConfigParser(interpolation=None, strict=True)
    parser.read_string(text)
    programs: dict[str, Program] = {}
    for section in parser.sections():
        kind, _, name = section.partition(":")
        if not _program_kind(kind) or not name:
            continue
        values = parser[section]
        programs[name] = Program(
            name=name,
            command=tuple(values["command"].split(" ")),
            environment=_environment(values.get("environment", "")),
            kind=kind,
            priority=int(values["priority"]),
            autorestart=_boolean(values, "autorestart"),
            startsecs=int(values["startsecs"]),
            startretries=int(values["startretries"]),
            stopsignal=values["stopsignal"],
            stopwaitsecs=int(values["stopwaitsecs"]),
            stopasgroup=_boolean(values, "stopasgroup"),
            killasgroup=_boolean(values, "killasgroup"),
            events=tuple(event for event in values.get("events", "").split(",") if event),
        )
    return programs


def read_programs_file(path: Path) -> dict[str, Program]:
    """`read_programs` of the file at `path`; {} when there is none (nothing was rendered yet)."""
    try:
        return read_programs(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _environment(value: str) -> dict[str, str]:
    """`KEY="value",KEY2="value2"` as the template writes it."""
    pairs = (item.split("=", 1) for item in value.split(",") if item)
    return {key: quoted.strip('"') for key, quoted in pairs}


def _program_kind(kind: str) -> TypeGuard[SectionKind]:
    return kind in SECTION_KINDS


def _boolean(values: configparser.SectionProxy, key: str) -> bool:
    """A boolean our rendering always writes (a missing one raises KeyError, as a missing number does)."""
    value = values.getboolean(key)
    if value is None:
        raise KeyError(key)
    return value
