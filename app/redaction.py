"""The last line of defence for secrets: whatever field a secret's value came through (a token
pasted into a base URL, an error quoting a URL, a header in an exception), it leaves no process
in a log line or in what the worker stores for `/health` and the dashboard.

The values to hide are the ones this process knows: the values of its secret variables (names
that say they are credentials: app.credential_names) in its environment, and what a
program adds with `remember` (a worker its pair's token). Values shorter than
REDACT_MIN_LENGTH are left alone: too likely to be ordinary words.

- `RedactingFormatter` wraps a logging formatter, so the finished line — message, extra fields,
  traceback — is what gets redacted (`install` puts it on a handler);
- `redact_known` and `redact_strings` serve the storage edge (heartbeats, failures).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from app.credential_names import named_like_a_credential

REDACT_MIN_LENGTH = 8
"""Shorter values are too likely to be ordinary words of a message (tokens are longer)."""


def redact(message: str, secrets: Iterable[str]) -> str:
    """`message` with every occurrence of each secret (of REDACT_MIN_LENGTH or more) replaced by `***`."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= REDACT_MIN_LENGTH:
            message = message.replace(secret, "***")
    return message


_lock = threading.Lock()
_known: set[str] = set()


def secret_values(environ: Mapping[str, str]) -> set[str]:
    """The values of the variables of `environ` whose names say they are credentials."""
    return {value for name, value in environ.items() if named_like_a_credential(name) and value}


def remember(values: Iterable[str]) -> None:
    """Hide these values too, from now on, in this process."""
    with _lock:
        _known.update(value for value in values if len(value) >= REDACT_MIN_LENGTH)


def known_secrets() -> frozenset[str]:
    """Every value this process hides: its credential variables' (read each time: a few dozen
    names) and those it was told to `remember`."""
    with _lock:
        remembered = frozenset(_known)
    return remembered | {value for value in secret_values(os.environ) if len(value) >= REDACT_MIN_LENGTH}


def redact_known(text: str) -> str:
    """`text` with every known secret value replaced by `***`, also as JSON would escape it."""
    secrets = known_secrets()
    escaped = {json.dumps(secret)[1:-1] for secret in secrets}
    return redact(text, secrets | escaped)


def redact_strings(value: Any) -> Any:
    """`value` with `redact_known` applied to every string inside it (dicts, lists, tuples)."""
    if isinstance(value, str):
        return redact_known(value)
    if isinstance(value, Mapping):
        return {key: redact_strings(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_strings(item) for item in value]
    return value


class RedactingFormatter(logging.Formatter):
    """Formats with `inner`, then hides every known secret value in the finished line."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact_known(self.inner.format(record))


def install(handler: logging.Handler) -> None:
    """Make `handler` redact what its formatter wrote (a default formatter when it has none)."""
    formatter = handler.formatter or logging.Formatter()
    if not isinstance(formatter, RedactingFormatter):
        handler.setFormatter(RedactingFormatter(formatter))
