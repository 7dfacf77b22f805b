"""The auth.json expression language: tokenizer, recursive-descent parser and immutable tree.

Grammar (`&&` binds tighter than `||`; no eval, exec or ast anywhere):
    expr  := and ("||" and)*          and := unary ("&&" unary)*      unary := "!" unary | cmp
    cmp   := value (("==" | "!=" | "in") value)?
    value := true | false | 0 | 1 | STRING | list | NAME ("." NAME | "[" STRING "]")? | "(" expr ")"
    list  := "[" (STRING ("," STRING)*)? "]"
Types are checked at compile time, so `groups && true` or `clientType.x` never load.
At run time a missing value (no client type) makes every comparison with it false.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from acl.errors import ExpressionSyntaxError
from acl.expression_tree import (
    And,
    Compare,
    CompareOp,
    Const,
    Context,
    Name,
    Node,
    Not,
    Or,
    subexpressions,
    uses_identity,
)

__all__ = [
    "And",
    "Compare",
    "Const",
    "Context",
    "ExpressionSyntaxError",
    "Name",
    "Node",
    "Not",
    "Or",
    "compile_expression",
    "subexpressions",
    "uses_identity",
]

# "list" is a literal list of names; "set" is groups or permissions.
Type = Literal["bool", "str", "list", "set"]

# The variables an expression may name, and their types (a group/permission name list is a set).
VARIABLES: Final[Mapping[str, Type]] = {
    "groups": "set",
    "permissions": "set",
    "clientType": "str",
    "isBackoffice": "bool",
}
MAX_LENGTH: Final = 4096
MAX_DEPTH: Final = 64

_TOKEN_RE = re.compile(
    r"""(?P<space>\s+)
    |(?P<op>&&|\|\||==|!=|[!()\[\].,])
    |(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<number>[0-9]+)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
TokenKind = Literal["op", "string", "number", "name", "end"]
# _TOKEN_RE's groups; a space is no token.
_TOKEN_KINDS: Final[Mapping[str, TokenKind]] = {
    "op": "op",
    "string": "string",
    "number": "number",
    "name": "name",
}
# `==` and `!=` are op tokens, `in` a name token; no string token's text (quoted) is one of them.
_COMPARE_OPS: Final[Mapping[str, CompareOp]] = {"==": "==", "!=": "!=", "in": "in"}


# --- tokenizer --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    column: int


def tokenize(src: str) -> list[Token]:
    if len(src) > MAX_LENGTH:
        raise ExpressionSyntaxError(src, MAX_LENGTH + 1, f"expression longer than {MAX_LENGTH}")
    tokens: list[Token] = []
    position = 0
    while position < len(src):
        match = _TOKEN_RE.match(src, position)
        if match is None:
            raise ExpressionSyntaxError(src, position + 1, _bad_character(src[position]))
        kind = _TOKEN_KINDS.get(match.lastgroup or "space")
        if kind is not None:
            tokens.append(Token(kind, match.group(), position + 1))
        position = match.end()
    tokens.append(Token("end", "", len(src) + 1))
    return tokens


def _bad_character(char: str) -> str:
    if char in "\"'":
        return "unterminated string"
    return f"unexpected character {char!r}"


# --- parser -----------------------------------------------------------------------------------

_DESCRIBE: Final[Mapping[str, str]] = {
    "bool": "true/false",
    "str": "a string",
    "list": "a list",
    "set": "a list of names",
}


@lru_cache(maxsize=4096)
def compile_expression(src: str) -> Node:
    """Compile an auth.json expression; raises ExpressionSyntaxError with the column.

    Trees are immutable, so a policy repeating an expression shares one compiled tree."""
    return _Parser(src).parse()


def _unquote(text: str) -> str:
    return _ESCAPE_RE.sub(r"\1", text[1:-1])


