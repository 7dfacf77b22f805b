"""What a local user looks like in Auth0, and the calls that keep the two in step."""

from __future__ import annotations

import logging
import re
import secrets
import string
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from auth0client import management, session_cache
from auth0client.errors import (
    Auth0BadGatewayError,
    Auth0RateLimitedError,
    Auth0UnavailableError,
    Auth0UserExistsError,
    Auth0UserNotFoundError,
)
from auth0client.management import ManagementClient, ManagementUser, UserChanges
from auth0client.sessions import user_sessions_end
from authgw.errors import ApiError
from usermanager.errors import Auth0UserConflictError
from usermanager.models import RemovedAuthUser, User, UserState
from usermanager.services.followup import Check, recheck

logger = logging.getLogger(__name__)

# Errors after which Auth0 may or may not have applied the call (but see `maybe_applied`).
UNCERTAIN = (Auth0BadGatewayError, Auth0UnavailableError)


def maybe_applied(error: Exception) -> bool:
    """False for a call Auth0 refused with 429 every time: nothing to undo or recheck."""
    return not isinstance(error, Auth0RateLimitedError)


# app_metadata key naming the local `_id`: it tells our own half-created users from others.
UMS_ID_KEY = "umsId"
_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!@#$%^&*-_=+?")


def client() -> ManagementClient:
    return management.get_management_client()


def random_password(length: int | None = None) -> str:
    """Meets Auth0's strongest policy: 4 character classes, no character 3 times in a row."""
    size = max(12, length or settings.USERMANAGER.random_password_length)
    generator = secrets.SystemRandom()
    while True:
        chars = [generator.choice(chars) for chars in _CLASSES]
        chars += [generator.choice("".join(_CLASSES)) for _ in range(size - len(chars))]
        generator.shuffle(chars)
        password = "".join(chars)
        if re.search(r"(.)\1\1", password) is None:
            return password


def auth0_profile(user: User) -> UserChanges:
    """The Auth0 fields that mirror the local user."""
    profile = UserChanges(
        email=user.email,
        blocked=user.blocked_in_auth0,
        app_metadata={"groups": list(user.groups)},
    )
    if user.name:
        profile["name"] = user.name
    return profile


def profile_changes(before: UserChanges, after: UserChanges) -> UserChanges:
    changes = UserChanges()
    for key, value in after.items():
        if before.get(key) != value:
            changes[key] = value  # type: ignore[literal-required]
    return changes


def create_auth0_user(user: User, *, password: str | None) -> ManagementUser:
    """Creates the Auth0 half; on an uncertain failure, removes whatever it may have created."""
    try:
        return _post_user(user, password)
    except Auth0UserExistsError:
        raise Auth0UserConflictError(
            f"Auth0 already has a user with email {user.email}; link it with POST /users/with-id."
        ) from None
    except UNCERTAIN as error:
        if maybe_applied(error):
            undo(lambda: delete_leftovers(user.email, user.id), f"the Auth0 user of {user.id}")
            recheck(created_user(user.email, user.id), f"the create of {user.id}")
        raise


def _post_user(user: User, password: str | None) -> ManagementUser:
    profile = auth0_profile(user)
    return client().user_create(
        email=user.email,
        password=password or random_password(),
        name=profile.get("name"),
        blocked=profile["blocked"],
        app_metadata={**profile["app_metadata"], UMS_ID_KEY: user.id},
    )


def delete_leftovers(email: str, ums_id: str) -> bool:
    """Deletes the Auth0 users with this email that the failed create of local user `ums_id`
    left behind (they carry its `umsId`). True if there was one."""
    deleted = False
    for remote in client().users_by_email(email):
        if remote.app_metadata.get(UMS_ID_KEY) == ums_id:
            client().user_delete(remote.user_id)
            deleted = True
    return deleted


def is_leftover(remote: ManagementUser) -> bool:
    """An Auth0 user marked by a create whose local row was never written."""
    marker = remote.app_metadata.get(UMS_ID_KEY)
    if not marker:
        return False
    return not User.objects.filter(pk=marker, auth_user_id=remote.user_id).exists()


