"""Which variable names say they hold a credential: the one definition that app.redaction (which
values a process hides) and app.config.secrets (which variables the launcher withholds) share.

A leaf (no import at all): the launcher reads it once per program it starts, and app.redaction
comes with logging, which the launcher needs only to refuse (tests/unit/test_lean_imports.py).
"""

from __future__ import annotations

CREDENTIAL_WORDS = frozenset({"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PAT", "CREDENTIALS", "APIKEY"})
CREDENTIAL_PHRASES = (("API", "KEY"), ("PRIVATE", "KEY"))


def named_like_a_credential(name: str) -> bool:
    """Whether `name` has a credential word, or phrase, between its underscores."""
    words = name.upper().split("_")
    phrases = set(zip(words, words[1:], strict=False))
    return bool(CREDENTIAL_WORDS.intersection(words)) or any(phrase in phrases for phrase in CREDENTIAL_PHRASES)
