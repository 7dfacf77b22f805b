"""User writes keep Auth0 and the database in step: either both sides change or neither does."""

from __future__ import annotations

import re

import pytest
from django.db import DatabaseError

from auth0client.errors import Auth0BadGatewayError, Auth0UserExistsError
from authgw.errors import BadGatewayError, NotFoundError, ServiceUnavailableError
from usermanager import services
from usermanager.documents import user_document
from usermanager.errors import (
    AuthUserCreationDisabledError,
    InvalidDocumentError,
    UnknownUserGroupError,
    UserExistsError,
    UserNotFoundError,
)
from usermanager.models import User
from usermanager.services import users as user_services

pytestmark = pytest.mark.django_db

JANE = {"userGroup": "customer", "email": "Jane@Example.com", "name": "Jane", "plan": "gold"}


def remote_of(auth0, user: User):
    return auth0.users[user.auth_user_id]


# --- create -----------------------------------------------------------------------------


def test_create_makes_the_auth0_user_and_the_row(auth0, group):
    user = services.user_create(data=JANE, password="Given-Passw0rd!")

    remote = remote_of(auth0, user)
    assert remote.email == "jane@example.com"
    assert remote.name == "Jane"
    assert remote.blocked is False
    assert remote.connection == "Username-Password-Authentication"
    assert dict(remote.app_metadata) == {"groups": ["customer"], "umsId": user.id}
    assert auth0.passwords[remote.user_id] == "Given-Passw0rd!"
    stored = User.objects.get()
    assert user_document(stored) == {
        "_id": user.id,
        "userGroup": "customer",
        "authUserId": remote.user_id,
        "username": None,
        "email": "jane@example.com",
        "name": "Jane",
        "blocked": False,
        "state": "PUBLIC",
        "customerId": None,
        "plan": "gold",
        "createdAt": stored.created_at,
        "updatedAt": stored.updated_at,
    }
    assert re.fullmatch(r"[0-9a-f]{24}", user.id)


def test_create_without_a_password_sets_a_random_strong_one(auth0, group):
    user = services.user_create(data=JANE)

    password = auth0.passwords[user.auth_user_id]
    assert len(password) == 24
    assert all(re.search(cls, password) for cls in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^\w]|_"))
    assert re.search(r"(.)\1\1", password) is None


@pytest.mark.parametrize(
    ("postpone", "disabled"),
    [pytest.param(True, False, id="postponed"), pytest.param(False, True, id="group-disabled")],
)
def test_create_without_auth0_user_keeps_the_row_only(auth0, group_factory, postpone, disabled):
    group_factory("partner", authUserCreationDisabled=disabled)

    user = services.user_create(
        data={**JANE, "userGroup": "partner"}, postpone_auth_user_creation=postpone
    )

    assert auth0.calls == []
    assert User.objects.get().auth_user_id == user.auth_user_id == ""


def test_create_refuses_an_unknown_group_before_calling_auth0(auth0, group):
    with pytest.raises(UnknownUserGroupError) as error:
        services.user_create(data={**JANE, "userGroup": "nobody"})

    assert error.value.message == "userGroup 'nobody' has no UMS configuration; create it first."
    assert auth0.calls == []


def test_create_names_every_field_that_breaks_the_crud_schema(auth0, group):
    with pytest.raises(InvalidDocumentError) as error:
        services.user_create(data={"userGroup": "customer", "email": "not-an-email"})

    assert error.value.errors == {
        "email": ["'not-an-email' is not a 'email'"],
        "name": ["'name' is a required property"],
    }
    assert error.value.message == (
        "The user does not match the crudSchema of group 'customer': "
        "email: 'not-an-email' is not a 'email'; name: 'name' is a required property"
    )
    assert auth0.calls == []
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "field", ["_id", "authUserId", "state", "createdAt", "expirationId", "password"]
)
def test_create_refuses_fields_the_service_keeps(auth0, group, field):
    with pytest.raises(InvalidDocumentError) as error:
        services.user_create(data={**JANE, field: "x"})

    assert error.value.errors == {field: ["cannot be set"]}


def test_create_refuses_a_known_email_before_calling_auth0(auth0, user_factory):
    user_factory(email="jane@example.com")
    auth0.calls.clear()

    with pytest.raises(UserExistsError):
        services.user_create(data=JANE)

    assert auth0.calls == []


def test_create_reports_an_auth0_user_that_already_exists(auth0, group):
    auth0.add_user(email="jane@example.com")

    with pytest.raises(UserExistsError) as error:
        services.user_create(data=JANE)

    assert error.value.message == (
        "Auth0 already has a user with email jane@example.com; link it with POST /users/with-id."
    )
    assert not User.objects.exists()


