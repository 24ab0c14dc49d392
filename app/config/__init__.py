"""Pair configs: models of the sync-*.json format and the directory loader.

The loader alone decides whether a file is a valid pair; `jira-sync validate` prints its verdict.
"""

from app.config.errors import ConfigError, ConfigFileError, ConfigWarning
from app.config.loader import LoadedPair, LoadResult, config_files, load_configs, load_pair, load_pair_file
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
