"""A pair's worker while its lease is not this bundle's: `python -m app.sync.standby --config FILE`.

It makes no Jira request and no MongoDB connection, and imports nothing but the standard
library, the ticket module, app.sync.start_backoff and app.runtime_settings (RUNTIME_DIR and
BUNDLE_ID as Settings reads them), so that a standby worker costs about a bare interpreter; of the
standard library not even pathlib, typing, dataclasses or argparse (tests/unit/test_lean_imports.py). It polls the ticket this
bundle's keeper writes (app.leases.ticket); once the keeper holds the pair's lease for this
bundle, with a fence newer than any this worker gave up, it becomes the active worker in the
same process (same pid for supervisord): it execs `python -m app.sync.worker`. After failed
starts it first waits the time app.sync.start_backoff says (supervisord's `startsecs` is 1 s
and no longer the crash-loop brake).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence

from app.leases.ticket import HOLD, read_ticket
from app.runtime_settings import StandbySettings
from app.sync.start_backoff import read_failures, wait_before_start

POLL_SECONDS = 0.5
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def pair_name(config_path: str) -> str:
    """The pair's name as the loader gives it: `name`, else the file name (the file loaded when
    this program was rendered; a broken file now is the active worker's to report)."""
    try:
        with open(config_path, encoding="utf-8") as file:
            name = json.loads(file.read()).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return name if isinstance(name, str) and name else file_stem(config_path)


def file_stem(path: str) -> str:
    """The file name without its suffix, as Path.stem (this module does without pathlib, as
    app.leases.ticket says why): what the worker records its failed starts under."""
    return os.path.splitext(os.path.basename(path))[0]


def wait_for_lease(runtime_dir: str, pair: str, bundle: str, after_fence: int, stop: threading.Event) -> int | None:
    """The fence of this bundle's lease once the keeper holds it; None when asked to stop."""
    while not stop.is_set():
        ticket = read_ticket(runtime_dir, pair)
        if ticket is not None and ticket.state == HOLD and ticket.owner == bundle and ticket.fence > after_fence:
            return ticket.fence
        stop.wait(POLL_SECONDS)
    return None


def rendered_arguments(argv: Sequence[str]) -> tuple[str, int] | None:
    """(config file, fence given up) when `argv` is `--config FILE [--after-fence N]`, as
    app.bundle.render and app.sync.worker write it, read as `parse_arguments` reads it; None for
    anything else (pure).

    argparse, with the gettext, locale and shutil it brings, would cost every standby as much as it
    does a launcher (app.bundle.launch.rendered_arguments)."""
    if len(argv) not in (2, 4) or any(value.startswith("-") for value in argv[1::2]):
        return None
    options = dict(zip(argv[::2], argv[1::2], strict=True))
    if len(options) != len(argv) // 2 or "--config" not in options or not set(options) <= {"--config", "--after-fence"}:
        return None
    try:
        return options["--config"], int(options.get("--after-fence", "0"))
    except ValueError:
        return None


def parse_arguments(argv: Sequence[str]) -> tuple[str, int]:
    """(config file, fence given up) from any command line; the usage and its errors (exit 2) otherwise."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m app.sync.standby", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--after-fence", type=int, default=0, help="a fence this worker already gave up")
    parsed = parser.parse_args(argv)
    return parsed.config, parsed.after_fence


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    config, after_fence = rendered_arguments(arguments) or parse_arguments(arguments)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # A worker stepping down execs this with the stop signals blocked, so that one arriving during
    # the exec waits for these handlers instead of being lost (see app.sync.worker).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    settings = StandbySettings.from_environ(os.environ)
    pair = pair_name(config)
    backoff = wait_before_start(read_failures(settings.runtime_dir, file_stem(config)), time.time())
    if backoff > 0:  # its last starts failed: the brake on a crash loop is the worker's own
        print(f"{pair}: the last start failed; waiting {backoff:.1f} s before starting again", file=sys.stderr, flush=True)
        stop.wait(backoff)
    fence = wait_for_lease(settings.runtime_dir, pair, settings.bundle_id, after_fence, stop)
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # the worker unblocks them, a stop pending or not
    if fence is None or stop.is_set():
        return 0
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", "app.sync.worker", "--config", config,
                              "--fence", str(fence)])


if __name__ == "__main__":
    sys.exit(main())
