"""The compiled form of an auth.json expression: frozen nodes that evaluate against a context.

A context maps `groups` and `permissions` to frozensets, `clientType` to a string or None and
`isBackoffice` to a bool. A missing value makes every comparison with it false.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import UnionType
from typing import Literal

Context = Mapping[str, object]
CompareOp = Literal["==", "!=", "in"]
_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Const:
    value: bool | str | frozenset[str]

    def evaluate(self, ctx: Context) -> bool:
        return self.value is True

    def resolve(self, ctx: Context) -> object:
        return self.value

    def __str__(self) -> str:
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, str):
            return json.dumps(self.value)
        return "[" + ", ".join(json.dumps(item) for item in sorted(self.value)) + "]"


@dataclass(frozen=True, slots=True)
class Name:
    """A variable (`clientType`) or a membership test (`groups.admin`, `permissions["a:b"]`)."""

    path: tuple[str, ...]

    def evaluate(self, ctx: Context) -> bool:
        return self.resolve(ctx) is True

    def resolve(self, ctx: Context) -> object:
        value = ctx.get(self.path[0])
        if len(self.path) == 1:
            return value
        return isinstance(value, frozenset | set) and self.path[1] in value

    def __str__(self) -> str:
        if len(self.path) == 1:
            return self.path[0]
        key = self.path[1]
        if _IDENTIFIER_RE.match(key):
            return f"{self.path[0]}.{key}"
        return f"{self.path[0]}[{json.dumps(key)}]"


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Node
    right: Node

    def evaluate(self, ctx: Context) -> bool:
        left = self.left.resolve(ctx)
        right = self.right.resolve(ctx)
        if left is None or right is None:
            return False
        if self.op == "==":
            return left == right
        if self.op == "!=":
            return left != right
        if not isinstance(right, frozenset | set):
            return False
        if isinstance(left, str):
            return left in right
        return isinstance(left, frozenset) and not left.isdisjoint(right)

    def resolve(self, ctx: Context) -> object:
        return self.evaluate(ctx)

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node

    def evaluate(self, ctx: Context) -> bool:
        return not self.operand.evaluate(ctx)

    def resolve(self, ctx: Context) -> object:
        return self.evaluate(ctx)

    def __str__(self) -> str:
        inner = str(self.operand)
        return f"!{inner}" if isinstance(self.operand, Const | Name | Not) else f"!({inner})"


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]

    def evaluate(self, ctx: Context) -> bool:
        for operand in self.operands:  # noqa: SIM110 - no generator on the hot path
            if not operand.evaluate(ctx):
                return False
        return True

    def resolve(self, ctx: Context) -> object:
        return self.evaluate(ctx)

    def __str__(self) -> str:
        return " && ".join(_grouped(operand, And | Or) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]

    def evaluate(self, ctx: Context) -> bool:
        for operand in self.operands:  # noqa: SIM110 - no generator on the hot path
            if operand.evaluate(ctx):
                return True
        return False

    def resolve(self, ctx: Context) -> object:
        return self.evaluate(ctx)

    def __str__(self) -> str:
        return " || ".join(_grouped(operand, Or) for operand in self.operands)


Node = Const | Name | Compare | Not | And | Or
Expression = Node


def _grouped(node: Node, needs_parens: type | UnionType) -> str:
    # Parentheses wherever the parser would otherwise build a different (if equivalent) tree.
    return f"({node})" if isinstance(node, needs_parens) else str(node)


def uses_identity(node: Node) -> bool:
    """Whether the value can depend on who the user is (groups or permissions)."""
    if isinstance(node, Name):
        return node.path[0] in ("groups", "permissions")
    if isinstance(node, Compare):
        return uses_identity(node.left) or uses_identity(node.right)
    if isinstance(node, Not):
        return uses_identity(node.operand)
    if isinstance(node, And | Or):
        return any(uses_identity(operand) for operand in node.operands)
    return False


def subexpressions(node: Node, depth: int = 0) -> Iterator[tuple[int, Node]]:
    """Every node of the tree with its depth, parents first (for `acl explain`)."""
    yield depth, node
    if isinstance(node, Not):
        yield from subexpressions(node.operand, depth + 1)
    elif isinstance(node, And | Or):
        for operand in node.operands:
            yield from subexpressions(operand, depth + 1)