def test_create_leaves_nothing_when_auth0_fails(auth0, group):
    auth0.fail("user_create", Auth0BadGatewayError("Auth0 failed (500)."))

    with pytest.raises(BadGatewayError):
        services.user_create(data=JANE)

    assert auth0.users == {}
    assert not User.objects.exists()


def test_create_removes_an_auth0_user_created_before_a_timeout(auth0, group):
    auth0.fail("user_create", applied=True)

    with pytest.raises(ServiceUnavailableError):
        services.user_create(data=JANE)

    assert auth0.users == {}
    assert not User.objects.exists()


def test_create_never_removes_someone_elses_auth0_user_after_a_timeout(auth0, group):
    other = auth0.add_user(email="jane@example.com", app_metadata={"umsId": "someone-else"})
    auth0.fail("user_create")

    with pytest.raises(ServiceUnavailableError):
        services.user_create(data=JANE)

    assert list(auth0.users) == [other.user_id]


def test_create_again_after_a_failed_cleanup_points_to_with_id(auth0, group):
    auth0.fail("user_create", applied=True)
    auth0.fail("users_by_email")  # the immediate cleanup fails too (and no rechecks here)

    with pytest.raises(ServiceUnavailableError):
        services.user_create(data=JANE)
    with pytest.raises(UserExistsError) as error:
        services.user_create(data=JANE)

    assert error.value.message == (
        "Auth0 already has a user with email jane@example.com; link it with POST /users/with-id."
    )
    assert len(auth0.users) == 1  # never deleted on a guess: reconcile_users reports it


def test_create_undoes_the_auth0_user_when_the_row_cannot_be_written(auth0, group, monkeypatch):
    # Another request inserts the same email between the check and the insert.
    monkeypatch.setattr(user_services, "_check_unique", lambda user: None)
    User.objects.create(user_group=group, email="jane@example.com")

    with pytest.raises(UserExistsError):
        services.user_create(data=JANE)

    assert auth0.users == {}
    assert User.objects.count() == 1


def test_create_sends_a_password_change_ticket_when_asked(auth0, group):
    user = services.user_create(data=JANE, send_reset_password_email=True)

    assert auth0.tickets == [user.auth_user_id]


def test_a_failed_password_email_does_not_undo_the_user(auth0, group):
    auth0.fail("password_change_ticket")

    user = services.user_create(data=JANE, send_reset_password_email=True)

    assert user.auth_user_id in auth0.users
    assert User.objects.filter(pk=user.pk).exists()


# --- link (POST /users/with-id) ---------------------------------------------------------


def test_link_creates_the_row_and_mirrors_groups_to_auth0(auth0, group):
    remote = auth0.add_user(email="jane@example.com", name="Jane", app_metadata={"x": 1})

    user = services.user_link(
        auth_user_id=remote.user_id, data={"userGroup": "customer", "name": "Jane"}
    )

    assert user.email == "jane@example.com"
    assert user.auth_user_id == remote.user_id
    assert dict(auth0.users[remote.user_id].app_metadata) == {
        "x": 1,
        "groups": ["customer"],
        "umsId": user.id,
    }


def test_link_refuses_an_auth_user_id_already_linked(auth0, user_factory):
    user = user_factory()

    with pytest.raises(UserExistsError) as error:
        services.user_link(auth_user_id=user.auth_user_id, data={"userGroup": "customer"})

    assert error.value.status == 409


def test_link_refuses_an_unknown_auth0_user(auth0, group):
    with pytest.raises(NotFoundError):
        services.user_link(auth_user_id="auth0|missing", data={"userGroup": "customer"})

    assert not User.objects.exists()


def test_link_leaves_auth0_as_it_was_when_the_patch_times_out(auth0, group):
    remote = auth0.add_user(email="jane@example.com", name="Jane")
    auth0.fail("user_update", applied=True)

    with pytest.raises(ServiceUnavailableError):
        services.user_link(auth_user_id=remote.user_id, data={"userGroup": "customer"})

    assert auth0.users[remote.user_id].groups == ()
    assert auth0.users[remote.user_id].app_metadata.get("umsId") is None
    assert not User.objects.exists()


# --- register ---------------------------------------------------------------------------


def test_register_creates_the_auth0_user_of_a_postponed_user(auth0, group):
    user = services.user_create(data=JANE, postpone_auth_user_creation=True)

    registered = services.user_register(user_id=user.id, password="Later-Passw0rd!")

    assert User.objects.get().auth_user_id == registered.auth_user_id
    assert auth0.passwords[registered.auth_user_id] == "Later-Passw0rd!"


