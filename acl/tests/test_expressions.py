from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acl.errors import ExpressionSyntaxError
from acl.expressions import (
    And,
    Compare,
    Const,
    Name,
    Not,
    Or,
    compile_expression,
    uses_identity,
)

ADMIN_CTX = {
    "groups": frozenset({"admin", "team-a/b.c"}),
    "permissions": frozenset({"write:orders", "update:users"}),
    "clientType": "bar",
    "isBackoffice": True,
}
EMPTY_CTX = {
    "groups": frozenset(),
    "permissions": frozenset(),
    "clientType": None,
    "isBackoffice": False,
}


@pytest.mark.parametrize(
    ("source", "admin", "empty"),
    [
        pytest.param("true", True, True, id="true"),
        pytest.param("false", False, False, id="false"),
        pytest.param("1", True, True, id="one"),
        pytest.param("0", False, False, id="zero"),
        pytest.param("groups.admin", True, False, id="dotted-group"),
        pytest.param('"admin" in groups', True, False, id="string-in-groups"),
        pytest.param('["nobody","admin"] in groups', True, False, id="any-of-list-in-groups"),
        pytest.param('["nobody","other"] in groups', False, False, id="none-of-list-in-groups"),
        pytest.param('permissions["write:orders"]', True, False, id="bracket-permission"),
        pytest.param('"update:users" in permissions', True, False, id="string-in-permissions"),
        pytest.param('clientType == "bar"', True, False, id="client-type-equal"),
        pytest.param('clientType != "bar"', False, False, id="not-equal-and-missing-is-false"),
        pytest.param('clientType != "baz"', True, False, id="client-type-not-equal"),
        pytest.param("isBackoffice", True, False, id="is-backoffice"),
        pytest.param("!isBackoffice", False, True, id="not"),
        pytest.param("!(groups.admin && isBackoffice)", False, True, id="not-group"),
        pytest.param("groups.admin && isBackoffice", True, False, id="and"),
        pytest.param("groups.nobody || isBackoffice", True, False, id="or"),
        pytest.param('groups["team-a/b.c"]', True, False, id="name-with-dash-slash-dot"),
        pytest.param("'admin' in groups", True, False, id="single-quotes"),
        pytest.param('clientType in ["foo", "bar"]', True, False, id="client-type-in-list"),
        pytest.param("isBackoffice == true", True, False, id="bool-equal"),
        pytest.param("  groups.admin\n&&\tisBackoffice ", True, False, id="whitespace"),
    ],
)
def test_every_documented_form_compiles_and_evaluates(source, admin, empty):
    expression = compile_expression(source)

    assert expression.evaluate(ADMIN_CTX) is admin
    assert expression.evaluate(EMPTY_CTX) is empty


def test_and_binds_tighter_than_or():
    assert compile_expression("true || false && false").evaluate(EMPTY_CTX) is True
    assert compile_expression("(true || false) && false").evaluate(EMPTY_CTX) is False
    assert compile_expression("false && true || true").evaluate(EMPTY_CTX) is True


def test_the_tree_is_made_of_frozen_dataclasses():
    tree = compile_expression('groups.admin && !("x" in permissions) || clientType == "y"')

    assert tree == Or((
        And((Name(("groups", "admin")), Not(Compare("in", Const("x"), Name(("permissions",)))))),
        Compare("==", Name(("clientType",)), Const("y")),
    ))
    with pytest.raises(dataclasses.FrozenInstanceError):
        tree.operands = ()


def test_a_missing_variable_at_run_time_is_false():
    expression = compile_expression('groups.admin || clientType == "x" || isBackoffice')

    assert expression.evaluate({}) is False


