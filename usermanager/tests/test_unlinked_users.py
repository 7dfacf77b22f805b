"""UMS_UNLINKED_USERS: who an Auth0 user with no local record is (claims, provision, anonymous),
and why a user deleted locally stays out in every mode."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from django.test import RequestFactory

from acl.identity import Identity
from auth0client.errors import Auth0UnavailableError
from usermanager import services
from usermanager.errors import MissingAuthUserIdError, UserInactiveError
from usermanager.models import RemovedAuthUser, User
from usermanager.resolvers import UmsUserResolver

pytestmark = pytest.mark.django_db

AUTH_USER_ID = "auth0|jane"
TOKEN_IDENTITY = Identity(
    user_id=AUTH_USER_ID,
    groups=frozenset({"admin"}),
    permissions=frozenset({"read:orders"}),
    properties={"email": "jane@example.com", "name": "Jane", "app_metadata": {"groups": ["admin"]}},
)
ROOT = Path(__file__).resolve().parents[2]


class TokenResolver:
    """The base resolver: the identity the token describes, whatever the local database says."""

    def resolve(self, request):
        return TOKEN_IDENTITY


@pytest.fixture
def resolver():
    return UmsUserResolver(TokenResolver())


@pytest.fixture
def mode(settings):
    def set_mode(unlinked_users: str, **fields) -> None:
        settings.USERMANAGER = replace(
            settings.USERMANAGER, unlinked_users=unlinked_users, permissions_cache_s=0, **fields
        )

    return set_mode


@pytest.fixture
def jane(auth0):
    return auth0.add_user(user_id=AUTH_USER_ID, email="jane@example.com", name="Jane")


def resolve(resolver):
    return resolver.resolve(RequestFactory().get("/"))


def userinfo(resolver):
    return resolver.userinfo(RequestFactory().get("/userinfo"))


# --- claims ---------------------------------------------------------------------------------


def test_the_default_mode_is_claims():
    from usermanager.config import UserManagerSettings

    assert UserManagerSettings().unlinked_users == "claims"


def test_claims_signs_in_with_the_tokens_groups_and_no_local_fields(jane, resolver, mode):
    mode("claims")

    assert resolve(resolver) == TOKEN_IDENTITY
    assert userinfo(resolver) == {
        "email": "jane@example.com",
        "name": "Jane",
        "app_metadata": {"groups": ["admin"]},
        "sub": AUTH_USER_ID,
        "groups": ["admin"],
        "permissions": ["read:orders"],
    }
    assert not User.objects.exists()


def test_claims_leaves_a_linked_user_to_its_local_record(jane, group, resolver, mode):
    mode("claims")
    user = services.user_link(auth_user_id=AUTH_USER_ID, data={"userGroup": "customer"})

    assert resolve(resolver).groups == {"customer"}
    services.user_update(user_id=user.id, values={"blocked": True})
    assert resolve(resolver) is None


# --- anonymous ------------------------------------------------------------------------------


def test_anonymous_refuses_a_user_with_no_local_record(jane, resolver, mode):
    mode("anonymous")

    assert resolve(resolver) is None
    with pytest.raises(MissingAuthUserIdError) as error:
        userinfo(resolver)
    assert error.value.message == "Missing authUserId, user not logged"


# --- provision ------------------------------------------------------------------------------


def test_provision_links_the_existing_auth0_user_in_the_group(auth0, jane, group, resolver, mode):
    mode("provision", provision_group="customer")

    identity = resolve(resolver)

    (user,) = User.objects.all()
    assert (user.auth_user_id, user.user_group_id, user.email, user.name) == (
        AUTH_USER_ID,
        "customer",
        "jane@example.com",
        "Jane",
    )
    assert identity.groups == {"customer"}  # the local record rules, not the token's "admin"
    assert identity.permissions == {"read:orders", "customer:read"}
    assert "user_create" not in auth0.calls
    assert list(auth0.users) == [AUTH_USER_ID]
    assert auth0.users[AUTH_USER_ID].app_metadata == {"groups": ["customer"], "umsId": user.id}


def test_provision_then_local_rules_apply(jane, group, resolver, mode):
    mode("provision", provision_group="customer")
    resolve(resolver)
    user = User.objects.get()

    services.user_update(user_id=user.id, values={"blocked": True})

    assert resolve(resolver) is None
    with pytest.raises(UserInactiveError):
        userinfo(resolver)
    assert User.objects.count() == 1


def test_provision_refused_by_the_crud_schema_is_anonymous_and_logged(
    jane, group_factory, resolver, mode, caplog
):
    schema = {"type": "object", "required": ["plan"], "properties": {"plan": {"type": "string"}}}
    group_factory("strict", crudSchema=schema)
    mode("provision", provision_group="strict")

    with caplog.at_level(logging.WARNING, logger="usermanager.services.provisioning"):
        assert resolve(resolver) is None
        with pytest.raises(MissingAuthUserIdError):
            userinfo(resolver)

    assert not User.objects.exists()
    logged = {record.getMessage() for record in caplog.records}
    assert logged == {
        "UMS_UNLINKED_USERS=provision: no local record for auth0|jane in group 'strict', so the "
        "user is anonymous: The user does not match the crudSchema of group 'strict': "
        "plan: 'plan' is a required property"
    }


@pytest.mark.parametrize(
    ("auth0_fields", "group_name"),
    [
        pytest.param({"blocked": True}, "customer", id="blocked-in-auth0"),
        pytest.param({}, "no-such-group", id="unknown-group"),
    ],
)
def test_provision_refusals_leave_the_user_anonymous(
    auth0, group, resolver, mode, auth0_fields, group_name
):
    auth0.add_user(user_id=AUTH_USER_ID, email="jane@example.com", **auth0_fields)
    mode("provision", provision_group=group_name)

    assert resolve(resolver) is None
    assert not User.objects.exists()
    assert auth0.users[AUTH_USER_ID].blocked == auth0_fields.get("blocked", False)


def test_provision_fails_closed_when_auth0_cannot_answer(auth0, jane, group, resolver, mode):
    auth0.fail("user_get", Auth0UnavailableError("Auth0 did not answer."))
    mode("provision", provision_group="customer")

    with pytest.raises(Auth0UnavailableError):
        resolve(resolver)
    assert not User.objects.exists()


def test_provision_without_a_group_stops_start_up():
    env = {
        **os.environ,
        "UMS_UNLINKED_USERS": "provision",
        "DJANGO_SECRET_KEY": "test-secret-key-not-for-production",
    }
    env.pop("UMS_PROVISION_GROUP", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode != 0
    assert "UMS_PROVISION_GROUP: required when UMS_UNLINKED_USERS=provision" in done.stderr


# --- deleted locally stays out --------------------------------------------------------------


def _delete(user: User) -> None:
    services.user_delete(user_id=user.id)


def _soft_delete(user: User) -> None:
    services.user_soft_delete(user_id=user.id)


@pytest.mark.parametrize("hard_delete", [True, False], ids=["hard-delete", "block"])
@pytest.mark.parametrize("remove", [_delete, _soft_delete], ids=["delete", "soft-delete"])
@pytest.mark.parametrize("unlinked_users", ["claims", "provision"])
def test_a_user_deleted_locally_stays_out(
    auth0, jane, group, resolver, mode, hard_delete, remove, unlinked_users
):
    mode(unlinked_users, provision_group="customer", auth_hard_delete=hard_delete)
    user = services.user_link(auth_user_id=AUTH_USER_ID, data={"userGroup": "customer"})
    assert resolve(resolver).groups == {"customer"}

    remove(user)

    # Its tokens outlive it; the Auth0 user is gone or blocked, and no mode brings it back.
    assert resolve(resolver) is None
    with pytest.raises(UserInactiveError):
        userinfo(resolver)
    remote = auth0.users.get(AUTH_USER_ID)
    assert remote is None if hard_delete else remote.blocked
    assert User.objects.filter(auth_user_id=AUTH_USER_ID).exists() == (
        remove is _soft_delete and not hard_delete
    )
    assert RemovedAuthUser.objects.filter(auth_user_id=AUTH_USER_ID).exists() == (
        remove is _delete or hard_delete
    )
