"""The user state machine (PUBLIC, DRAFT, TRASH, DELETED) and its mirror in Auth0.

Each user moves one step at a time: Auth0 first, then the row. A failure leaves every user in a
state that matches Auth0, so calling again resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from auth0client.management import UserChanges
from authgw.errors import ApiError
from usermanager.errors import InvalidDocumentError, InvalidStateTransitionError
from usermanager.models import User, UserState
from usermanager.selectors import UserFilters, user_get, user_queryset
from usermanager.services import mirror

PUBLIC, DRAFT, TRASH, DELETED = (
    UserState.PUBLIC.value,
    UserState.DRAFT.value,
    UserState.TRASH.value,
    UserState.DELETED.value,
)
TRANSITIONS: Mapping[str, frozenset[str]] = {
    PUBLIC: frozenset({DRAFT, TRASH}),
    DRAFT: frozenset({PUBLIC, TRASH}),
    TRASH: frozenset({DRAFT, DELETED}),
    DELETED: frozenset({TRASH}),
}
SOFT_DELETE_STEPS: Mapping[str, tuple[str, ...]] = {
    PUBLIC: (TRASH, DELETED),
    DRAFT: (TRASH, DELETED),
    TRASH: (DELETED,),
    DELETED: (),
}


def users_change_state(*, filters: UserFilters, state_to: str) -> int:
    """POST /users/state: moves every matching user; returns how many moved."""
    if state_to not in TRANSITIONS:
        raise InvalidDocumentError(
            f"stateTo: must be one of {', '.join(TRANSITIONS)}.", {"stateTo": ["unknown state"]}
        )
    if filters.empty:
        raise InvalidDocumentError("filter: name at least one field.", {"filter": ["is empty"]})
    users = list(user_queryset(filters=filters).exclude(state=state_to))
    for user in users:
        check_transition(user, state_to)
    for done, user in enumerate(users):
        try:
            user_change_state(user=user, state_to=state_to)
        except ApiError as exc:
            exc.message = (
                f"{exc.message} ({done} of {len(users)} users moved to {state_to}; "
                "call again to resume)"
            )
            raise
    return len(users)


def user_soft_delete(*, user_id: str) -> None:
    """POST /users/{id}/soft-delete: walks to DELETED (e.g. PUBLIC→TRASH→DELETED)."""
    user = user_get(user_id=user_id)
    for state in SOFT_DELETE_STEPS[user.state]:
        try:
            user_change_state(user=user, state_to=state)
        except ApiError as exc:
            exc.message = (
                f"Error while soft deleting user {user_id}: {exc.message} "
                f"(the user is {user.state}; call again to resume)"
            )
            raise


def check_transition(user: User, state_to: str) -> None:
    if state_to not in TRANSITIONS[user.state]:
        raise InvalidStateTransitionError(
            f"User {user.id} cannot move from {user.state} to {state_to}; allowed: "
            f"{', '.join(sorted(TRANSITIONS[user.state])) or 'none'}."
        )


def user_change_state(*, user: User, state_to: str) -> None:
    """One step; `user` is updated in memory once both sides agree."""
    if user.state == state_to:
        return
    check_transition(user, state_to)
    if state_to == DELETED and user.auth_user_id and settings.USERMANAGER.auth_hard_delete:
        _delete_in_auth0(user)
        return
    before = UserChanges(blocked=user.blocked_in_auth0)
    blocked = UserChanges(blocked=user.blocked or state_to != PUBLIC)
    # Sent even when it looks unchanged: it also repairs an Auth0 user that drifted.
    mirror.update_auth0_user(user.auth_user_id, blocked, before, user_id=user.id)
    try:
        _save_state(user, state_to, auth_user_id=user.auth_user_id)
    except DatabaseError:
        mirror.revert_auth0_user(user.auth_user_id, blocked, before)
        raise


def _delete_in_auth0(user: User) -> None:
    # Not undoable: if saving fails, the next call deletes again (already gone) and saves.
    mirror.remember_removed(user)  # the row is about to lose its link to the Auth0 user
    mirror.delete_auth0_user(user, keep_row=True)
    mirror.forget_identity(user)
    mirror.end_sessions(user.auth_user_id)
    _save_state(user, DELETED, auth_user_id="")


def _save_state(user: User, state: str, *, auth_user_id: str) -> None:
    User.objects.filter(pk=user.pk).update(
        state=state, auth_user_id=auth_user_id, updated_at=timezone.now()
    )
    mirror.forget_identity(user)
    if state != PUBLIC:  # DRAFT, TRASH and DELETED users may not sign in
        mirror.end_sessions(user.auth_user_id)
    user.state, user.auth_user_id = state, auth_user_id
