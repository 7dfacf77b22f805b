"""Issue 12 item 3: the back office's password action sends a ticket; its use ends the sessions."""

from __future__ import annotations

import pytest

from usermanager.tests import test_services_sessions
from usermanager.tests.test_services_sessions import alive

pytestmark = pytest.mark.django_db


# A user signed in twice (two browsers), and a bystander signed in once.
two_sessions = test_services_sessions.two_sessions


def test_the_back_office_password_action_sends_a_ticket_and_signs_nobody_out_yet(
    admin_browser, auth0, two_sessions
):
    user, sessions, other = two_sessions

    admin_browser.post(
        "/backoffice/usermanager/user/",
        {"action": "send_password_change", "_selected_action": [user.pk]},
    )

    assert auth0.tickets == [user.auth_user_id]
    assert [alive(sid) for sid in sessions] == [True, True]
    assert alive(other)