_Step = Callable[[], "tuple[Node, Type]"]


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.tokens = tokenize(src)
        self.index = 0
        self.depth = 0

    def parse(self) -> Node:
        start = self._peek()
        node, kind = self._expr()
        end = self._peek()
        if end.kind != "end":
            raise self._error(end, f"unexpected {end.text!r}")
        return self._as_bool(node, kind, start)

    # expr := and ("||" and)*
    def _expr(self) -> tuple[Node, Type]:
        return self._chain("||", self._and, Or)

    # and := unary ("&&" unary)*
    def _and(self) -> tuple[Node, Type]:
        return self._chain("&&", self._unary, And)

    def _chain(self, op: str, operand: _Step, build: type[And | Or]) -> tuple[Node, Type]:
        start = self._peek()
        node, kind = operand()
        if not self._at(op):
            return node, kind
        operands = [self._as_bool(node, kind, start)]
        while self._at(op):
            self._advance()
            start = self._peek()
            node, kind = operand()
            operands.append(self._as_bool(node, kind, start))
        return build(tuple(operands)), "bool"

    # unary := "!" unary | cmp
    def _unary(self) -> tuple[Node, Type]:
        if not self._at("!"):
            return self._comparison()
        bang = self._advance()
        self._enter(bang)
        start = self._peek()
        node, kind = self._unary()
        self.depth -= 1
        return Not(self._as_bool(node, kind, start)), "bool"

    # cmp := value (("==" | "!=" | "in") value)?
    def _comparison(self) -> tuple[Node, Type]:
        left, left_kind = self._value()
        op = self._peek()
        operator = _COMPARE_OPS.get(op.text)
        if operator is None:
            return left, left_kind
        self._advance()
        right, right_kind = self._value()
        if operator == "in":
            valid = left_kind in ("str", "list") and right_kind in ("set", "list")
        else:
            valid = left_kind == right_kind and left_kind in ("bool", "str")
        if not valid:
            found = f"{_DESCRIBE[left_kind]} and {_DESCRIBE[right_kind]}"
            raise self._error(op, f"{op.text!r} cannot compare {found}")
        return Compare(operator, left, right), "bool"

    def _value(self) -> tuple[Node, Type]:
        token = self._advance()
        if token.kind == "string":
            return Const(_unquote(token.text)), "str"
        if token.kind == "number":
            if token.text not in ("0", "1"):
                raise self._error(token, "only the numbers 0 and 1 (false and true) are allowed")
            return Const(token.text == "1"), "bool"
        if token.kind == "name" and token.text in ("true", "false"):
            return Const(token.text == "true"), "bool"
        if token.kind == "name" and token.text != "in":
            return self._name(token)
        if token.kind == "op" and token.text == "(":
            return self._group(token)
        if token.kind == "op" and token.text == "[":
            return self._list()
        raise self._error(token, f"unexpected {token.text!r}")

    def _group(self, opening: Token) -> tuple[Node, Type]:
        self._enter(opening)
        node, kind = self._expr()
        self.depth -= 1
        self._expect(")")
        return node, kind

    def _name(self, token: Token) -> tuple[Node, Type]:
        kind = VARIABLES.get(token.text)
        if kind is None:
            names = ", ".join(VARIABLES)
            raise self._error(token, f"unknown variable {token.text!r} (known: {names})")
        if not (self._at(".") or self._at("[")):
            return Name((token.text,)), kind
        if kind != "set":
            raise self._error(self._peek(), f"{token.text} has no members")
        if self._advance().text == ".":
            member = self._advance()
            if member.kind != "name":
                raise self._error(member, "expected a name after '.'")
            return Name((token.text, member.text)), "bool"
        member = self._advance()
        if member.kind != "string":
            raise self._error(member, "expected a quoted name inside '[ ]'")
        self._expect("]")
        return Name((token.text, _unquote(member.text))), "bool"

    # list := "[" (STRING ("," STRING)*)? "]"
    def _list(self) -> tuple[Node, Type]:
        items: list[str] = []
        if self._at("]"):
            self._advance()
            return Const(frozenset()), "list"
        while True:
            item = self._advance()
            if item.kind != "string":
                raise self._error(item, "a list holds quoted names only")
            items.append(_unquote(item.text))
            separator = self._advance()
            if separator.kind == "op" and separator.text == "]":
                return Const(frozenset(items)), "list"
            if not (separator.kind == "op" and separator.text == ","):
                raise self._error(separator, "expected ',' or ']'")

    # --- helpers

    def _peek(self) -> Token:
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def _at(self, op: str) -> bool:
        token = self.tokens[self.index]
        return token.kind == "op" and token.text == op

    def _expect(self, op: str) -> None:
        token = self._advance()
        if not (token.kind == "op" and token.text == op):
            raise self._error(token, f"expected {op!r}")

    def _enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(token, f"nested deeper than {MAX_DEPTH} levels")

    def _as_bool(self, node: Node, kind: Type, start: Token) -> Node:
        if kind != "bool":
            raise self._error(start, f"{node} is {_DESCRIBE[kind]}, not true/false")
        return node

    def _error(self, token: Token, reason: str) -> ExpressionSyntaxError:
        if token.kind == "end" and reason.startswith("unexpected"):
            reason = "unexpected end of expression"
        elif token.kind == "end":
            reason += " before the end of the expression"
        return ExpressionSyntaxError(self.src, token.column, reason)