@pytest.mark.parametrize(
    ("source", "column", "reason"),
    [
        pytest.param("", 1, "unexpected end of expression", id="empty"),
        pytest.param("user.admin", 1, "unknown variable 'user'", id="unknown-variable"),
        pytest.param("groups.admin && roles.x", 17, "unknown variable 'roles'", id="unknown-later"),
        pytest.param("groups.admin &&", 16, "unexpected end of expression", id="dangling-and"),
        pytest.param("groups.admin & true", 14, "unexpected character '&'", id="single-ampersand"),
        pytest.param('"admin in groups', 1, "unterminated string", id="unterminated"),
        pytest.param("(groups.admin", 14, "expected ')'", id="unclosed-paren"),
        pytest.param("groups.admin)", 13, "unexpected ')'", id="extra-paren"),
        pytest.param("groups", 1, "groups is a list of names, not true/false", id="bare-list"),
        pytest.param('clientType', 1, "clientType is a string, not true/false", id="bare-string"),
        pytest.param('"a" == true', 5, "'==' cannot compare a string and true", id="mixed-eq"),
        pytest.param("groups in groups", 8, "'in' cannot compare", id="list-in-list"),
        pytest.param("clientType.x", 11, "clientType has no members", id="member-of-string"),
        pytest.param("groups.", 8, "expected a name after '.'", id="dot-without-name"),
        pytest.param("groups[admin]", 8, "expected a quoted name inside '[ ]'", id="unquoted-key"),
        pytest.param("2", 1, "only the numbers 0 and 1", id="number"),
        pytest.param('["a" "b"] in groups', 6, "expected ',' or ']'", id="list-without-comma"),
        pytest.param("[1] in groups", 2, "a list holds quoted names only", id="list-of-numbers"),
        pytest.param("true true", 6, "unexpected 'true'", id="two-values"),
        pytest.param("in", 1, "unexpected 'in'", id="bare-in"),
        pytest.param("(" * 65 + "true" + ")" * 65, 65, "nested deeper than 64", id="too-deep"),
        pytest.param("!" * 65 + "true", 65, "nested deeper than 64", id="too-many-nots"),
    ],
)
def test_syntax_errors_name_the_column_and_reason(source, column, reason):
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_expression(source)

    assert caught.value.column == column
    assert caught.value.reason.startswith(reason)
    assert str(caught.value) == f"{caught.value.reason} at column {column}"


def test_an_overlong_expression_is_refused():
    with pytest.raises(ExpressionSyntaxError, match="longer than 4096"):
        compile_expression("true || " * 600 + "true")


def test_no_module_of_the_acl_uses_eval_exec_or_ast():
    forbidden = re.compile(r"(?<![.\w])(eval|exec|compile)\s*\(|^\s*(import|from) ast\b", re.M)
    sources = [p for p in Path(__file__).parents[1].rglob("*.py") if "tests" not in p.parts]

    offenders = [str(p) for p in sources if forbidden.search(p.read_text())]

    assert sources
    assert offenders == []


# --- Hypothesis: generated expressions against a reference evaluator written here ---------------

IDENTIFIERS = ["admin", "user", "ops", "dev_team"]
ODD_NAMES = ["admin", "team-a", "write:orders", "a.b/c", "x y", 'quote"d', "back\\slash"]


