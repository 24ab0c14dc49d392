"""Pair configs: models of the sync-*.json format and the directory loader.

`from app.config import load_configs; print(load_configs())` prints one line per file.
"""

from app.config.errors import ConfigError, ConfigFileError
from app.config.loader import LoadedPair, LoadResult, config_files, load_configs, load_pair
from app.config.models import (
    BUNDLE_PROGRAM_NAMES,
    PAIR_NAME_PATTERN,
    DefaultBehavior,
    JiraConfig,
    PairConfig,
    Rule,
    RuleActions,
    RuleConditions,
    pair_name_problem,
)
from app.config.report import validate_lines

__all__ = [
    "BUNDLE_PROGRAM_NAMES",
    "PAIR_NAME_PATTERN",
    "ConfigError",
    "ConfigFileError",
    "DefaultBehavior",
    "JiraConfig",
    "LoadResult",
    "LoadedPair",
    "PairConfig",
    "Rule",
    "RuleActions",
    "RuleConditions",
    "config_files",
    "load_configs",
    "load_pair",
    "pair_name_problem",
    "validate_lines",
]
