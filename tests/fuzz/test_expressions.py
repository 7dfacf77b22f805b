"""Issue 9 item 10: the expression parser lets only ExpressionSyntaxError escape, and a compiled
expression evaluates to a bool whatever the context holds.

acl/tests/test_expressions.py already checks generated expressions against a reference evaluator
and random strings; these add the shapes that break recursive-descent parsers (deep nesting, long
chains) and contexts with values of the wrong type.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acl.errors import ExpressionSyntaxError
from acl.expressions import MAX_LENGTH, compile_expression
from tests.fuzz.strategies import JSON_VALUES

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VARIABLES = ("groups", "permissions", "clientType", "isBackoffice")
SOURCES = [
    "groups.admin",
    '"admin" in groups',
    '["admin", "user"] in groups',
    'permissions["write:orders"]',
    '"update:users" in permissions',
    'clientType == "bar"',
    'clientType != "bar"',
    "isBackoffice && groups.admin",
    '!(groups.a || permissions["b"])',
    "true",
    "1",
]


def compiles_or_syntax_error(source: str):
    """The compiled expression, or None after checking the syntax error's column."""
    error = None
    try:
        return compile_expression(source)
    except ExpressionSyntaxError as exc:
        error = exc
    assert 1 <= error.column <= max(len(source), MAX_LENGTH) + 1
    return None


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("!" * 5000 + "true", id="not-chain-over-length"),
        pytest.param("!" * 4000 + "true", id="not-chain"),
        pytest.param("(" * 4000 + "true" + ")" * 4000, id="parentheses-over-length"),
        pytest.param("(" * 2000 + "true" + ")" * 2000, id="parentheses"),
        pytest.param("(" * 2000, id="unclosed-parentheses"),
        pytest.param("[" * 2000 + '"a"' + "]" * 2000 + " in groups", id="nested-lists"),
        pytest.param(" || ".join(["groups.a"] * 800), id="long-or-chain"),
        pytest.param(" && ".join(["groups.a"] * 800), id="long-and-chain"),
        pytest.param("groups" + ".a" * 2000, id="long-name-path"),
        pytest.param("groups" + '["a"]' * 800, id="long-bracket-path"),
        pytest.param('"' + "a" * 4090 + '"', id="long-string"),
        pytest.param("1" * 4096, id="long-number"),
        pytest.param("groups.\x00", id="nul"),
        pytest.param("groups.\ud800", id="lone-surrogate"),
        pytest.param('"\\', id="escape-at-end"),
        pytest.param("\u202egroups.admin", id="bidi-override"),
    ],
)
def test_hostile_expressions_compile_or_raise_the_syntax_error(source):
    expression = compiles_or_syntax_error(source)

    if expression is not None:
        assert expression.evaluate({}) in (True, False)


@FUZZ
@given(
    source=st.lists(
        st.sampled_from(["!", "(", ")", "[", "]", "&&", "||", "in", "==", ",", '"a"', "groups"]),
        min_size=50,
        max_size=400,
    ).map(" ".join)
)
def test_long_token_soups_raise_nothing_but_the_syntax_error(source):
    compiles_or_syntax_error(source)


@FUZZ
@given(
    source=st.sampled_from(SOURCES),
    context=st.dictionaries(st.sampled_from(VARIABLES), JSON_VALUES, max_size=4),
)
def test_evaluation_is_a_bool_whatever_the_context_holds(source, context):
    assert compile_expression(source).evaluate(context) in (True, False)


@FUZZ
@given(
    source=st.sampled_from(SOURCES),
    groups=st.frozensets(st.text(max_size=12), max_size=5),
    permissions=st.frozensets(st.text(max_size=12), max_size=5),
)
def test_names_with_any_characters_never_break_evaluation(source, groups, permissions):
    context = {"groups": groups, "permissions": permissions}

    assert compile_expression(source).evaluate(context) in (True, False)