def quoted(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def leaf():
    collection = st.sampled_from(["groups", "permissions"])
    return st.one_of(
        st.sampled_from([("const", True, "true"), ("const", False, "false"),
                         ("const", True, "1"), ("const", False, "0")]),
        st.tuples(st.just("dotted"), collection, st.sampled_from(IDENTIFIERS)),
        st.tuples(st.just("bracket"), collection, st.sampled_from(ODD_NAMES)),
        st.tuples(st.just("in"), collection, st.sampled_from(ODD_NAMES)),
        st.tuples(st.just("any"), collection, st.lists(st.sampled_from(ODD_NAMES), max_size=3)),
        st.just(("backoffice",)),
        st.tuples(
            st.just("client"), st.sampled_from(["==", "!="]), st.sampled_from(["web", "cli"])
        ),
    )


def trees():
    return st.recursive(
        leaf(),
        lambda children: st.one_of(
            st.tuples(st.just("not"), children),
            st.tuples(st.sampled_from(["and", "or"]), children, children),
            st.tuples(st.just("paren"), children),
        ),
        max_leaves=12,
    )


def render(tree):
    kind = tree[0]
    if kind in ("paren", "not", "and", "or"):
        return render_operator(tree)
    if kind == "const":
        return tree[2]
    if kind == "dotted":
        return f"{tree[1]}.{tree[2]}"
    if kind == "bracket":
        return f"{tree[1]}[{quoted(tree[2])}]"
    if kind == "in":
        return f"{quoted(tree[2])} in {tree[1]}"
    if kind == "any":
        return "[" + ", ".join(quoted(n) for n in tree[2]) + f"] in {tree[1]}"
    if kind == "backoffice":
        return "isBackoffice"
    return f'clientType {tree[1]} "{tree[2]}"'


def render_operator(tree):
    kind = tree[0]
    if kind == "paren":
        return f"({render(tree[1])})"
    if kind == "not":
        return f"!({render(tree[1])})" if tree[1][0] in ("and", "or") else f"!{render(tree[1])}"
    # Only the parentheses precedence needs: an || inside an && (so precedence is exercised).
    left, right = (render(child) for child in tree[1:])
    if kind == "and":
        left = f"({left})" if tree[1][0] == "or" else left
        right = f"({right})" if tree[2][0] in ("or", "and") else right
        return f"{left} && {right}"
    right = f"({right})" if tree[2][0] == "or" else right
    return f"{left} || {right}"


def reference(tree, ctx):
    kind = tree[0]
    if kind == "const":
        return tree[1]
    if kind in ("dotted", "bracket", "in"):
        return tree[2] in ctx[tree[1]]
    if kind == "any":
        return any(name in ctx[tree[1]] for name in tree[2])
    if kind == "backoffice":
        return ctx["isBackoffice"]
    if kind == "client":
        if ctx["clientType"] is None:
            return False
        return (ctx["clientType"] == tree[2]) == (tree[1] == "==")
    if kind == "paren":
        return reference(tree[1], ctx)
    if kind == "not":
        return not reference(tree[1], ctx)
    if kind == "and":
        return reference(tree[1], ctx) and reference(tree[2], ctx)
    return reference(tree[1], ctx) or reference(tree[2], ctx)


contexts = st.fixed_dictionaries({
    "groups": st.frozensets(st.sampled_from(IDENTIFIERS + ODD_NAMES)),
    "permissions": st.frozensets(st.sampled_from(IDENTIFIERS + ODD_NAMES)),
    "clientType": st.sampled_from([None, "web", "cli"]),
    "isBackoffice": st.booleans(),
})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees(), ctx=contexts)
def test_generated_expressions_evaluate_like_the_reference(tree, ctx):
    source = render(tree)

    assert compile_expression(source).evaluate(ctx) is reference(tree, ctx), source


@settings(max_examples=200, deadline=None)
@given(tree=trees())
def test_the_rendered_tree_compiles_to_the_same_tree(tree):
    compiled = compile_expression(render(tree))

    assert compile_expression(str(compiled)) == compiled


TOKENS = ["true", "false", "0", "1", "2", "groups", "permissions", "clientType", "isBackoffice",
          "user", "in", "&&", "||", "!", "==", "!=", "(", ")", "[", "]", ".", ",", '"a"', "'b'",
          '"', "&", "|", "=", "admin", " ", "\n"]


def compile_or_error(source):
    try:
        return compile_expression(source), None
    except ExpressionSyntaxError as exc:
        return None, exc


token_soup = st.lists(st.sampled_from(TOKENS), max_size=14).map("".join)


@settings(max_examples=500, deadline=None)
@given(source=st.one_of(st.text(max_size=60), token_soup))
def test_random_strings_raise_nothing_but_the_syntax_error(source):
    expression, error = compile_or_error(source)

    if error is not None:
        assert 1 <= error.column <= len(source) + 1
    else:
        assert expression.evaluate(EMPTY_CTX) in (True, False)
        assert expression.evaluate(ADMIN_CTX) in (True, False)


@pytest.mark.parametrize(
    ("source", "uses"),
    [
        pytest.param("true", False, id="constant"),
        pytest.param('clientType == "x" || isBackoffice', False, id="client-and-backoffice"),
        pytest.param("groups.admin", True, id="group"),
        pytest.param('!("a:b" in permissions)', True, id="permission-under-not"),
        pytest.param('isBackoffice && (true || ["a"] in groups)', True, id="nested"),
    ],
)
def test_an_expression_knows_whether_it_depends_on_the_user(source, uses):
    assert uses_identity(compile_expression(source)) is uses
