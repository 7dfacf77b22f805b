"""Start-up: a bad file stops the process; `manage.py check` reports the same; resolvers load."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse

from acl.api_keys import load_api_keys
from acl.errors import PolicyError
from acl.identity import Identity
from acl.middleware import AclMiddleware
from acl.resolvers import AnonymousUserResolver, load_in_process_resolver
from acl.testing import StaticUserResolver
from acl.tests.conftest import methods

# A ready resolver instance, to show ACL_USER_RESOLVER may name one.
READY_RESOLVER = StaticUserResolver({"Bearer x": Identity("x")})


def acl_messages():
    return list(checks.run_checks(tags=["acl"]))


def test_a_bad_policy_stops_start_up_naming_file_path_and_reason(use_policy):
    path = use_policy({"/x": {"GET": {"authorization": {"expression": "true"}}}})

    with pytest.raises(ImproperlyConfigured) as caught:
        AclMiddleware(lambda request: HttpResponse())

    assert str(caught.value) == (
        f"{path}: $['/x'].GET.authorization: 'public' is a required property"
    )


def test_a_bad_api_keys_file_stops_start_up(use_policy, write_json):
    keys = write_json({"partner-key-0123456789": ""}, name="keys.json")
    use_policy({"/": methods("true")}, api_keys_file=keys)

    with pytest.raises(ImproperlyConfigured) as caught:
        AclMiddleware(lambda request: HttpResponse())

    assert str(caught.value) == f"{keys}: $: every clientType must be a non-empty string"


def test_manage_py_check_reports_the_same_error(use_policy):
    path = use_policy({"/x": methods("groups.admin ||")})

    messages = acl_messages()

    assert [(m.id, m.msg) for m in messages] == [(
        "acl.E001",
        f"{path}: $['/x'].ALL.authorization.expression: unexpected end of expression at column 16",
    )]


def test_manage_py_check_is_clean_on_the_default_configuration():
    assert acl_messages() == []


def test_manage_py_check_reports_an_unknown_resolver(acl_config):
    acl_config(user_resolver="acl.nowhere.Resolver")

    assert [m.id for m in acl_messages()] == ["acl.E003"]


def test_check_deploy_refuses_the_test_resolver(acl_config):
    acl_config(user_resolver="acl.testing.StaticUserResolver")

    messages = checks.run_checks(tags=["acl"], include_deployment_checks=True)

    assert [m.id for m in messages] == ["acl.E004"]


def test_the_anonymous_resolver_knows_nobody():
    resolver = load_in_process_resolver("acl.resolvers.AnonymousUserResolver")

    assert isinstance(resolver, AnonymousUserResolver)
    assert resolver.resolve(None) is None


def test_a_resolver_may_be_a_ready_instance():
    assert load_in_process_resolver("acl.tests.test_startup.READY_RESOLVER") is READY_RESOLVER


def test_a_resolver_without_resolve_is_refused():
    with pytest.raises(TypeError, match="has no resolve"):
        load_in_process_resolver("acl.tests.test_startup.acl_messages")


def test_api_keys_are_looked_up_by_digest(write_json):
    keys = load_api_keys(write_json({"partner-key-0123456789": "partner"}, name="keys.json"))

    assert keys.client_type("partner-key-0123456789") == "partner"
    assert keys.client_type("partner-key-012345678") is None
    assert "partner-key-0123456789" not in repr(keys)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(["k"], "expected a JSON object of API key -> clientType", id="not-object"),
        pytest.param({"k": "partner"}, "every API key must be at least 8 characters long",
                     id="short-key"),
        pytest.param({"long-enough-key": 3}, "every clientType must be a non-empty string",
                     id="not-string"),
    ],
)
def test_the_api_keys_file_is_schema_checked_without_quoting_keys(write_json, data, reason):
    path = write_json(data, name="keys.json")

    with pytest.raises(PolicyError) as caught:
        load_api_keys(path)

    assert str(caught.value) == f"{path}: $: {reason}"
