"""UMS userinfo: the local record's groups, fields and permissions merged into the identity."""

from __future__ import annotations

import json
from dataclasses import replace
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient

from acl.identity import Identity
from acl.registry import forget
from authgw.errors import ServiceUnavailableError, error_body
from usermanager import services, userinfo
from usermanager.errors import MissingAuthUserIdError
from usermanager.resolvers import UmsUserResolver
from usermanager.tests import licences

pytestmark = pytest.mark.django_db

TOKEN_IDENTITY = Identity(
    user_id="auth0|jane",
    groups=frozenset({"admin"}),  # a stale group in the token
    permissions=frozenset({"read:orders"}),
    properties={"email": "jane@example.com", "picture": "https://example.com/jane.png"},
)


class TokenResolver:
    def __init__(self, identity: Identity | None = TOKEN_IDENTITY) -> None:
        self.identity = identity

    def resolve(self, request):
        return self.identity


@pytest.fixture
def licences_resolver(settings):
    licences.LICENCES.clear()
    licences.CALLS.clear()
    settings.USERMANAGER = replace(
        settings.USERMANAGER, permissions_resolver="usermanager.tests.licences.licence_permissions"
    )
    yield licences.LICENCES
    licences.LICENCES.clear()


@pytest.fixture
def jane(auth0, group):
    remote = auth0.add_user(user_id="auth0|jane", email="jane@example.com", name="Jane")
    return services.user_link(
        auth_user_id=remote.user_id,
        data={"userGroup": "customer", "customerId": "c-1", "plan": "gold"},
    )


def resolve(resolver=None):
    return (resolver or UmsUserResolver(TokenResolver())).resolve(RequestFactory().get("/"))


def test_groups_come_from_the_local_record_and_permissions_are_merged(jane, licences_resolver):
    licences_resolver["c-1"] = {"gold"}

    identity = resolve()

    assert identity.user_id == "auth0|jane"
    assert identity.groups == {"customer"}
    assert identity.permissions == {"read:orders", "customer:read", "licences:gold"}
    assert identity.properties["customerId"] == "c-1"
    assert identity.properties["picture"] == "https://example.com/jane.png"
    assert identity.properties["plan"] == "gold"


def test_userinfo_body_merges_auth0_and_local_fields(jane, settings):
    settings.USERMANAGER = replace(
        settings.USERMANAGER, userinfo_additional_properties=("customerId", "plan", "missing")
    )
    jane.refresh_from_db()

    body = UmsUserResolver(TokenResolver()).userinfo(RequestFactory().get("/userinfo"))

    assert body == {
        "email": "jane@example.com",
        "picture": "https://example.com/jane.png",
        "customerId": "c-1",
        "plan": "gold",
        "sub": "auth0|jane",
        "groups": ["customer"],
        "permissions": ["customer:read", "read:orders"],
    }


def test_empty_additional_properties_adds_no_local_field(jane, settings):
    settings.USERMANAGER = replace(settings.USERMANAGER, userinfo_additional_properties=())

    assert set(resolve().properties) == {"email", "picture"}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"blocked": True}, id="blocked"),
        pytest.param({"state": "DRAFT"}, id="draft"),
        pytest.param({"state": "TRASH"}, id="trash"),
    ],
)
def test_a_blocked_or_not_public_user_is_anonymous(jane, change):
    type(jane).objects.filter(pk=jane.pk).update(**change)
    cache.clear()

    assert resolve() is None


def test_a_user_without_a_local_record_is_anonymous_and_userinfo_says_why(auth0, db, settings):
    settings.USERMANAGER = replace(settings.USERMANAGER, unlinked_users="anonymous")
    resolver = UmsUserResolver(TokenResolver())

    assert resolver.resolve(RequestFactory().get("/")) is None
    with pytest.raises(MissingAuthUserIdError) as error:
        resolver.userinfo(RequestFactory().get("/userinfo"))
    assert error.value.message == "Missing authUserId, user not logged"


def test_anonymous_stays_anonymous(db):
    assert resolve(UmsUserResolver(TokenResolver(None))) is None


class RecordingCache:
    """The real cache, with the timeouts it was given recorded."""

    def __init__(self) -> None:
        self.timeouts: list[int] = []

    def get(self, key):
        return cache.get(key)

    def set(self, key, value, timeout):
        self.timeouts.append(timeout)
        cache.set(key, value, timeout)


