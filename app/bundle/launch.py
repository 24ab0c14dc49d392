"""`python -m app.bundle.launch [--keep NAME]... -- COMMAND...`: COMMAND, without the secrets it does not need.

supervisord hands its whole environment to every program it starts, and a secret may never be
written into supervisord.conf; so every program of the bundle is started through this launcher,
which execs COMMAND (same pid: supervisord's signals reach it) with every secret variable
(app.config.secrets) removed except the `--keep` ones: a pair's worker keeps the variables its
own token references, the demo's scripted person its own token, the health service its
credentials, the watchdog and MongoDB none; each kept NAME comes with its NAME_FILE
(app.secret_files), the file that may supply it.

The names (never the values) of the removed variables that had a value ride along in
JIRA_SYNC_WITHHELD, comma-separated: the health service judges the config files without the
tokens, and a token that is set, only withheld from it, is no problem of the file
(app.config.load_configs `withheld`). COMMAND also ends with supervisord (app.bundle.parent_death).
The launcher prints nothing on stdout, which is an event listener's protocol channel.

It imports only the standard library and app's stdlib-only leaves (no pydantic, no settings
model): one launcher per pair starts at once with the bundle, and each used to import the
settings and the config models before its exec, a second import of most of what a worker
imports. So it does not check the settings: each program checks its own as it reads them
(app.settings.program_settings; a worker records it as a failed start). tests/unit/test_lean_imports.py
holds it to that.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Mapping, Sequence

from app.bundle.parent_death import stop_with_parent
from app.config.secrets import secret_names
from app.runtime_settings import configured_config_dir
from app.secret_files import supplied_by

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (tests/unit/test_lean_imports.py)
if TYPE_CHECKING:
    from typing import NoReturn

WITHHELD_VARIABLE = "JIRA_SYNC_WITHHELD"
EXIT_CANNOT_RUN = 127


def launch_environment(
    environ: Mapping[str, str], secrets: Collection[str], keep: Collection[str] = ()
) -> dict[str, str]:
    """`environ` without the `secrets` not in `keep`, plus WITHHELD_VARIABLE naming the removed
    ones that had a value, and for a removed NAME_FILE the NAME it supplies (pure)."""
    removed = {name for name in secrets if name in environ and name not in keep}
    environment = {name: value for name, value in environ.items() if name not in removed}
    withheld = {name for name in removed if environ[name]}
    # A withheld NAME_FILE supplies NAME: NAME is set for the program that keeps the file.
    withheld |= {supplied for name in withheld if (supplied := supplied_by(name))}
    environment[WITHHELD_VARIABLE] = ",".join(sorted(withheld))
    return environment


def withheld_from(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The variables the launcher withheld from this process (set, with a value, elsewhere)."""
    return frozenset(name for name in environ.get(WITHHELD_VARIABLE, "").split(",") if name)


def main(argv: list[str] | None = None) -> NoReturn:
    arguments = sys.argv[1:] if argv is None else argv
    keep, command = rendered_arguments(arguments) or parse_arguments(arguments)
    secrets = secret_names(os.environ, configured_config_dir(os.environ))
    if not stop_with_parent():
        refuse("supervisord is gone; not starting")
    try:
        os.execvpe(command[0], command, launch_environment(os.environ, secrets, set(keep)))
    except OSError as error:
        refuse(f"cannot run {command[0]}: {error.strerror}")


def rendered_arguments(argv: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """(kept names, command) when `argv` has the shape app.bundle.render writes, `--keep NAME`...
    `--` COMMAND..., read as `parse_arguments` reads it; None for any other shape (pure).

    argparse, with the gettext, locale and shutil it brings, is about a seventh of a launcher's CPU
    time, and every program of the bundle starts through one."""
    keep: list[str] = []
    index = 0
    while argv[index:index + 1] == ["--keep"] and index + 1 < len(argv) and not argv[index + 1].startswith("-"):
        keep.append(argv[index + 1])
        index += 2
    if argv[index:index + 1] != ["--"] or index + 1 == len(argv):
        return None
    return keep, list(argv[index + 1:])


def parse_arguments(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(kept names, command) from any command line; the usage and its errors (exit 2) otherwise."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m app.bundle.launch", description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="append", default=[], metavar="NAME", help="a secret this program needs")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the program and its arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    return args.keep, command


def refuse(reason: str) -> NoReturn:
    """Say why the program does not start, as one line on stderr (a JSON record unless
    LOG_FORMAT=text: the bundle's lines are), and exit EXIT_CANNOT_RUN."""
    import logging

    from app.logs import early_logging

    early_logging("launch", sys.stderr)  # stdout is an event listener's protocol channel
    logging.getLogger("app.bundle.launch").error("launch: %s", reason)
    sys.exit(EXIT_CANNOT_RUN)


if __name__ == "__main__":
    main()
