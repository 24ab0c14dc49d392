"""JQL: the subset the sync engine needs, parsed into plain data. Anything else is refused.

Supported::

    clause  := field op value | field [NOT] IN ( value, ... )
    query   := [clause (AND clause)*] [ORDER BY field [ASC|DESC] (, field [ASC|DESC])*]
    field   := project | status | key | issuekey | issue | id | updated | created
    op      := = | != (project, status, key)   >= | > | <= | < (updated, created)

Values are bare words or quoted strings. ``OR``, ``NOT`` (outside ``NOT IN``), parentheses
around clauses, functions, ``~``, ``EMPTY`` and other fields raise :class:`JqlError`, which the
search endpoints answer with 400 — the simulator never silently mis-answers a query.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

TEXT_FIELDS = {"project": "project", "status": "status", "key": "key", "issuekey": "key", "issue": "key", "id": "key"}
DATE_FIELDS = {"updated": "updated", "created": "created", "updateddate": "updated", "createddate": "created"}
SORT_FIELDS = {"updated", "created", "key", "issuekey", "id"}
_TOKEN = re.compile(r"""\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(>=|<=|!=|!~|[=<>~(),])|([^\s=<>!~(),"']+))""")


class JqlError(ValueError):
    """A query outside the supported subset or malformed; ``str()`` is Jira-style."""


@dataclass(frozen=True)
class Clause:
    field: str  # canonical: project | status | key | updated | created
    op: str  # = != in "not in" >= > <= <
    values: tuple[str, ...]
    name: str = dataclasses.field(default="", compare=False)  # the field as written (lower case), for Jira's messages


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    order: tuple[tuple[str, bool], ...]  # (field, ascending)


@dataclass(frozen=True)
class _Tok:
    kind: str  # "str" | "op" | "word"
    text: str
    at: int


def tokenize(text: str) -> list[_Tok]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise JqlError(f"Error in the JQL Query: unexpected character at position {position + 1}.")
        quoted, op, word = match.groups()
        at = match.start(match.lastindex or 0)
        if quoted is not None:
            tokens.append(_Tok("str", re.sub(r"\\(.)", r"\1", quoted[1:-1]), at))
        elif op is not None:
            tokens.append(_Tok("op", op, at))
        else:
            tokens.append(_Tok("word", word, at))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Tok:
        token = self.peek()
        if token is None:
            raise JqlError("Error in the JQL Query: the query ended unexpectedly.")
        self.position += 1
        return token

    def keyword(self, word: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == "word" and token.text.upper() == word

    def parse(self) -> Query:
        clauses: list[Clause] = []
        if self.peek() is not None and not self.keyword("ORDER"):
            clauses.append(self.clause())
            while self.keyword("AND"):
                self.take()
                clauses.append(self.clause())
        order = self.order_by() if self.keyword("ORDER") else ()
        leftover = self.peek()
        if leftover is not None:
            word = leftover.text.upper()
            if word in ("OR", "NOT"):
                raise JqlError(f"The simulator supports only AND between clauses; '{leftover.text}' is not supported.")
            raise _syntax(f"Expecting either 'OR' or 'AND' but got '{leftover.text}'.", leftover)
        return Query(tuple(clauses), order)

    def clause(self) -> Clause:
        token = self.take()
        if token.kind != "word" and token.kind != "str":
            raise _syntax(f"Expecting a field name but got '{token.text}'.", token)
        name = token.text.lower()
        if name in ("not", "or", "(") or ((following := self.peek()) is not None and following.text == "("):
            raise JqlError(f"The simulator does not support '{token.text}' here "
                           "(functions, NOT, OR and parentheses are outside its JQL subset).")
        if name not in TEXT_FIELDS and name not in DATE_FIELDS:
            raise JqlError(f"Field '{token.text}' does not exist or you do not have permission to view it.")
        canonical = TEXT_FIELDS.get(name) or DATE_FIELDS[name]
        op = self.operator()
        allowed = ("=", "!=", "in", "not in") if canonical in ("project", "status", "key") else (">=", ">", "<=", "<")
        if op not in allowed:
            raise JqlError(f"The operator '{op}' is not supported by the '{canonical}' field in the simulator's subset.")
        values = self.value_list() if op in ("in", "not in") else (self.value(),)
        return Clause(canonical, op, values, name)

    def operator(self) -> str:
        token = self.take()
        if token.kind == "op" and token.text not in "(),":
            return token.text
        if token.kind == "word" and token.text.upper() == "IN":
            return "in"
        if token.kind == "word" and token.text.upper() == "NOT" and self.keyword("IN"):
            self.take()
            return "not in"
        raise _syntax(f"Expecting operator but got '{token.text}'.", token)

    def value(self) -> str:
        token = self.take()
        if token.kind == "op":
            raise _syntax(f"Expecting a value but got '{token.text}'.", token)
        if token.kind == "word" and (token.text.upper() in ("EMPTY", "NULL", "AND", "OR", "ORDER") or self._is_call()):
            raise JqlError(f"The simulator does not support the value '{token.text}' (EMPTY, functions).")
        return token.text

    def _is_call(self) -> bool:
        following = self.peek()
        return following is not None and following.kind == "op" and following.text == "("

    def value_list(self) -> tuple[str, ...]:
        opening = self.take()
        if opening.text != "(":
            raise JqlError(f"Error in the JQL Query: Expecting '(' but got '{opening.text}'.")
        values = [self.value()]
        while (token := self.take()).text == ",":
            values.append(self.value())
        if token.text != ")":
            raise JqlError(f"Error in the JQL Query: Expecting ')' or ',' but got '{token.text}'.")
        return tuple(values)

    def order_by(self) -> tuple[tuple[str, bool], ...]:
        self.take()
        if not self.keyword("BY"):
            raise JqlError("Error in the JQL Query: Expecting 'BY' after 'ORDER'.")
        self.take()
        order = []
        while True:
            field = self.take().text.lower()
            if field not in SORT_FIELDS:
                raise JqlError(f"The simulator cannot ORDER BY '{field}' (supported: updated, created, key, id).")
            ascending = True
            if self.keyword("ASC") or self.keyword("DESC"):
                ascending = self.take().text.upper() == "ASC"
            order.append(("key" if field == "issuekey" else field, ascending))
            following = self.peek()
            if following is None or following.text != ",":
                return tuple(order)
            self.take()


def _syntax(message: str, token: _Tok) -> JqlError:
    return JqlError(f"Error in the JQL Query: {message} (line 1, character {token.at + 1})")


def parse(text: str) -> Query:
    """Parse ``text``; raises :class:`JqlError` outside the subset."""
    return _Parser(text or "").parse()
