from __future__ import annotations

from http import HTTPStatus

import pytest

from acl.decisions import AclInput, decide
from acl.identity import Identity
from acl.tests.conftest import make_policy, rule

USER = Identity("u1", groups=frozenset({"user"}))
ADMIN = Identity("u2", groups=frozenset({"admin"}))

POLICY = make_policy({
    "/split": {"GET": {
        "authorization": rule("groups.user"),
        "backofficeAuthorization": rule("groups.admin && isBackoffice"),
    }},
    "/frontend-only": {"GET": {"authorization": rule("true")}},
    "/backoffice-only": {"GET": {"backofficeAuthorization": rule("true")}},
    "/empty": {"GET": {}},
    "/public-true": {"GET": {"authorization": rule("true", public=True)}},
    "/public-group": {
        "GET": {"authorization": rule('groups.foo || clientType == "bar"', public=True)}
    },
    "/private": {"GET": {"authorization": rule("groups.admin")}},
})


def outcome(path, identity=None, *, backoffice=False, client_type=None, method="GET"):
    decision = decide(POLICY, AclInput(method, path, backoffice, client_type, identity))
    return decision.status, decision.rule_name


@pytest.mark.parametrize(
    ("path", "identity", "backoffice", "expected"),
    [
        pytest.param("/split", USER, False, (HTTPStatus.OK, "authorization"), id="frontend-rule"),
        pytest.param("/split", USER, True, (HTTPStatus.FORBIDDEN, "backofficeAuthorization"),
                     id="backoffice-rule-for-backoffice"),
        pytest.param("/split", ADMIN, True, (HTTPStatus.OK, "backofficeAuthorization"),
                     id="backoffice-rule-allows"),
        pytest.param("/frontend-only", USER, True, (HTTPStatus.OK, "authorization"),
                     id="backoffice-falls-back-to-authorization"),
        pytest.param("/backoffice-only", USER, True, (HTTPStatus.OK, "backofficeAuthorization"),
                     id="backoffice-only-for-backoffice"),
        pytest.param("/backoffice-only", USER, False, (HTTPStatus.UNAUTHORIZED, "authorization"),
                     id="backoffice-only-is-not-configured-for-frontend"),
        pytest.param("/empty", ADMIN, False, (HTTPStatus.UNAUTHORIZED, "authorization"),
                     id="neither-is-not-configured"),
        pytest.param("/empty", ADMIN, True, (HTTPStatus.UNAUTHORIZED, "authorization"),
                     id="neither-is-not-configured-for-backoffice"),
    ],
)
def test_which_rule_applies(path, identity, backoffice, expected):
    assert outcome(path, identity, backoffice=backoffice) == expected


def test_allowed_request_goes_on():
    assert outcome("/private", ADMIN) == (HTTPStatus.OK, "authorization")


def test_not_public_and_no_user_is_401():
    decision = decide(POLICY, AclInput("GET", "/private"))

    assert (decision.status, decision.reason) == (HTTPStatus.UNAUTHORIZED, "not public and no user")


def test_user_present_and_expression_false_is_403():
    assert outcome("/private", USER) == (HTTPStatus.FORBIDDEN, "authorization")


def test_public_and_true_lets_an_anonymous_caller_through():
    assert outcome("/public-true") == (HTTPStatus.OK, "authorization")


def test_public_but_expression_false_for_an_anonymous_caller_is_401():
    decision = decide(POLICY, AclInput("GET", "/public-group"))

    assert (decision.status, decision.reason) == (
        HTTPStatus.UNAUTHORIZED, "expression false for an anonymous caller",
    )


def test_public_expression_true_thanks_to_the_client_type():
    assert outcome("/public-group", client_type="bar") == (HTTPStatus.OK, "authorization")


def test_public_expression_false_for_a_user_is_403():
    assert outcome("/public-group", USER) == (HTTPStatus.FORBIDDEN, "authorization")


@pytest.mark.parametrize(
    ("path", "method"),
    [pytest.param("/nowhere", "GET", id="path"), pytest.param("/private", "POST", id="method")],
)
def test_path_or_method_not_in_the_config_is_401(path, method):
    policy = make_policy({"/private": {"GET": {"authorization": rule("true", public=True)}}})

    assert decide(policy, AclInput(method, path, identity=ADMIN)).status == HTTPStatus.UNAUTHORIZED


def test_decisions_are_built_once_per_rule():
    first = decide(POLICY, AclInput("GET", "/private", identity=ADMIN))
    other = Identity("other", frozenset({"admin"}))
    second = decide(POLICY, AclInput("GET", "/private", identity=other))

    assert first is second
