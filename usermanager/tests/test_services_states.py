"""The state machine: allowed moves, their mirror in Auth0, and resuming after a failure."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auth0client.errors import Auth0BadGatewayError
from authgw.errors import BadGatewayError, ServiceUnavailableError
from usermanager import services
from usermanager.errors import InvalidDocumentError, InvalidStateTransitionError
from usermanager.models import User
from usermanager.selectors import UserFilters
from usermanager.services.states import TRANSITIONS

pytestmark = pytest.mark.django_db

STATES = ("PUBLIC", "DRAFT", "TRASH", "DELETED")
ALLOWED = {
    ("PUBLIC", "DRAFT"),
    ("PUBLIC", "TRASH"),
    ("DRAFT", "PUBLIC"),
    ("DRAFT", "TRASH"),
    ("TRASH", "DRAFT"),
    ("TRASH", "DELETED"),
    ("DELETED", "TRASH"),
}


def with_state(user: User, state: str) -> User:
    User.objects.filter(pk=user.pk).update(state=state)
    user.refresh_from_db()
    return user


def move(user: User, state: str) -> int:
    return services.users_change_state(filters=UserFilters(ids=(user.id,)), state_to=state)


def test_the_transition_table_is_the_issues():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(
    ("state_from", "state_to"),
    [pytest.param(a, b, id=f"{a}->{b}") for a in STATES for b in STATES if a != b],
)
def test_each_transition_is_allowed_or_refused_with_400(
    auth0, user_factory, settings, state_from, state_to
):
    settings.USERMANAGER = replace(settings.USERMANAGER, auth_hard_delete=False)
    user = with_state(user_factory(), state_from)

    if (state_from, state_to) in ALLOWED:
        assert move(user, state_to) == 1
        assert User.objects.get().state == state_to
        assert auth0.users[user.auth_user_id].blocked is (state_to != "PUBLIC")
    else:
        with pytest.raises(InvalidStateTransitionError) as error:
            move(user, state_to)
        assert error.value.status == 400
        assert User.objects.get().state == state_from


def test_public_unblocks_only_a_user_that_is_not_blocked_locally(auth0, user_factory):
    user = with_state(user_factory(blocked=True), "DRAFT")

    move(user, "PUBLIC")

    assert auth0.users[user.auth_user_id].blocked is True


def test_deleted_with_hard_delete_removes_the_auth0_user_and_keeps_the_row(auth0, user_factory):
    user = with_state(user_factory(), "TRASH")

    move(user, "DELETED")

    stored = User.objects.get()
    assert (stored.state, stored.auth_user_id) == ("DELETED", "")
    assert auth0.users == {}


def test_a_hard_deleted_user_can_come_back_to_trash_without_auth0(auth0, user_factory):
    user = with_state(user_factory(), "TRASH")
    move(user, "DELETED")
    auth0.calls.clear()

    move(User.objects.get(), "TRASH")

    assert User.objects.get().state == "TRASH"
    assert auth0.calls == []


def test_a_user_already_in_the_target_state_is_not_counted(auth0, user_factory):
    user = user_factory()

    assert move(user, "PUBLIC") == 0


def test_state_change_needs_a_filter_and_a_known_state(auth0, user_factory):
    with pytest.raises(InvalidDocumentError):
        services.users_change_state(filters=UserFilters(), state_to="TRASH")
    with pytest.raises(InvalidDocumentError):
        services.users_change_state(filters=UserFilters(user_group="customer"), state_to="GONE")


def test_one_refused_transition_refuses_the_whole_batch(auth0, user_factory):
    first = user_factory()
    with_state(user_factory(), "DELETED")

    with pytest.raises(InvalidStateTransitionError):
        services.users_change_state(filters=UserFilters(user_group="customer"), state_to="DRAFT")

    assert User.objects.get(pk=first.pk).state == "PUBLIC"
    assert auth0.users[first.auth_user_id].blocked is False


@pytest.mark.parametrize("applied", [False, True], ids=["not-applied", "applied-then-timeout"])
def test_a_batch_stopped_by_auth0_leaves_each_user_consistent_and_resumes(
    auth0, user_factory, applied
):
    first, second = user_factory(), user_factory()
    auth0.fail("user_update", applied=applied)  # the first user's block fails

    with pytest.raises(ServiceUnavailableError) as error:
        services.users_change_state(filters=UserFilters(user_group="customer"), state_to="TRASH")

    assert error.value.message.endswith("(0 of 2 users moved to TRASH; call again to resume)")
    for user in (first, second):
        assert User.objects.get(pk=user.pk).state == "PUBLIC"
        assert auth0.users[user.auth_user_id].blocked is False

    moved = services.users_change_state(
        filters=UserFilters(user_group="customer"), state_to="TRASH"
    )

    assert moved == 2
    assert [u.state for u in User.objects.all()] == ["TRASH", "TRASH"]
    assert all(remote.blocked for remote in auth0.users.values())


def test_a_failure_midway_reports_progress(auth0, user_factory):
    user_factory()
    user_factory()
    calls = {"n": 0}
    real = auth0.user_update

    def second_fails(user_id, changes):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Auth0BadGatewayError("Auth0 failed (500).")
        return real(user_id, changes)

    auth0.user_update = second_fails

    with pytest.raises(BadGatewayError) as error:
        services.users_change_state(filters=UserFilters(user_group="customer"), state_to="DRAFT")

    assert "(1 of 2 users moved to DRAFT; call again to resume)" in error.value.message
    assert sorted(User.objects.values_list("state", flat=True)) == ["DRAFT", "PUBLIC"]


# --- soft delete --------------------------------------------------------------------------


@pytest.mark.parametrize("state_from", STATES)
def test_soft_delete_walks_to_deleted(auth0, user_factory, state_from):
    user = with_state(user_factory(), state_from)

    services.user_soft_delete(user_id=user.id)

    assert User.objects.get().state == "DELETED"


def test_soft_delete_without_hard_delete_blocks_the_auth0_user(auth0, user_factory, settings):
    settings.USERMANAGER = replace(settings.USERMANAGER, auth_hard_delete=False)
    user = user_factory()

    services.user_soft_delete(user_id=user.id)

    assert User.objects.get().auth_user_id == user.auth_user_id
    assert auth0.users[user.auth_user_id].blocked is True


def test_soft_delete_stopped_midway_stays_in_trash_and_resumes(auth0, user_factory):
    user = user_factory()
    auth0.fail("user_delete", Auth0BadGatewayError("Auth0 failed (500)."))

    with pytest.raises(BadGatewayError) as error:
        services.user_soft_delete(user_id=user.id)

    assert error.value.message.startswith(f"Error while soft deleting user {user.id}: ")
    assert error.value.message.endswith("(the user is TRASH; call again to resume)")
    assert User.objects.get().state == "TRASH"
    assert auth0.users[user.auth_user_id].blocked is True

    services.user_soft_delete(user_id=user.id)

    assert User.objects.get().state == "DELETED"
    assert auth0.users == {}


def test_a_late_hard_delete_is_recorded_as_deleted_by_the_recheck(
    auth0, user_factory, inline_rechecks
):
    user = with_state(user_factory(), "TRASH")
    auth0.fail("user_delete", applied=True)

    with pytest.raises(ServiceUnavailableError):
        move(user, "DELETED")

    stored = User.objects.get()
    assert (stored.state, stored.auth_user_id) == ("DELETED", "")
    assert auth0.users == {}
