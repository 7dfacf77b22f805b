"""The Users actions: each calls a usermanager service; a refusal leaves the user as it was."""

from __future__ import annotations

import re
from dataclasses import replace
from http import HTTPStatus

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages

from auth0client.errors import Auth0BadGatewayError, Auth0UnavailableError
from usermanager.models import User

pytestmark = pytest.mark.django_db

USERS = "/backoffice/usermanager/user/"


def run(browser, action: str, *users: User):
    """Runs an action; returns the messages the list page then shows."""
    selected = [user.pk for user in users]
    response = browser.post(USERS, {"action": action, "_selected_action": selected}, follow=True)
    assert response.redirect_chain == [(USERS, HTTPStatus.FOUND)]
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def history(user: User) -> list[tuple[int, str, str]]:
    entries = LogEntry.objects.filter(object_id=user.pk).order_by("action_time", "pk")
    return [(e.action_flag, e.user.get_username(), e.change_message) for e in entries]


def changes(user: User) -> list[str]:
    return [message for flag, _, message in history(user) if flag == CHANGE]


@pytest.fixture
def ann(user_factory):
    return user_factory(email="ann@example.com", name="Ann")


@pytest.fixture
def bob(user_factory):
    return user_factory(email="bob@example.com", name="Bob")


def test_the_issue_actions_are_offered_and_bulk_hard_delete_is_not(admin_browser, ann):
    page = admin_browser.get(USERS).content.decode()

    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', page, re.DOTALL).group(1)
    assert re.findall(r'<option value="(\w+)"', select) == [
        "block",
        "unblock",
        "send_password_change",
        "move_to_trash",
        "move_to_public",
        "reconcile_with_auth0",
    ]


def test_block_blocks_here_and_in_auth0_and_records_it(admin_browser, auth0, ann, bob):
    User.objects.filter(pk=bob.pk).update(blocked=True)

    messages = run(admin_browser, "block", ann, bob)

    assert messages == [
        ("info", "bob@example.com: already blocked"),
        ("success", "Blocked: 1 user."),
    ]
    ann.refresh_from_db()
    assert ann.blocked is True
    assert auth0.users[ann.auth_user_id].blocked is True
    assert history(ann)[-1] == (
        CHANGE,
        "auth0|admin",
        "Changed Blocked: false → true (here and in Auth0).",
    )


def test_auth0_failing_during_block_is_an_admin_message_and_nothing_changes(
    admin_browser, auth0, ann, bob
):
    auth0.fail("user_update", Auth0BadGatewayError("Auth0 failed on PATCH /api/v2/users (500)."))

    messages = run(admin_browser, "block", ann, bob)

    assert messages == [
        ("error", "ann@example.com: Auth0 failed on PATCH /api/v2/users (500)."),
        ("success", "Blocked: 1 user."),
    ]
    ann.refresh_from_db()
    assert ann.blocked is False
    assert auth0.users[ann.auth_user_id].blocked is False
    assert changes(ann) == []
    bob.refresh_from_db()
    assert (bob.blocked, auth0.users[bob.auth_user_id].blocked) == (True, True)


def test_auth0_timing_out_during_block_puts_auth0_back(admin_browser, auth0, ann):
    # Auth0 applied the block but the answer was lost: the service reverts it.
    auth0.fail("user_update", applied=True)

    messages = run(admin_browser, "block", ann)

    assert messages == [("error", "ann@example.com: Auth0 did not answer (fake timeout).")]
    ann.refresh_from_db()
    assert ann.blocked is False
    assert auth0.users[ann.auth_user_id].blocked is False


def test_unblock(admin_browser, auth0, user_factory):
    carl = user_factory(email="carl@example.com", name="Carl", blocked=True)
    assert auth0.users[carl.auth_user_id].blocked is True

    messages = run(admin_browser, "unblock", carl)

    assert messages == [("success", "Unblocked: 1 user.")]
    carl.refresh_from_db()
    assert (carl.blocked, auth0.users[carl.auth_user_id].blocked) == (False, False)
    assert changes(carl) == ["Changed Blocked: true → false (here and in Auth0)."]


