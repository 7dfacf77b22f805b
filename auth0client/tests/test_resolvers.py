from __future__ import annotations

from unittest import mock

import pytest
from django.test import RequestFactory
from redis.exceptions import ConnectionError as RedisConnectionError

from acl.identity import Identity
from auth0client.resolvers import SessionUserResolver
from auth0client.sessions import session_get_by_sid, user_sessions_end
from auth0client.tests import idp
from authgw.errors import ServiceUnavailableError

pytestmark = [pytest.mark.django_db, pytest.mark.auth0client_only]
# auth0client's own user answer; the product routes `/userinfo` to the UMS, which adds the
# local user record (authgw/urls.py), so these tests call the same view by its other path.
USERINFO = "/users/me"

ALICE = Identity(
    user_id=idp.USER_ID,
    groups=frozenset({"admin", "user"}),
    permissions=frozenset({"read:orders"}),
    properties={
        "email": "alice@example.com",
        "name": "Alice",
        "picture": "https://example.com/alice.png",
        "app_metadata": {"groups": ["admin", "user"]},
        "user_metadata": {"color": "blue"},
    },
)


def request_with(**meta):
    return RequestFactory().get("/orders", **meta)


def test_session_cookie_resolves_to_the_identity(code_flow):
    sid = code_flow().cookies["sid"].value
    request = request_with()
    request.COOKIES["sid"] = sid

    assert SessionUserResolver().resolve(request) == ALICE


def test_bearer_jwt_resolves_without_a_session(tenant, provider):
    idp.serve_jwks(provider)
    request = request_with(HTTP_AUTHORIZATION=f"Bearer {idp.sign(idp.access_claims())}")

    identity = SessionUserResolver().resolve(request)

    assert identity == Identity(
        user_id=idp.USER_ID,
        groups=frozenset(),
        permissions=frozenset({"read:orders"}),
        properties={},
    )


@pytest.mark.parametrize(
    "meta",
    [
        pytest.param({}, id="anonymous"),
        pytest.param({"HTTP_AUTHORIZATION": "Bearer a.b.c"}, id="garbage-jwt"),
        pytest.param({"HTTP_COOKIE": "sid=" + "Z" * 43}, id="unknown-session"),
        pytest.param({"HTTP_COOKIE": "sid=" + "Z" * 20000}, id="oversized-cookie"),
        pytest.param({"HTTP_AUTHORIZATION": "Bearer " + "x" * 20000}, id="oversized-token"),
    ],
)
def test_anonymous_or_invalid_credentials_resolve_to_none(tenant, provider, meta):
    provider.assert_all_requests_are_fired = False
    provider.get(idp.JWKS_URL, json=idp.public_jwks())

    assert SessionUserResolver().resolve(request_with(**meta)) is None


def test_store_down_fails_closed_with_503(code_flow):
    sid = code_flow().cookies["sid"].value
    request = request_with()
    request.COOKIES["sid"] = sid

    with (
        mock.patch("auth0client.store.cache.get", side_effect=RedisConnectionError("down")),
        pytest.raises(ServiceUnavailableError),
    ):
        SessionUserResolver().resolve(request)


def test_ending_a_users_sessions_ends_all_of_them(code_flow, client):
    first = code_flow().cookies["sid"].value
    client.cookies.clear()
    second = code_flow(code="code-2").cookies["sid"].value
    assert first != second
    assert session_get_by_sid(first) is not None  # another browser: still signed in

    assert user_sessions_end(idp.USER_ID) == 2

    assert session_get_by_sid(first) is None
    assert session_get_by_sid(second) is None


@pytest.fixture
def acl_uses_sessions(settings):
    from dataclasses import replace

    settings.ACL = replace(settings.ACL, user_resolver="auth0client.resolvers.SessionUserResolver")


def test_acl_middleware_recognises_the_session(acl_uses_sessions, code_flow, client):
    from django.test import Client

    code_flow()
    anonymous = Client().get("/not-a-route", HTTP_ACCEPT="application/json")
    signed_in = client.get("/not-a-route", HTTP_ACCEPT="application/json")

    assert anonymous.status_code == 401
    assert signed_in.status_code == 404  # past the acl: the route simply does not exist
    assert client.get(USERINFO).json()["sub"] == idp.USER_ID


def test_acl_middleware_fails_closed_when_the_store_is_down(acl_uses_sessions, code_flow, client):
    code_flow()

    with mock.patch("auth0client.store.cache.get", side_effect=RedisConnectionError("down")):
        answer = client.get("/not-a-route", HTTP_ACCEPT="application/json")

    assert answer.status_code == 503
    assert "sid" not in answer.cookies
