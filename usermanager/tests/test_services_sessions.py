"""A user who may no longer sign in is signed out at once (issue 9 item 9).

Blocking, a move out of PUBLIC, a soft delete or a delete ends every session of the user in the
shared store; other changes and other users' sessions are left alone. Two product processes
sharing Redis are tested in tests/e2e/test_revocation.py.
"""

from __future__ import annotations

import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from auth0client.sessions import session_create, session_get_by_sid
from usermanager import services
from usermanager.models import User
from usermanager.selectors import UserFilters

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> str:
    tokens = SimpleNamespace(
        access_token=f"at-{user.id}-{time.monotonic_ns()}",
        expires_at=int(time.time()) + 3600,
        id_token=None,
        refresh_token=None,
    )
    sid, _ = session_create(
        client_type="web", user={"sub": user.auth_user_id, "email": user.email}, tokens=tokens
    )
    return sid


def alive(sid: str) -> bool:
    return session_get_by_sid(sid) is not None


@pytest.fixture
def two_sessions(user_factory):
    """A user signed in twice (two browsers), and a bystander signed in once."""
    user, bystander = user_factory(), user_factory()
    sessions = (signed_in(user), signed_in(user))
    other = signed_in(bystander)
    assert all(alive(sid) for sid in (*sessions, other))
    return user, sessions, other


@pytest.mark.parametrize(
    "end",
    [
        pytest.param(
            lambda user: services.user_update(user_id=user.id, values={"blocked": True}),
            id="block",
        ),
        pytest.param(
            lambda user: services.users_change_state(
                filters=UserFilters(ids=(user.id,)), state_to="DRAFT"
            ),
            id="to-draft",
        ),
        pytest.param(
            lambda user: services.users_change_state(
                filters=UserFilters(ids=(user.id,)), state_to="TRASH"
            ),
            id="to-trash",
        ),
        pytest.param(lambda user: services.user_soft_delete(user_id=user.id), id="soft-delete"),
        pytest.param(lambda user: services.user_delete(user_id=user.id), id="delete"),
    ],
)
def test_a_user_who_may_no_longer_sign_in_is_signed_out_everywhere(two_sessions, end):
    user, sessions, other = two_sessions

    end(user)

    assert [alive(sid) for sid in sessions] == [False, False]
    assert alive(other)


def test_soft_delete_keeping_the_auth0_user_signs_out_too(two_sessions, settings):
    settings.USERMANAGER = replace(settings.USERMANAGER, auth_hard_delete=False)
    user, sessions, _ = two_sessions

    services.user_soft_delete(user_id=user.id)

    assert [alive(sid) for sid in sessions] == [False, False]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"name": "Renamed"}, id="rename"),
        pytest.param({"blocked": False}, id="unblock-when-not-blocked"),
    ],
)
def test_other_changes_keep_the_sessions(two_sessions, values):
    user, sessions, _ = two_sessions

    services.user_update(user_id=user.id, values=values)

    assert [alive(sid) for sid in sessions] == [True, True]
