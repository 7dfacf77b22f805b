"""The Users table's actions; each one calls a usermanager service per selected user.

A user the service refuses is named in an error message and left as it was; every change that
did happen is recorded in the user's history at once (a multi-step move records each step).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from authgw.errors import ApiError
from usermanager.models import User, UserState
from usermanager.services import user_change_password, user_update
from usermanager.services.reconcile import reconcile_fix, reconcile_scan
from usermanager.services.states import user_change_state

PUBLIC, DRAFT, TRASH, DELETED = (
    UserState.PUBLIC.value,
    UserState.DRAFT.value,
    UserState.TRASH.value,
    UserState.DELETED.value,
)
# The CRUD state machine has no TRASH -> PUBLIC edge: going back walks through DRAFT.
BACK_TO_PUBLIC: dict[str, tuple[str, ...]] = {TRASH: (DRAFT, PUBLIC), DRAFT: (PUBLIC,)}

Record = Callable[[str], object]  # writes a history entry; what it returns is not used
Operation = Callable[[User, Record], None]


class SkippedError(Exception):
    """Nothing to do for this user (already blocked, no Auth0 user, ...)."""


def run_per_user(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    users: QuerySet[User],
    done_text: str,
    operation: Operation,
) -> None:
    done = 0
    for user in users:

        def record(message: str, user: User = user) -> None:
            model_admin.log_change(request, user, message)

        try:
            operation(user, record)
        except SkippedError as exc:
            model_admin.message_user(request, f"{user.email}: {exc}", messages.INFO)
        except ApiError as exc:
            text = f"{user.email}: {exc.message}"
            model_admin.message_user(request, text, messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, f"{done_text}: {_users(done)}.", messages.SUCCESS)


def _users(count: int) -> str:
    return f"{count} user" if count == 1 else f"{count} users"


def set_blocked(blocked: bool) -> Operation:
    def operation(user: User, record: Record) -> None:
        if user.blocked == blocked:
            raise SkippedError("already blocked" if blocked else "not blocked")
        user_update(user_id=user.pk, values={"blocked": blocked})
        where = "here and in Auth0"
        record(f"Changed Blocked: {str(not blocked).lower()} → {str(blocked).lower()} ({where}).")

    return operation


def send_password_change(user: User, record: Record) -> None:
    if not user.auth_user_id:
        raise SkippedError("has no Auth0 user yet")
    user_change_password(auth_user_id=user.auth_user_id)
    record("Sent an Auth0 password-change ticket.")


def move_to(user: User, record: Record, state: str) -> None:
    before = user.state
    user_change_state(user=user, state_to=state)
    blocked = "blocked in Auth0" if state != PUBLIC else "unblocked in Auth0 unless Blocked"
    record(f"Changed State: {before} → {state} ({blocked}).")


def move_to_trash(user: User, record: Record) -> None:
    if user.state in (TRASH, DELETED):
        raise SkippedError(f"already {user.state}")
    move_to(user, record, TRASH)


def move_to_public(user: User, record: Record) -> None:
    steps = BACK_TO_PUBLIC.get(user.state)
    if steps is None:
        raise SkippedError(
            "already PUBLIC" if user.state == PUBLIC else f"is {user.state}; it cannot come back"
        )
    for state in steps:
        move_to(user, record, state)


def reconcile(model_admin: admin.ModelAdmin, request: HttpRequest, users: QuerySet[User]) -> None:
    """The selected users' drift (as `manage.py reconcile_users` finds it), repaired."""
    try:
        report = reconcile_scan()
    except ApiError as exc:
        model_admin.message_user(request, f"Auth0 could not be read: {exc.message}", messages.ERROR)
        return
    drifts: dict[str | None, list[Any]] = {}
    for drift in report.drifts:
        drifts.setdefault(drift.user_id, []).append(drift)

    def operation(user: User, record: Record) -> None:
        found = drifts.get(user.pk, [])
        if not found:
            raise SkippedError("already in step with Auth0")
        for drift in found:
            outcome = reconcile_fix(drift)
            record(f"Reconciled with Auth0: {drift.kind} ({drift.detail}): {outcome}.")

    run_per_user(model_admin, request, users, "Reconciled with Auth0", operation)
