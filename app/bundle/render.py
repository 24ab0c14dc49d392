"""supervisord.conf from plain values: which programs run, with which command and settings.

`program_specs` decides (pure: a LoadResult and the settings in, `Program` values out);
`render_supervisord_conf` only formats them through the package's templates/supervisord.conf.j2. The CLI
writes the text to disk.

What reaches the file is deliberately narrow: a program name matching PROGRAM_NAME_PATTERN,
argv words and environment values from a small safe alphabet, and numbers. A pair's config
file contributes its name, its absolute path, its fingerprint, the ids of its projects (a
digest of the site and the keys: `reload` holds them for a pair it keeps running while its
file has a problem) and the names of the variables its token references, nothing else:
tokens stay `${ENV}` references resolved by the worker from the environment it inherits from
supervisord. Every program is started through
app.bundle.launch (`launched`), which removes the secrets a program does not need from that
environment: only a pair's worker gets its own token.
Anything outside those alphabets raises `UnsafeProgramValue` instead of being escaped, because
supervisord's ini parser has several syntaxes (sections, `%(...)s` expansion, inline `;`
comments, shlex quoting) that an escaped value could still trip. The loader already refuses a
pair whose name or path would not fit (app.config), so here that is a bug, not bad input.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import jinja2

from app.config import LoadedPair, LoadResult
from app.embedded_mongo import server_command
from app.secret_files import file_variable
from app.settings import Settings

PROGRAM_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
SAFE_ARGUMENT_PATTERN = re.compile(r"^[A-Za-z0-9_./:@+=,-]+$")
ENV_NAME_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]*$")
SAFE_ENV_VALUE_PATTERN = re.compile(r"^[A-Za-z0-9_./:@+-]*$")

PROJECTS_VARIABLE = "PAIR_PROJECTS"  # a worker's project ids (app.config.loader.project_id)
PROJECTS_SEPARATOR = "+"  # inside SAFE_ENV_VALUE_PATTERN, and in no project id

LAUNCHER_MODULE = "app.bundle.launch"  # every program starts through it
TEMPLATE_NAME = "supervisord.conf.j2"  # package data of app.bundle, under templates/

# Lower priority numbers start first and stop last: MongoDB and the simulator outlive the
# workers that use them, and the watchdog stops first so it never revives a program that
# supervisord is shutting down.
PRIORITY_MONGODB = 10
PRIORITY_SIMULATOR = 20
PRIORITY_HEALTH = 50
HEALTH_SECRETS = ("HEALTH_AUTH_TOKEN", "HEALTH_AUTH_PASSWORD")  # the only secrets the health service needs
# The keeper starts before the workers, so that their leases are taken by the time their
# standbys look. It takes nothing while supervisord shuts down (every request answers
# SHUTDOWN_STATE from the start of the shutdown; app.leases.keeper), so a worker releasing its
# lease as it stops is never taken again for a bundle that is going away.
PRIORITY_LEASES = 60
PRIORITY_WORKER = 100
PRIORITY_WATCHDOG = 900

# A worker proves it is up by its first beat (/health), not by surviving startsecs; one whose
# start-up check keeps failing backs off by itself (app.sync.start_backoff).
WORKER_STARTSECS = 1
WORKER_STOPWAITSECS = 30  # lets a pass finish its current issue after SIGTERM
# Every process state change (the watchdog needs FATAL and STARTING) and a 5 s tick.
WATCHDOG_EVENTS = ("PROCESS_STATE", "TICK_5")


class UnsafeProgramValue(ValueError):
    """A value that must not reach supervisord.conf; nothing is rendered."""

    def __init__(self, program: str, field: str, value: str) -> None:
        self.program = program
        self.field = field
        self.value = value
        super().__init__(f"{program!r}: {field}: refusing to render {value!r}")


@dataclass(frozen=True)
class Program:
    """One supervisord `[program:x]` (or `[eventlistener:x]`) section as plain values."""

    name: str
    command: tuple[str, ...]
    environment: dict[str, str] = field(default_factory=dict)
    kind: Literal["program", "eventlistener"] = "program"
    priority: int = PRIORITY_WORKER
    autorestart: bool = True
    startsecs: int = 1
    startretries: int = 3
    stopsignal: str = "TERM"
    stopwaitsecs: int = 10
    stopasgroup: bool = True
    killasgroup: bool = True
    events: tuple[str, ...] = ()

    @property
    def command_line(self) -> str:
        return " ".join(self.command)


def program_specs(
    result: LoadResult, settings: Settings, extra_programs: Iterable[Program] = (), python: str = sys.executable,
    kept: Iterable[Program] = (),
) -> list[Program]:
    """Every program of the bundle: mongodb (embedded only), health, watchdog, one per valid pair
    and each `kept` pair program as it is (app.bundle.reload.keep_running).

    `result` is an app.config.LoadResult; only its valid `pairs` are used (name, path,
    fingerprint). Raises UnsafeProgramValue for any name or value outside the safe alphabets
    and ValueError for a duplicate program name.
    """
    programs: list[Program] = []
    if settings.embedded_mongo:
        programs.append(mongodb_program(settings, python))
    programs.append(health_program(settings, python))
    programs.append(leases_program(python))
    programs.append(watchdog_program(python))
    workers = [worker_program(pair, settings.pair_database(pair.name), python) for pair in result.pairs]
    programs.extend(sorted([*workers, *kept], key=lambda program: program.name))
    programs.extend(extra_programs)
    for program in programs:
        check_program(program)
    names = [program.name for program in programs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"duplicate program names: {', '.join(duplicates)}")
    return programs


def launched(command: Sequence[str], keep: Iterable[str] = (), python: str = sys.executable) -> tuple[str, ...]:
    """`command` started through app.bundle.launch, keeping the secret variables named in `keep`
    and the NAME_FILE variables that may supply them (app.secret_files)."""
    kept = [variable for name in keep for variable in (name, file_variable(name))]
    return (python, "-m", LAUNCHER_MODULE, *(word for name in kept for word in ("--keep", name)), "--", *command)


def worker_program(pair: LoadedPair, database: str, python: str = sys.executable) -> Program:
    """A pair's sync worker: its config path and database name, never the config's contents;
    of the secrets, only the variables its token references (`pair.token_variables`)."""
    return Program(
        name=pair.name,
        # It starts in standby (a bare interpreter) and becomes app.sync.worker, in the same
        # process, once the bundle's keeper holds the pair's lease for it (app.sync.standby).
        command=launched((python, "-m", "app.sync.standby", "--config", str(Path(pair.path).absolute())),
                         pair.token_variables, python),
        environment={"WORKER_DATABASE_NAME": database, "PAIR_CONFIG_FINGERPRINT": pair.fingerprint,
                     PROJECTS_VARIABLE: PROJECTS_SEPARATOR.join(pair.projects)},
        priority=PRIORITY_WORKER,
        startsecs=WORKER_STARTSECS,
        startretries=3,
        stopwaitsecs=WORKER_STOPWAITSECS,
    )


def worker_projects(program: Program) -> tuple[str, ...]:
    """The project ids a worker program acts on, as it was rendered (none for any other program)."""
    return tuple(project for project in program.environment.get(PROJECTS_VARIABLE, "").split(PROJECTS_SEPARATOR)
                 if project)


def worker_config_path(program: Program) -> str | None:
    """The config file a worker program runs on (the word after `--config`), None for any other."""
    words = program.command
    if "--config" not in words[:-1]:
        return None
    return words[words.index("--config") + 1]


def health_program(settings: Settings, python: str = sys.executable) -> Program:
    return Program(
        name="health",
        command=launched((
            python, "-m", "gunicorn",
            "--bind", f"{settings.health_host}:{settings.health_port}",
            "--workers", "1", "--worker-class", "gthread", "--threads", "8",
            "--timeout", "30", "--graceful-timeout", "5",
            # gunicorn >= 27 opens a control socket under $HOME, which a container user may not own.
            "--no-control-socket",
            "--log-level", settings.log_level.lower(),
            # its own lines (start-up, errors) as JSON too when LOG_FORMAT=json
            "--logger-class", "app.health.gunicorn_logging.BundleLogger",
            "app.health.wsgi:app",
        ), HEALTH_SECRETS, python),
        priority=PRIORITY_HEALTH,
        startsecs=2,
        stopwaitsecs=10,
    )


def leases_program(python: str = sys.executable) -> Program:
    """The bundle's lease keeper: which pairs run here (app.leases.keeper)."""
    return Program(
        name="leases",
        command=launched((python, "-m", "app.leases.keeper"), python=python),
        priority=PRIORITY_LEASES,
        startsecs=2,
        stopwaitsecs=10,
    )


