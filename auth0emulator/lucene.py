"""The subset of Lucene query syntax that Auth0 user search (v3) users rely on.

    query   := or ;  or := and ("OR" and)* ;  and := unary ("AND" unary)*
    (two terms side by side are OR'ed, as Lucene's default operator does)
    unary   := "NOT" unary | "(" or ")" | term
    term    := FIELD ":" value | value          value := "quoted" | word | word* | *

A field is a dotted path (`email`, `app_metadata.groups`, `identities.connection`); a list value
matches when any element does; `field:*` means the field exists; a trailing `*` is a prefix
match; as in Auth0, values of the normalized fields (email, name, given_name, family_name,
nickname) ignore case and all others are case sensitive; `email.domain` is the part after '@'.
A bare value searches email, name, nickname and user_id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r'\s+|(?P<tok>\(|\)|:|"(?:[^"\\]|\\.)*"|[^\s():"]+)')
_BARE_FIELDS = ("email", "name", "nickname", "user_id")
_CASELESS = frozenset({"email", "name", "given_name", "family_name", "nickname", "email.domain"})


class LuceneError(ValueError):
    pass


@dataclass(frozen=True)
class Term:
    field: str | None
    value: str
    prefix: bool = False
    exists: bool = False

    def matches(self, user: Mapping[str, Any]) -> bool:
        fields = [self.field] if self.field else list(_BARE_FIELDS)
        return any(self._matches_value(f, v) for f in fields for v in _field_values(user, f))

    def _matches_value(self, field: str, value: Any) -> bool:
        if self.exists:
            return value is not None
        text, wanted = _text(value), self.value
        if field in _CASELESS:
            text, wanted = text.lower(), wanted.lower()
        return text.startswith(wanted) if self.prefix else text == wanted


@dataclass(frozen=True)
class Not:
    operand: Node

    def matches(self, user: Mapping[str, Any]) -> bool:
        return not self.operand.matches(user)


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]

    def matches(self, user: Mapping[str, Any]) -> bool:
        return all(op.matches(user) for op in self.operands)


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]

    def matches(self, user: Mapping[str, Any]) -> bool:
        return any(op.matches(user) for op in self.operands)


Node = Term | Not | And | Or


def _field_values(user: Mapping[str, Any], field: str) -> Iterator[Any]:
    if field == "email.domain":
        email = str(user.get("email") or "")
        yield email.partition("@")[2] if "@" in email else None
        return
    yield from _values(user, field.split("."))


def _values(data: Any, path: list[str]) -> Iterator[Any]:
    if not path:
        if isinstance(data, list):
            yield from data
        else:
            yield data
        return
    if isinstance(data, list):
        for item in data:
            yield from _values(item, path)
    elif isinstance(data, Mapping) and path[0] in data:
        yield from _values(data[path[0]], path[1:])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def tokenize(source: str) -> list[str]:
    tokens, position = [], 0
    while position < len(source):
        found = _TOKEN.match(source, position)
        if found is None:
            raise LuceneError(f"unexpected {source[position]!r} at column {position + 1}")
        if found.group("tok"):
            tokens.append(found.group("tok"))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise LuceneError("unexpected end of query")
        self.position += 1
        return token

    def parse(self) -> Node:
        node = self.or_()
        if self.peek() is not None:
            raise LuceneError(f"unexpected {self.peek()!r}")
        return node

    def or_(self) -> Node:
        operands = [self.and_()]
        while self.peek() not in (None, ")", "AND"):
            if self.peek() == "OR":
                self.take()
            operands.append(self.and_())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_(self) -> Node:
        operands = [self.unary()]
        while self.peek() == "AND":
            self.take()
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def unary(self) -> Node:
        word = self.take()
        if word == "NOT":
            return Not(self.unary())
        if word == "(":
            node = self.or_()
            if self.take() != ")":
                raise LuceneError("missing ')'")
            return node
        if word in (")", ":", "AND", "OR"):
            raise LuceneError(f"unexpected {word!r}")
        if self.peek() == ":":
            self.take()
            return _term(word, self.take())
        return _term(None, word)


def _term(field: str | None, raw: str) -> Term:
    if raw in ("(", ")", ":", "AND", "OR", "NOT"):
        raise LuceneError(f"unexpected {raw!r} after '{field}:'")
    if field is not None and not re.fullmatch(r"[A-Za-z_][\w.]*", field):
        raise LuceneError(f"invalid field name {field!r}")
    if raw.startswith('"'):
        return Term(field, re.sub(r"\\(.)", r"\1", raw[1:-1]))
    if raw == "*":
        return Term(field, "", exists=True)
    if "[" in raw or "]" in raw or "{" in raw or "}" in raw:
        raise LuceneError("range queries are not supported by this emulator")
    if raw.endswith("*"):
        return Term(field, raw[:-1], prefix=True)
    return Term(field, raw)


def parse(source: str) -> Node:
    tokens = tokenize(source)
    if not tokens:
        raise LuceneError("empty query")
    return _Parser(tokens).parse()
