"""Pair configs: models of the sync-*.json format and the directory loader.

The loader alone decides whether a file is a valid pair; `jira-sync validate` prints its verdict.

The names below are imported on first use (PEP 562): a program that needs only a leaf of this
package (the launcher's secret scan: app.config.secrets, .source, .envsubst) imports neither
pydantic nor the models with it.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: the launcher needs none
if TYPE_CHECKING:
    from typing import Any

    from app.config.errors import ConfigError, ConfigFileError, ConfigWarning
    from app.config.loader import LoadedPair, LoadResult, load_configs, load_pair, load_pair_file
    from app.config.models import (
        BUNDLE_PROGRAM_NAMES,
        PAIR_NAME_PATTERN,
        CommentSync,
        DefaultBehavior,
        FieldDirection,
        JiraConfig,
        PairConfig,
        Rule,
        RuleActions,
        RuleConditions,
        pair_name_problem,
    )
    from app.config.source import config_files

_HOMES = {
    "app.config.errors": ("ConfigError", "ConfigFileError", "ConfigWarning"),
    "app.config.loader": ("LoadedPair", "LoadResult", "load_configs", "load_pair", "load_pair_file"),
    "app.config.models": ("BUNDLE_PROGRAM_NAMES", "PAIR_NAME_PATTERN", "CommentSync", "DefaultBehavior",
                          "FieldDirection", "JiraConfig", "PairConfig", "Rule", "RuleActions", "RuleConditions",
                          "pair_name_problem"),
    "app.config.source": ("config_files",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "BUNDLE_PROGRAM_NAMES",
    "PAIR_NAME_PATTERN",
    "ConfigError",
    "ConfigFileError",
    "ConfigWarning",
    "DefaultBehavior",
    "JiraConfig",
    "LoadResult",
    "LoadedPair",
    "PairConfig",
    "CommentSync",
    "FieldDirection",
    "Rule",
    "RuleActions",
    "RuleConditions",
    "config_files",
    "load_configs",
    "load_pair",
    "load_pair_file",
    "pair_name_problem",
]


def __getattr__(name: str) -> Any:
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # looked up once
    return value