def test_register_twice_is_a_conflict(auth0, user_factory):
    user = user_factory()

    with pytest.raises(UserExistsError):
        services.user_register(user_id=user.id)


def test_register_is_refused_for_a_group_without_auth0_users(auth0, group_factory):
    group_factory("partner", authUserCreationDisabled=True)
    user = services.user_create(data={**JANE, "userGroup": "partner"})

    with pytest.raises(AuthUserCreationDisabledError):
        services.user_register(user_id=user.id)

    assert auth0.users == {}


def test_register_undoes_the_auth0_user_when_the_row_was_registered_meanwhile(
    auth0, group, monkeypatch
):
    user = services.user_create(data=JANE, postpone_auth_user_creation=True)
    real_create = user_services.mirror.create_auth0_user

    def create_then_race(target, *, password):
        remote = real_create(target, password=password)
        User.objects.filter(pk=target.pk).update(auth_user_id="auth0|other-request")
        return remote

    monkeypatch.setattr(user_services.mirror, "create_auth0_user", create_then_race)

    with pytest.raises(UserExistsError):
        services.user_register(user_id=user.id)

    assert auth0.users == {}


# --- update -----------------------------------------------------------------------------


def test_update_mirrors_email_name_blocked_and_group(auth0, user_factory, group_factory):
    group_factory("vip")
    user = user_factory()
    auth0.calls.clear()

    updated = services.user_update(
        user_id=user.id,
        values={"email": "New@Example.com", "name": "New", "blocked": True, "userGroup": "vip"},
    )

    remote = remote_of(auth0, updated)
    assert (remote.email, remote.name, remote.blocked, remote.groups) == (
        "new@example.com",
        "New",
        True,
        ("vip",),
    )
    assert remote.app_metadata["umsId"] == user.id
    assert auth0.calls == ["user_update"]


def test_update_of_local_only_fields_does_not_call_auth0(auth0, user_factory):
    user = user_factory()
    auth0.calls.clear()

    updated = services.user_update(user_id=user.id, values={"plan": "silver", "username": "u1"})

    assert auth0.calls == []
    assert (updated.extra, updated.username) == ({"plan": "silver"}, "u1")


def test_update_can_unset_extra_fields(auth0, user_factory):
    user = user_factory(plan="gold", tier=2)

    updated = services.user_update(user_id=user.id, values={}, unset=frozenset({"plan"}))

    assert User.objects.get(pk=updated.pk).extra == {"tier": 2}


@pytest.mark.parametrize(
    ("values", "unset", "errors"),
    [
        pytest.param({"authUserId": "auth0|x"}, set(), {"authUserId": ["cannot be set"]}, id="set"),
        pytest.param({}, {"authUserId"}, {"authUserId": ["cannot be set"]}, id="unset"),
        pytest.param({}, {"email"}, {"email": ["cannot be removed"]}, id="unset-email"),
        pytest.param({"name": 42}, set(), {"name": ["must be a string"]}, id="type"),
    ],
)
def test_update_refuses_forbidden_changes(auth0, user_factory, values, unset, errors):
    user = user_factory()

    with pytest.raises(InvalidDocumentError) as error:
        services.user_update(user_id=user.id, values=values, unset=frozenset(unset))

    assert error.value.errors == errors


def test_update_to_an_unknown_group_is_refused(auth0, user_factory):
    user = user_factory()

    with pytest.raises(UnknownUserGroupError):
        services.user_update(user_id=user.id, values={"userGroup": "ghosts"})


def test_update_result_must_satisfy_the_new_groups_schema(auth0, user_factory, group_factory):
    group_factory("strict", crudSchema={"type": "object", "required": ["customerId"]})
    user = user_factory()
    auth0.calls.clear()

    with pytest.raises(InvalidDocumentError) as error:
        services.user_update(user_id=user.id, values={"userGroup": "strict"})

    assert error.value.errors == {"customerId": ["'customerId' is a required property"]}
    assert auth0.calls == []


@pytest.mark.parametrize("applied", [False, True], ids=["not-applied", "applied-then-timeout"])
def test_update_leaves_both_sides_unchanged_when_auth0_fails(auth0, user_factory, applied):
    user = user_factory()
    auth0.fail("user_update", applied=applied)

    with pytest.raises(ServiceUnavailableError):
        services.user_update(user_id=user.id, values={"name": "Changed", "blocked": True})

    assert (User.objects.get().name, User.objects.get().blocked) == (user.name, False)
    remote = remote_of(auth0, user)
    assert (remote.name, remote.blocked) == (user.name, False)