def test_the_merge_is_cached_for_a_few_seconds(jane, licences_resolver, settings, monkeypatch):
    recording = RecordingCache()
    monkeypatch.setattr(userinfo, "cache", recording)
    licences_resolver["c-1"] = {"gold"}

    resolve()
    licences_resolver["c-1"] = set()  # the business data changes...
    cached = resolve()  # ...and the cached merge is used until it expires

    assert cached.permissions >= {"licences:gold"}
    assert [jane.id] == licences.CALLS
    assert recording.timeouts == [settings.USERMANAGER.permissions_cache_s]


def test_a_change_through_the_services_takes_effect_at_once(jane, group_factory):
    group_factory("vip")
    assert resolve().groups == {"customer"}

    services.user_update(user_id=jane.id, values={"userGroup": "vip"})

    assert resolve().groups == {"vip"}


def test_a_failing_permissions_resolver_fails_closed(jane, settings):
    settings.USERMANAGER = replace(
        settings.USERMANAGER, permissions_resolver="usermanager.tests.licences.broken"
    )

    with pytest.raises(ServiceUnavailableError):
        resolve()


# --- an acl decision ------------------------------------------------------------------------


@pytest.fixture
def licence_policy(tmp_path, settings):
    policy = {
        "/users/count": {
            "GET": {
                "authorization": {"expression": 'permissions["licences:gold"]', "public": False}
            }
        },
    }
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(policy))
    settings.ACL = replace(
        settings.ACL, policy_path=path, user_resolver="usermanager.resolvers.UmsUserResolver"
    )
    settings.USERMANAGER = replace(
        settings.USERMANAGER, base_user_resolver="acl.testing.StaticUserResolver"
    )
    forget()
    yield
    forget()


def test_dynamic_permissions_reach_the_acl_decision(
    licence_policy, licences_resolver, auth0, group
):
    remote = auth0.add_user(user_id="auth0|admin", email="admin@example.com", name="Admin")
    services.user_link(
        auth_user_id=remote.user_id, data={"userGroup": "customer", "customerId": "c-9"}
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer test-admin-token")
    licences_resolver["c-9"] = {"gold"}

    allowed = client.get("/users/count")
    licences_resolver["c-9"] = set()
    cache.clear()  # the cache time has passed
    denied = client.get("/users/count")

    assert (allowed.status_code, allowed.json()) == (HTTPStatus.OK, 1)
    assert denied.status_code == HTTPStatus.FORBIDDEN


# --- the post-login hook --------------------------------------------------------------------


@pytest.fixture
def hook_secret(settings):
    settings.USERMANAGER = replace(settings.USERMANAGER, post_login_hook_secret="s3cret-hook")
    return "s3cret-hook"


def test_hook_answers_groups_permissions_and_customer_id(
    client, jane, hook_secret, licences_resolver
):
    licences_resolver["c-1"] = {"silver"}

    response = client.post(
        "/hooks/auth0/post-login",
        {"user_id": "auth0|jane"},
        content_type="application/json",
        HTTP_X_HOOK_SECRET=hook_secret,
    )

    assert response.json() == {
        "groups": ["customer"],
        "permissions": ["customer:read", "licences:silver"],
        "customerId": "c-1",
    }


@pytest.mark.parametrize("secret", ["", "wrong", "s3cret-hook-but-longer"])
def test_hook_refuses_a_wrong_secret(client, jane, hook_secret, secret):
    response = client.post(
        "/hooks/auth0/post-login",
        {"user_id": "auth0|jane"},
        content_type="application/json",
        HTTP_X_HOOK_SECRET=secret,
    )

    assert response.json() == error_body(401, "Missing or wrong X-Hook-Secret header.")


def test_hook_is_disabled_without_a_secret(client, jane):
    response = client.post(
        "/hooks/auth0/post-login", {"user_id": "auth0|jane"}, content_type="application/json"
    )

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_hook_for_an_unknown_user_is_404(client, db, hook_secret):
    response = client.post(
        "/hooks/auth0/post-login",
        {"user_id": "auth0|nobody"},
        content_type="application/json",
        HTTP_X_HOOK_SECRET=hook_secret,
    )

    assert response.json() == error_body(404, "No user is linked to the Auth0 user auth0|nobody.")
