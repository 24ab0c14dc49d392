"""From a path to a plain JSON document: file checks, decoding, parsing, comment stripping.

Every failure raises `SourceError` with a one-line reason for people; nothing from the
file's content is echoed except key names.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: the launcher needs none
if TYPE_CHECKING:
    from typing import Any

Loc = tuple[str | int, ...]
"""Where a value sits in a parsed document: its keys and list indexes from the top."""

CONFIG_GLOB = "sync-*.json"
NEVER_LOADED_SUFFIXES = (".example.json", ".schema.json")
MAX_CONFIG_BYTES = 1024 * 1024
"""Larger files are rejected before parsing: a pair config is a few KiB."""

MAX_NUMBER_DIGITS = 100
"""No value of a pair config needs more; Python refuses to read integers past 4300 digits."""

SAFE_PATH_PATTERN = re.compile(r"^[A-Za-z0-9_./:@+=,-]+$")
"""A config file's absolute path goes into its worker's command line in supervisord.conf, whose
ini syntax (`;` comments, `%(...)s` expansion, shlex quoting) only this alphabet survives
unchanged; app.bundle.render refuses anything else outright."""


class SourceError(Exception):
    """The file as a whole cannot be read as a config document."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def config_files(config_dir: Path) -> list[Path]:
    """The files the loader reads (app.config.loader.load_configs), sorted by name."""
    return sorted(
        path for path in config_dir.glob(CONFIG_GLOB) if not path.name.endswith(NEVER_LOADED_SUFFIXES)
    )


def read_config_bytes(path: Path, config_dir: Path) -> bytes:
    """The bytes of `path`, after the file checks.

    Symlink policy: a symlink is followed only when its final target is a regular file
    inside `config_dir` (so ConfigMap-style `..data/` links work); links that leave the
    directory or dangle are rejected. Non-regular files and files over MAX_CONFIG_BYTES
    are rejected without being read.
    """
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise SourceError("symlink whose target does not exist (or loops)") from None
        if not target.is_relative_to(config_dir.resolve()):
            raise SourceError("symlink pointing outside the config directory is not allowed; copy the file instead")
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise SourceError(f"file is {info.st_size} bytes; the limit is {MAX_CONFIG_BYTES} bytes (1 MiB)")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise SourceError(f"file is larger than the limit of {MAX_CONFIG_BYTES} bytes (1 MiB)")
    return raw


def path_problem(path: Path) -> tuple[str, str] | None:
    """(field, reason) when supervisord.conf cannot carry the file's absolute path, else None.

    The field is "file name" when the name itself has the odd characters, else "file path"
    (the directory has them, so every file in it is refused for the same reason).
    """
    absolute = str(path.absolute())
    if SAFE_PATH_PATTERN.fullmatch(absolute):
        return None
    odd = sorted({char for char in absolute if not SAFE_PATH_PATTERN.fullmatch(char)})
    in_name = any(char in path.name for char in odd)
    where = "file name" if in_name else "file path"
    fix = "rename the file" if in_name else f"move the config directory {str(path.absolute().parent)!r}"
    shown = ", ".join(repr(char) for char in odd)
    return where, f"contains {shown}, which supervisord.conf cannot carry safely; {fix} with letters, digits, _ . - only"


def parse_document(raw: bytes) -> dict[str, Any]:
    """Decode UTF-8 (a BOM is allowed) and parse one JSON object.

    Rejected: invalid UTF-8, invalid JSON (with line and column), duplicate keys in one
    object, NaN/Infinity, numbers too large for a float (`1e400`) or with more than
    MAX_NUMBER_DIGITS digits, absurd nesting, and a top level that is not an object.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        raise SourceError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line}, column {column}; save the file as UTF-8"
        ) from None
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants,
                              parse_float=_finite_float, parse_int=_short_int)
    except json.JSONDecodeError as exc:
        raise SourceError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise SourceError("invalid JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise SourceError(f"the top level must be a JSON object, not {_json_type(document)}")
    return document


def strip_documentation(value: Any) -> Any:
    """`value` without the keys that are documentation: `_*` and `$schema`, at every level."""
    if isinstance(value, dict):
        return {
            key: strip_documentation(item)
            for key, item in value.items()
            if not (key.startswith("_") or key == "$schema")
        }
    if isinstance(value, list):
        return [strip_documentation(item) for item in value]
    return value


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise SourceError(f"invalid JSON: key {key!r} appears twice in one object")
        document[key] = value
    return document


def _no_constants(name: str) -> Any:
    raise SourceError(f"invalid JSON: {name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise SourceError("invalid JSON: a number is too large to be a number (it overflows to infinity)")
    return value


def _short_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise SourceError(f"invalid JSON: a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