def test_update_reverts_auth0_when_the_row_cannot_be_saved(auth0, user_factory, monkeypatch):
    user = user_factory()

    def broken_save(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(User, "save", broken_save)

    with pytest.raises(DatabaseError):
        services.user_update(user_id=user.id, values={"name": "Changed"})

    assert remote_of(auth0, user).name == user.name


def test_update_to_an_email_another_user_has_is_a_conflict(auth0, user_factory):
    user_factory(email="taken@example.com")
    user = user_factory()

    with pytest.raises(UserExistsError):
        services.user_update(user_id=user.id, values={"email": "taken@example.com"})


# --- delete -----------------------------------------------------------------------------


def test_delete_removes_both_sides(auth0, user_factory):
    user = user_factory()

    services.user_delete(user_id=user.id)

    assert auth0.users == {}
    assert not User.objects.exists()


def test_delete_blocks_the_auth0_user_without_hard_delete(auth0, user_factory, settings):
    from dataclasses import replace

    settings.USERMANAGER = replace(settings.USERMANAGER, auth_hard_delete=False)
    user = user_factory()

    services.user_delete(user_id=user.id)

    assert remote_of(auth0, user).blocked is True
    assert "umsId" not in remote_of(auth0, user).app_metadata
    assert not User.objects.exists()
    with pytest.raises(UserExistsError):  # a blocked, deleted user is not a leftover
        services.user_create(data={"userGroup": "customer", "email": user.email, "name": "X"})


def test_delete_keeps_the_row_when_auth0_fails(auth0, user_factory):
    user = user_factory()
    auth0.fail("user_delete", Auth0BadGatewayError("Auth0 failed (500)."))

    with pytest.raises(BadGatewayError):
        services.user_delete(user_id=user.id)

    assert User.objects.filter(pk=user.pk).exists()
    assert user.auth_user_id in auth0.users


def test_delete_after_a_timeout_that_deleted_in_auth0_finishes_on_retry(auth0, user_factory):
    user = user_factory()
    auth0.fail("user_delete", applied=True)

    with pytest.raises(ServiceUnavailableError):
        services.user_delete(user_id=user.id)
    services.user_delete(user_id=user.id)

    assert auth0.users == {}
    assert not User.objects.exists()


def test_delete_of_an_unknown_user_is_404(auth0, db):
    with pytest.raises(UserNotFoundError):
        services.user_delete(user_id="0" * 24)


def test_change_password_creates_a_ticket(auth0, user_factory):
    user = user_factory()

    services.user_change_password(auth_user_id=user.auth_user_id)

    assert auth0.tickets == [user.auth_user_id]


def test_fake_client_reports_conflicts_like_auth0(auth0):
    auth0.add_user(email="a@example.com")

    with pytest.raises(Auth0UserExistsError):
        auth0.user_create(email="a@example.com", password="x")


# --- rechecks after an uncertain failure ------------------------------------------------


def test_a_create_that_lands_after_the_timeout_is_removed_by_the_recheck(
    auth0, group, inline_rechecks
):
    auth0.fail("user_create", applied=True)
    auth0.fail("users_by_email")  # the immediate cleanup cannot look either

    with pytest.raises(ServiceUnavailableError):
        services.user_create(data=JANE)

    assert inline_rechecks == ["recheck"]
    assert auth0.users == {}
    assert not User.objects.exists()


def test_a_delete_that_lands_after_the_timeout_is_finished_locally(
    auth0, user_factory, inline_rechecks
):
    user = user_factory()
    auth0.fail("user_delete", applied=True)

    with pytest.raises(ServiceUnavailableError):
        services.user_delete(user_id=user.id)

    assert auth0.users == {}
    assert not User.objects.exists()


def test_a_delete_that_did_not_land_keeps_both_sides(auth0, user_factory, inline_rechecks):
    user = user_factory()
    auth0.fail("user_delete", Auth0BadGatewayError("Auth0 failed (500)."))

    with pytest.raises(BadGatewayError):
        services.user_delete(user_id=user.id)

    assert User.objects.filter(pk=user.pk).exists()
    assert user.auth_user_id in auth0.users


def test_a_patch_that_lands_late_is_overwritten_with_the_local_values(
    auth0, user_factory, inline_rechecks
):
    user = user_factory()
    auth0.fail("user_update", applied=True)
    auth0.fail("user_update")  # the immediate revert times out as well

    with pytest.raises(ServiceUnavailableError):
        services.user_update(user_id=user.id, values={"name": "Changed"})

    assert auth0.users[user.auth_user_id].name == user.name
    assert User.objects.get().name == user.name
