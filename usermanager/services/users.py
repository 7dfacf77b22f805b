"""Creating, linking, registering, editing and deleting users: Auth0 and the database together.

Every write follows one rule: if either side fails, the other is undone. Auth0 is called first
(it owns the identity); a failed local write then undoes the Auth0 half. No database transaction
is held open across a call to Auth0.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from auth0client.management import ManagementUser, UserChanges
from authgw.errors import ApiError
from usermanager.documents import apply_fields, crud_document, validate_fields
from usermanager.errors import (
    AuthUserCreationDisabledError,
    InvalidDocumentError,
    UserExistsError,
)
from usermanager.models import User
from usermanager.selectors import ums_configuration_for_group, user_get
from usermanager.services import mirror

logger = logging.getLogger(__name__)


def user_create(
    *,
    data: Mapping[str, Any],
    password: str | None = None,
    postpone_auth_user_creation: bool = False,
    send_reset_password_email: bool = False,
) -> User:
    """POST /users: the local row and (unless postponed or disabled) its Auth0 user."""
    user = _new_user(data)
    configuration = ums_configuration_for_group(user_group=user.user_group_id)
    validate_fields(data, configuration)
    _check_unique(user)
    if postpone_auth_user_creation or configuration.auth_user_creation_disabled:
        _save(user, undo=None, force_insert=True)
        return user
    remote = mirror.create_auth0_user(user, password=password)
    user.auth_user_id = remote.user_id
    _save(user, undo=lambda: mirror.client().user_delete(remote.user_id), force_insert=True)
    if send_reset_password_email:
        _send_password_change(user)
    return user


def user_link(*, data: Mapping[str, Any], auth_user_id: str) -> User:
    """POST /users/with-id: a local row for an Auth0 user that already exists."""
    if User.objects.filter(auth_user_id=auth_user_id).exists():
        raise UserExistsError(f"authUserId {auth_user_id!r} is already linked to a user.")
    remote = mirror.client().user_get(auth_user_id)
    # Missing email and name are taken from Auth0.
    document = {"email": remote.email or "", "name": remote.name or "", **data}
    user = _new_user(document)
    user.auth_user_id = remote.user_id
    validate_fields(document, ums_configuration_for_group(user_group=user.user_group_id))
    _check_unique(user)
    before = _remote_profile(remote)
    after = mirror.auth0_profile(user)
    after["app_metadata"] = {**after["app_metadata"], mirror.UMS_ID_KEY: user.id}
    changes = mirror.profile_changes(before, after)
    mirror.update_auth0_user(remote.user_id, changes, before)
    _save(
        user,
        undo=lambda: mirror.revert_auth0_user(remote.user_id, changes, before),
        force_insert=True,
    )
    return user


def user_register(
    *, user_id: str, password: str | None = None, send_reset_password_email: bool = False
) -> User:
    """POST /users/register: the Auth0 user of a user created with postponed creation."""
    user = user_get(user_id=user_id)
    if user.auth_user_id:
        raise UserExistsError(f"User {user_id} already has the Auth0 user {user.auth_user_id}.")
    if user.user_group.auth_user_creation_disabled:
        raise AuthUserCreationDisabledError(
            f"Group {user.user_group_id!r} has authUserCreationDisabled: no Auth0 user for it."
        )
    remote = mirror.create_auth0_user(user, password=password)

    def link() -> None:
        if not User.objects.filter(pk=user.pk, auth_user_id="").update(auth_user_id=remote.user_id):
            raise UserExistsError(f"User {user_id} was registered by another request.")

    _write(link, undo=lambda: mirror.client().user_delete(remote.user_id))
    user.auth_user_id = remote.user_id
    if send_reset_password_email:
        _send_password_change(user)
    return user


def user_update(
    *, user_id: str, values: Mapping[str, Any], unset: frozenset[str] = frozenset()
) -> User:
    """PATCH /users/{id}: email, name, blocked and groups are mirrored to Auth0 first."""
    user = user_get(user_id=user_id)
    updated = copy.copy(user)
    apply_fields(updated, values, unset)
    kept = {field: value for field, value in crud_document(user).items() if field not in unset}
    document = {**kept, **values}
    validate_fields(document, ums_configuration_for_group(user_group=updated.user_group_id))
    _check_unique(updated)
    before = mirror.auth0_profile(user)
    changes = mirror.profile_changes(before, mirror.auth0_profile(updated))
    mirror.update_auth0_user(user.auth_user_id, changes, before, user_id=user.id)
    _save(updated, undo=lambda: mirror.revert_auth0_user(user.auth_user_id, changes, before))
    mirror.forget_identity(updated)
    if not mirror.may_sign_in(updated):
        mirror.end_sessions(updated.auth_user_id)
    return updated


def user_delete(*, user_id: str) -> None:
    """DELETE /users/{id}: the Auth0 user is deleted (AUTH_HARD_DELETE) or blocked, then the row."""
    user = user_get(user_id=user_id)
    mirror.remember_removed(user)
    if user.auth_user_id and settings.USERMANAGER.auth_hard_delete:
        # Not undoable; if the row survives, calling again finishes (Auth0 says it is gone).
        mirror.delete_auth0_user(user, keep_row=False)
        _write(user.delete, undo=None)
    elif user.auth_user_id:
        # Dropping the marker keeps the blocked Auth0 user from looking like a leftover.
        before = UserChanges(
            blocked=user.blocked_in_auth0, app_metadata={mirror.UMS_ID_KEY: user.id}
        )
        block = UserChanges(blocked=True, app_metadata={mirror.UMS_ID_KEY: None})
        mirror.update_auth0_user(user.auth_user_id, block, before, user_id=user.id)
        _write(user.delete, undo=lambda: mirror.revert_auth0_user(user.auth_user_id, block, before))
    else:
        _write(user.delete, undo=None)
    mirror.forget_identity(user)
    mirror.end_sessions(user.auth_user_id)


def user_change_password(*, auth_user_id: str) -> None:
    """POST /users/change-password (and the back office's action): an Auth0 password-change
    ticket for the user. Sessions end when the password actually changes (the
    post-change-password hook), not when the mail is sent: asking for a reset signs nobody out."""
    mirror.client().password_change_ticket(user_id=auth_user_id)


# --- helpers ------------------------------------------------------------------------------


def _new_user(data: Mapping[str, Any]) -> User:
    user = User()
    apply_fields(user, data)
    required = (("userGroup", user.user_group_id), ("email", user.email))
    missing = [field for field, value in required if not value]
    if missing:
        raise InvalidDocumentError(
            f"Required: {', '.join(missing)}.", {field: ["is required"] for field in missing}
        )
    return user


def _check_unique(user: User) -> None:
    others = User.objects.exclude(pk=user.pk)
    if others.filter(email=user.email).exists():
        raise UserExistsError(f"A user with email {user.email} already exists.")
    if user.username and others.filter(username=user.username).exists():
        raise UserExistsError(f"A user with username {user.username!r} already exists.")


def _save(user: User, *, undo: Callable[[], Any] | None, force_insert: bool = False) -> None:
    _write(lambda: user.save(force_insert=force_insert), undo=undo)


def _write(action: Callable[[], Any], *, undo: Callable[[], Any] | None) -> None:
    """The local half: on any database failure, undo the Auth0 half before reporting it."""
    try:
        with transaction.atomic():
            action()
    except (DatabaseError, ApiError) as exc:
        if undo is not None:
            mirror.undo(undo, "the Auth0 half of a failed local write")
        if isinstance(exc, IntegrityError):
            raise UserExistsError(
                "A user with this email, username or authUserId exists."
            ) from None
        raise


def _remote_profile(remote: ManagementUser) -> UserChanges:
    profile = UserChanges(
        email=remote.email or "",
        blocked=remote.blocked,
        app_metadata={
            "groups": list(remote.groups),
            mirror.UMS_ID_KEY: remote.app_metadata.get(mirror.UMS_ID_KEY),
        },
    )
    if remote.name:
        profile["name"] = remote.name
    return profile


def _send_password_change(user: User) -> None:
    # The user exists on both sides by now: a failed email must not undo it.
    try:
        mirror.client().password_change_ticket(user_id=user.auth_user_id)
    except ApiError as exc:
        logger.warning("password-change ticket for %s failed: %s", user.id, exc.message)
