"""`python -m app.bundle.supervisord_main [--log-format json|text] -c FILE`: supervisord itself,
whose own log lines are one JSON object each when LOG_FORMAT=json.

supervisord writes its lines (`spawned: 'sync-ab' with pid 12`, `exited: sync-ab (terminated by
SIGKILL; not expected)`, its CRIT messages) in a fixed text format, and it alone sees every
process state change, the watchdog's own and those while the bundle stops (the watchdog, an
event listener, stops first). So rather than silence it and have a listener report for it, this
runs supervisord's own main loop with a logger whose format renders JSON: `time`, `level`,
`program` ("supervisord"), `message`, and for a state change the `process` and the `state` it
entered. Its loop restarts a program that died at once (app.bundle.supervisord_loop). `run`
execs this in its place: it is PID 1 of the container, as supervisord was.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from supervisor import loggers
from supervisor.states import SupervisorStates

from app.bundle.supervisord_loop import PromptServerOptions, go

PROGRAM = "supervisord"
LEVELS = {"CRIT": "CRITICAL", "ERRO": "ERROR", "WARN": "WARNING", "INFO": "INFO", "DEBG": "DEBUG", "TRAC": "DEBUG",
          "BLAT": "DEBUG"}
# supervisord's words for a process's state change (supervisor/process.py) and the state each enters.
STATE_CHANGES = {"spawned": "STARTING", "success": "RUNNING", "exited": "EXITED", "stopped": "STOPPED",
                 "gave up": "FATAL"}
STATE_CHANGE = re.compile(r"^(spawned|success|exited|stopped|gave up): '?([^' ,]+)'?(?: |$)")


def state_change(message: str) -> dict[str, str]:
    """`process` and `state` when `message` reports a process state change, else nothing (pure)."""
    match = STATE_CHANGE.match(message)
    return {"process": match.group(2), "state": STATE_CHANGES[match.group(1)]} if match else {}


def json_line(fields: dict[str, Any]) -> str:
    """One log record of supervisord (its `asdict()`: asctime, levelname, message) as a JSON line (pure)."""
    message = str(fields.get("message", "")).rstrip("\n")
    level = str(fields.get("levelname", "INFO"))
    record = {"time": fields.get("asctime"), "level": LEVELS.get(level, level), "program": PROGRAM, "message": message,
              **state_change(message)}
    return json.dumps(record, ensure_ascii=False) + "\n"


class JsonLineFormat:
    """A format supervisord's handlers apply as `fmt % record.asdict()`: renders the record as JSON."""

    def __mod__(self, fields: dict[str, Any]) -> str:
        return json_line(fields)


class JsonServerOptions(PromptServerOptions):
    """supervisord's options, its own log lines rendered as JSON (the rest of make_logger as supervisor's)."""

    def make_logger(self) -> None:
        line = JsonLineFormat()
        self.logger = loggers.getLogger(self.loglevel)
        if self.nodaemon and not self.silent:
            loggers.handle_stdout(self.logger, line)
        loggers.handle_file(self.logger, self.logfile, line, rotating=bool(self.logfile_maxbytes),
                            maxbytes=self.logfile_maxbytes, backups=self.logfile_backups)
        for message in self.parse_criticals:
            self.logger.critical(message)
        for message in self.parse_warnings:
            self.logger.warn(message)
        for message in self.parse_infos:
            self.logger.info(message)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.bundle.supervisord_main", add_help=False)
    parser.add_argument("--log-format", choices=("json", "text"), default="json")
    known, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    options_class = JsonServerOptions if known.log_format == "json" else PromptServerOptions
    first = True
    while True:  # supervisord's own main(): a SIGHUP restarts with fresh options
        options = options_class()
        options.realize(rest, doc=__doc__)
        options.first = first
        options.test = False
        go(options)
        options.close_httpservers()
        options.close_signal_wake()
        options.close_logger()
        first = False
        if options.mood < SupervisorStates.RESTARTING:
            break


if __name__ == "__main__":
    main()