def watchdog_program(python: str = sys.executable) -> Program:
    return Program(
        name="watchdog",
        command=launched((python, "-m", "app.bundle.watchdog"), python=python),
        kind="eventlistener",
        priority=PRIORITY_WATCHDOG,
        startsecs=1,
        stopwaitsecs=10,
        events=WATCHDOG_EVENTS,
    )


def mongodb_program(settings: Settings, python: str = sys.executable) -> Program:
    data_dir = Path(settings.runtime_dir).absolute() / "mongo-data"
    return Program(
        name="mongodb",
        command=launched(server_command(settings.embedded_mongo_port, data_dir, python), python=python),
        priority=PRIORITY_MONGODB,
        startsecs=2,
        stopwaitsecs=10,
    )


def check_program(program: Program) -> None:
    """Raise UnsafeProgramValue unless every rendered value is inside its safe alphabet."""
    if not PROGRAM_NAME_PATTERN.fullmatch(program.name):
        raise UnsafeProgramValue(program.name, "name", program.name)
    if not program.command:
        raise UnsafeProgramValue(program.name, "command", "")
    for word in program.command:
        if not SAFE_ARGUMENT_PATTERN.fullmatch(word):
            raise UnsafeProgramValue(program.name, "command", word)
    for key, value in program.environment.items():
        if not ENV_NAME_PATTERN.fullmatch(key):
            raise UnsafeProgramValue(program.name, "environment", key)
        if not SAFE_ENV_VALUE_PATTERN.fullmatch(value):
            raise UnsafeProgramValue(program.name, f"environment.{key}", value)
    for word in (program.stopsignal, *program.events):
        if not ENV_NAME_PATTERN.fullmatch(word):
            raise UnsafeProgramValue(program.name, "signal/events", word)


def render_supervisord_conf(programs: Sequence[Program], settings: Settings) -> str:
    """The text of supervisord.conf for these programs; checks every program again first."""
    for program in programs:
        check_program(program)
    runtime_dir = Path(settings.runtime_dir).absolute()
    for path in (runtime_dir, Path(settings.supervisor_socket)):
        if not SAFE_ARGUMENT_PATTERN.fullmatch(str(path)):
            raise UnsafeProgramValue("supervisord", "runtime_dir", str(path))
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("app.bundle"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(TEMPLATE_NAME).render(
        programs=programs,
        runtime_dir=str(runtime_dir),
        socket=str(settings.supervisor_socket),
        pidfile=str(runtime_dir / "supervisord.pid"),
    )