def test_send_password_change(admin_browser, auth0, ann, user_factory):
    waiting = User.objects.create(user_group=ann.user_group, email="w@example.com", name="W")

    messages = run(admin_browser, "send_password_change", ann, waiting)

    assert auth0.tickets == [ann.auth_user_id]
    assert sorted(messages) == [
        ("info", "w@example.com: has no Auth0 user yet"),
        ("success", "Password-change sent: 1 user."),
    ]
    assert changes(ann) == ["Sent an Auth0 password-change ticket."]


def test_send_password_change_failing_is_an_admin_message(admin_browser, auth0, ann):
    auth0.fail("password_change_ticket", Auth0UnavailableError("Auth0 did not answer."))

    messages = run(admin_browser, "send_password_change", ann)

    assert messages == [("error", "ann@example.com: Auth0 did not answer.")]
    assert auth0.tickets == []
    assert changes(ann) == []


def test_move_to_trash_and_back_to_public(admin_browser, auth0, ann):
    assert run(admin_browser, "move_to_trash", ann) == [("success", "Moved to TRASH: 1 user.")]
    ann.refresh_from_db()
    assert (ann.state, auth0.users[ann.auth_user_id].blocked) == ("TRASH", True)

    assert run(admin_browser, "move_to_public", ann) == [("success", "Moved to PUBLIC: 1 user.")]
    ann.refresh_from_db()
    assert (ann.state, auth0.users[ann.auth_user_id].blocked) == ("PUBLIC", False)
    assert changes(ann) == [
        "Changed State: PUBLIC → TRASH (blocked in Auth0).",
        "Changed State: TRASH → DRAFT (blocked in Auth0).",
        "Changed State: DRAFT → PUBLIC (unblocked in Auth0 unless Blocked).",
    ]


def test_moves_with_nothing_to_do_say_so(admin_browser, auth0, ann):
    assert run(admin_browser, "move_to_public", ann) == [
        ("info", "ann@example.com: already PUBLIC")
    ]
    User.objects.filter(pk=ann.pk).update(state="DELETED")
    assert run(admin_browser, "move_to_trash", ann) == [
        ("info", "ann@example.com: already DELETED")
    ]


def test_a_move_back_that_stops_halfway_records_the_step_it_made(
    admin_browser, auth0, ann, monkeypatch
):
    run(admin_browser, "move_to_trash", ann)
    calls = []
    real_update = auth0.user_update

    def second_call_fails(user_id, changes):
        calls.append(changes)
        if len(calls) == 2:
            raise Auth0BadGatewayError("Auth0 failed on PATCH (500).")
        return real_update(user_id, changes)

    monkeypatch.setattr(auth0, "user_update", second_call_fails)

    messages = run(admin_browser, "move_to_public", ann)

    assert messages == [("error", "ann@example.com: Auth0 failed on PATCH (500).")]
    ann.refresh_from_db()
    assert (ann.state, auth0.users[ann.auth_user_id].blocked) == ("DRAFT", True)
    assert changes(ann)[-1] == "Changed State: TRASH → DRAFT (blocked in Auth0)."


def test_reconcile_puts_auth0_back_in_step_with_the_local_user(admin_browser, auth0, ann, bob):
    remote = auth0.users[ann.auth_user_id]
    auth0.users[ann.auth_user_id] = replace(
        remote, app_metadata={**remote.app_metadata, "groups": ["admin"]}
    )

    messages = run(admin_browser, "reconcile_with_auth0", ann, bob)

    assert sorted(messages) == [
        ("info", "bob@example.com: already in step with Auth0"),
        ("success", "Reconciled with Auth0: 1 user."),
    ]
    assert auth0.users[ann.auth_user_id].app_metadata["groups"] == ["customer"]
    assert changes(ann) == [
        "Reconciled with Auth0: groups-differ (Auth0 ['admin'], local ['customer']): "
        "Auth0 updated from the local user."
    ]


def test_reconcile_when_auth0_cannot_be_read(admin_browser, auth0, ann):
    auth0.fail("iter_users", Auth0UnavailableError("Auth0 did not answer."))

    messages = run(admin_browser, "reconcile_with_auth0", ann)

    assert messages == [("error", "Auth0 could not be read: Auth0 did not answer.")]
    assert changes(ann) == []