def update_auth0_user(
    auth_user_id: str, changes: UserChanges, before: UserChanges, *, user_id: str = ""
) -> None:
    """PATCHes Auth0; if the outcome is uncertain, puts the previous values back."""
    if not changes or not auth_user_id:
        return
    try:
        client().user_update(auth_user_id, changes)
    except UNCERTAIN as error:
        if maybe_applied(error):
            revert_auth0_user(auth_user_id, changes, before)
            if user_id:
                recheck(pushed_profile(user_id), f"the update of {user_id}")
        raise


def delete_auth0_user(user: User, *, keep_row: bool) -> None:
    """Deletes the Auth0 user; if the outcome is uncertain, the local half follows Auth0 later."""
    try:
        client().user_delete(user.auth_user_id)
    except UNCERTAIN as error:
        if maybe_applied(error):
            check = deleted_user(user.id, user.auth_user_id, keep_row=keep_row)
            recheck(check, f"the delete of {user.id}")
        raise


def revert_auth0_user(auth_user_id: str, changes: UserChanges, before: UserChanges) -> None:
    previous = UserChanges()
    for key in changes:
        if key in before:
            previous[key] = before[key]  # type: ignore[literal-required]
    if previous:
        undo(lambda: client().user_update(auth_user_id, previous), f"Auth0 user {auth_user_id}")


def undo(action: Callable[[], Any], what: str) -> None:
    """Best effort: a failed undo is logged for reconcile_users; the original error still wins."""
    try:
        action()
    except ApiError as exc:
        logger.error(
            "could not undo the change to %s (%s); run `manage.py reconcile_users --fix`",
            what,
            exc.message,
        )


def forget_identity(user: User) -> None:
    """Drops the cached merged identity so a change reaches /userinfo and the acl at once."""
    if user.auth_user_id:
        cache.delete(identity_cache_key(user.auth_user_id))
        session_cache.invalidate(user_ids=[user.auth_user_id])


def remember_removed(user: User) -> None:
    """Before the Auth0 user is deleted or blocked for a local delete: its tokens may outlive
    both halves, and UMS_UNLINKED_USERS=claims must never sign a deleted user in again."""
    if user.auth_user_id:
        RemovedAuthUser.objects.get_or_create(auth_user_id=user.auth_user_id)


def may_sign_in(user: User) -> bool:
    return user.state == UserState.PUBLIC and not user.blocked


def end_sessions(auth_user_id: str) -> None:
    """Signs the user out everywhere (issue 9 item 9; django-allauth CVE-2025-65430): sessions
    live in the shared store, so every instance sees them gone at once. A store failure raises
    503, and calling the operation again ends them."""
    if auth_user_id:
        ended = user_sessions_end(auth_user_id)
        if ended:
            logger.info("ended %s session(s) of %s", ended, auth_user_id)


def identity_cache_key(auth_user_id: str) -> str:
    return f"usermanager:identity:{auth_user_id}"


# --- checks for followup.recheck ---------------------------------------------------------


def created_user(email: str, ums_id: str) -> Check:
    """After a create: delete the Auth0 user if it shows up (its row was never written)."""
    return lambda: delete_leftovers(email, ums_id)


def pushed_profile(user_id: str) -> Check:
    """After a PATCH: put the local values back over whatever landed late."""

    def check() -> bool:
        user = User.objects.select_related("user_group").filter(pk=user_id).first()
        if user is not None and user.auth_user_id:
            client().user_update(user.auth_user_id, auth0_profile(user))
        return False  # keep overwriting until the last check: a late PATCH may still come

    return check


def deleted_user(user_id: str, auth_user_id: str, *, keep_row: bool) -> Check:
    """After a delete: if Auth0 did delete, finish the local half (the row, or state DELETED)."""

    def check() -> bool:
        try:
            client().user_get(auth_user_id)
        except Auth0UserNotFoundError:
            rows = User.objects.filter(pk=user_id, auth_user_id=auth_user_id)
            if keep_row:
                rows.update(state=UserState.DELETED, auth_user_id="")
            else:
                rows.delete()
            return True
        return False

    return check
