"""Load pair config files: one file (`load_pair`) or a whole directory (`load_configs`).

A bad file never stops the good ones: `load_configs` returns the valid pairs and, per bad
file, its problems. Only `sync-*.json` files are read; `*.example.json` and
`*.schema.json` (the shipped `sync-rules.example.json` / `sync-rules.schema.json`) never.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from app.config.envsubst import Substitution, references, substitute
from app.config.errors import (
    ConfigError,
    ConfigFileError,
    ConfigWarning,
    format_loc,
    printable,
    validation_errors,
)
from app.config.lint import address_warning, literal_token, rule_conflicts
from app.config.models import PairConfig, pair_name_problem
from app.config.source import (
    SourceError,
    config_files,
    parse_document,
    path_problem,
    read_config_bytes,
    strip_documentation,
)
from app.redaction import redact

SiteIdentity = tuple[str, int | None, str]


@dataclass(frozen=True)
class LoadedPair:
    """A valid pair. `fingerprint` changes when the file's content (its token aside) does.

    It is written into supervisord.conf so that `reload` restarts exactly the changed pairs.
    Environment values are deliberately left out: a digest of a token is still derived from a
    secret, and a running supervisord could not hand a changed environment to its children
    anyway (a new token needs a restart of the bundle).

    `warnings` are its problems that do not stop it (app.config.lint). `token_variables` names
    the environment variables its `jira.apiToken` references: the secrets its worker needs.
    `withheld` names those of them the caller was not given (see `load_configs`). `projects`
    are the ids (`project_id`) of its User and Dev project.
    """

    name: str
    path: Path
    config: PairConfig = field(repr=False)
    fingerprint: str
    warnings: tuple[ConfigWarning, ...] = ()
    token_variables: tuple[str, ...] = ()
    withheld: frozenset[str] = frozenset()
    projects: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadResult:
    """The valid pairs and the problems of the invalid files (no secrets in str or repr)."""

    pairs: list[LoadedPair]
    errors: list[ConfigError]
    config_dir: Path | None = None

    @property
    def ok(self) -> bool:
        """True when no file had a problem (zero pairs is still ok here; health decides);
        warnings do not count."""
        return not self.errors

def load_pair(path: Path | str, environ: Mapping[str, str] = os.environ) -> PairConfig:
    """Load one config file (symlinks judged against its own directory).

    Raises ConfigFileError listing every problem. The name falls back to the file stem.
    """
    return load_pair_file(path, environ).config


def load_pair_file(path: Path | str, environ: Mapping[str, str] = os.environ) -> LoadedPair:
    """`load_pair`, with what the loader knows besides the config (its warnings above all)."""
    path = Path(path)
    outcome = _load_file(path, path.parent, environ, frozenset())
    if isinstance(outcome, list):
        raise ConfigFileError(outcome)
    return outcome


def load_configs(
    config_dir: Path | str | None = None, environ: Mapping[str, str] = os.environ, withheld: Collection[str] = ()
) -> LoadResult:
    """Load every `sync-*.json` in `config_dir` (None = settings CONFIG_DIR).

    `withheld` names environment variables that are set for the programs that need them but
    were not given to this caller (the health service runs without the tokens): a reference to
    one is taken as set, its value unknown, so such a file can be judged in every other way.
    A worker never passes any: it needs its token.

    Files that share a pair name are all rejected (each error names the other files), and so
    are files whose pairs share a project on one Jira site (two pairs acting on one project
    would create every Dev issue twice). A file refused only for its name (a same-name copy, a
    symlink) is still a pair in every other way, and one of its files may be running on its last
    good config: it takes part in the project check, so a second pair on its projects is refused
    in whatever order the files arrived. A broken file (not JSON, a bad rule) runs nothing and
    blocks nothing; should its pair still run on its last good config, `reload` holds that pair's
    projects for it (`refuse_claimed`). Errors are sorted by file.
    """
    if config_dir is None:
        from app.settings import get_settings

        config_dir = get_settings().config_dir
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        return LoadResult([], [ConfigError(str(config_dir), "", "config directory does not exist")], config_dir)
    pairs: list[LoadedPair] = []
    errors: list[ConfigError] = []
    for path in config_files(config_dir):
        outcome = _load_file(path, config_dir, environ, frozenset(withheld))
        if isinstance(outcome, list):
            errors.extend(outcome)
        else:
            pairs.append(outcome)
    unique, duplicate_errors = _reject_duplicate_names(pairs)
    shared_errors = _shared_project_errors(pairs)  # same-name files too: each may be the running one
    refused = {error.file for error in shared_errors}
    pairs = [pair for pair in unique if str(pair.path) not in refused]
    errors = sorted(errors + duplicate_errors + shared_errors, key=lambda error: error.file)
    return LoadResult(pairs, errors, config_dir)


def refuse_claimed(result: LoadResult, running: Mapping[str, Collection[str]]) -> LoadResult:
    """`result` with every valid pair refused that would act on a project a running pair of
    another name acts on (`running`: pair name -> its `project_id`s, as supervisord runs it).

    `reload` passes the pairs it keeps on their last good config: their files may not even name
    their projects any more (saved half-written), yet they sync them.
    """
    holders = {project: name for name, projects in running.items() for project in projects}
    refused: list[ConfigError] = []
    pairs: list[LoadedPair] = []
    for pair in result.pairs:
        site = site_identity(pair.config.jira.base_url)
        fields = (("userProjectKey", pair.config.user_project_key), ("devProjectKey", pair.config.dev_project_key))
        taken = [(role, key, holder) for role, key in fields
                 if (holder := holders.get(project_id(site, key), pair.name)) != pair.name]
        refused += [ConfigError(str(pair.path), role,
                                f"project {key} is synced by the running pair {holder} (kept on its last good config "
                                "while its file has a problem) on the same Jira site; two pairs on one project would "
                                "both act on its issues: keep one pair per project")
                    for role, key, holder in taken]
        if not taken:
            pairs.append(pair)
    errors = sorted([*result.errors, *refused], key=lambda error: error.file)
    return LoadResult(pairs, errors, result.config_dir)


def _load_file(path: Path, config_dir: Path, environ: Mapping[str, str],
               withheld: frozenset[str]) -> LoadedPair | list[ConfigError]:
    file = str(path)
    unsafe_path = [ConfigError(file, *problem) for problem in [path_problem(path)] if problem]
    try:
        raw = read_config_bytes(path, config_dir)
        document = strip_documentation(parse_document(raw))
    except SourceError as exc:
        return [*unsafe_path, ConfigError(file, "", exc.message)]
    substitution = substitute(document, environ, withheld)
    data, unnamed = _named(substitution.data, path)
    errors = unsafe_path + _reference_errors(file, substitution) + unnamed
    try:
        config = PairConfig.model_validate(data)
    except ValidationError as exc:
        already_reported = {error.field for error in errors}
        errors += [e for e in validation_errors(file, exc, PairConfig) if e.field not in already_reported]
    if errors:
        secrets = substitution.used.values()
        return [ConfigError(e.file, e.field, redact(e.message, secrets)) for e in errors]
    assert config.name is not None  # given, or taken from the file stem by _named
    token = (document.get("jira") or {}).get("apiToken")
    return LoadedPair(config.name, path, config, _fingerprint(document), _warnings(file, document, config),
                      tuple(dict.fromkeys(references(token))) if isinstance(token, str) else (),
                      frozenset(substitution.withheld), config_projects(config))


def _warnings(file: str, document: dict[str, Any], config: PairConfig) -> tuple[ConfigWarning, ...]:
    problems = [problem for problem in [literal_token(document, config.name or ""), address_warning(config)] if problem]
    problems += rule_conflicts(config)
    return tuple(ConfigWarning(file, format_loc(loc), message) for loc, message in problems)


def _reference_errors(file: str, substitution: Substitution) -> list[ConfigError]:
    misplaced = [
        ConfigError(file, format_loc(reference.loc),
                    f"references ${{{reference.name}}}: environment references are only allowed where a secret "
                    f"belongs, in jira.apiToken and jira.email (write $${{{reference.name}}} for a literal)")
        for reference in substitution.misplaced
    ]
    unset = [
        ConfigError(file, format_loc(reference.loc),
                    reference.problem or f"environment variable {reference.name} is not set (or is empty)")
        for reference in substitution.unset
    ]
    return misplaced + unset


def _named(data: dict[str, Any], path: Path) -> tuple[dict[str, Any], list[ConfigError]]:
    """`data` with its name, taken from the file stem when the file gives none (or why it cannot be)."""
    if data.get("name") is not None:
        return data, []
    problem = pair_name_problem(path.stem)
    if problem:
        return data, [ConfigError(str(path), "name", f'no "name" given, and the file name gives an {problem}')]
    return {**data, "name": path.stem}, []


def _fingerprint(document: dict[str, Any]) -> str:
    """A digest of the file's content without `jira.apiToken`: a file written in the original
    format may hold a literal token, and a digest of a secret must not reach supervisord.conf."""
    jira = {key: value for key, value in (document.get("jira") or {}).items() if key != "apiToken"}
    canonical = json.dumps({**document, "jira": jira}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _reject_duplicate_names(pairs: list[LoadedPair]) -> tuple[list[LoadedPair], list[ConfigError]]:
    files_by_name: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        files_by_name[pair.name].append(str(pair.path))
    errors = [
        ConfigError(
            str(pair.path),
            "name",
            f"pair name {pair.name!r} is also used by "
            + ", ".join(printable(f) for f in files_by_name[pair.name] if f != str(pair.path))
            + "; every pair needs its own name",
        )
        for pair in pairs
        if len(files_by_name[pair.name]) > 1
    ]
    return [pair for pair in pairs if len(files_by_name[pair.name]) == 1], errors


def _shared_project_errors(pairs: list[LoadedPair]) -> list[ConfigError]:
    """One error per file and clash with a file of another pair on one of its projects (files of
    one pair name are refused for that already)."""
    uses: dict[str, list[tuple[LoadedPair, str, str]]] = defaultdict(list)
    for pair in pairs:
        site = site_identity(pair.config.jira.base_url)
        for role, key in (("userProjectKey", pair.config.user_project_key),
                          ("devProjectKey", pair.config.dev_project_key)):
            uses[project_id(site, key)].append((pair, role, key))
    return [
        ConfigError(
            str(pair.path),
            role,
            f"project {key} is also used by {printable(str(other.path))} (its {other_role}) on the same Jira site; "
            "two pairs on one project would both act on its issues (every accepted issue would get two Dev "
            "issues): keep one pair per project",
        )
        for users in uses.values()
        for pair, role, key in users
        for other, other_role, _ in users
        if other.name != pair.name
    ]


def config_projects(config: PairConfig) -> tuple[str, ...]:
    """The `project_id`s of a pair's User and Dev project."""
    site = site_identity(config.jira.base_url)
    return tuple(dict.fromkeys(project_id(site, key) for key in (config.user_project_key, config.dev_project_key)))


def project_id(site: SiteIdentity, key: str) -> str:
    """One project of one Jira site as an id of safe characters, a digest: it is written into
    supervisord.conf, which carries no text from a config file but names and paths."""
    return hashlib.sha256(json.dumps([site, key.upper()]).encode("utf-8")).hexdigest()[:24]


def site_identity(base_url: str) -> SiteIdentity:
    """What tells two base URLs of one Jira site apart: the host (any case), a port other than the
    scheme's default, the context path (`/jira`); not the scheme, nor a trailing slash."""
    parts = urlsplit(base_url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = None if parts.port in (None, default) else parts.port
    return (parts.hostname or "").lower(), port, parts.path.rstrip("/")
