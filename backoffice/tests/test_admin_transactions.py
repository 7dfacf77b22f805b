"""The back office calls Auth0 with no database transaction open.

Django's add, change and delete views run in a transaction; on SQLite (`BEGIN IMMEDIATE`) that is
the database's write lock, which every sign-in would wait on for as long as Auth0 takes to answer.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection

from auth0client import management
from auth0client.tests.fakes import FakeManagementClient
from usermanager.models import User

pytestmark = pytest.mark.django_db(transaction=True)

USERS = "/backoffice/usermanager/user/"


class TransactionWitness:
    """The fake Management API, noting for each call whether a transaction was open."""

    def __init__(self, fake: FakeManagementClient) -> None:
        self.fake = fake
        self.calls: list[tuple[str, bool]] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.fake, name)

        def witnessed(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, connection.in_atomic_block))
            return method(*args, **kwargs)

        return witnessed


@pytest.fixture
def witness(auth0: FakeManagementClient, monkeypatch: pytest.MonkeyPatch) -> TransactionWitness:
    witness = TransactionWitness(auth0)
    monkeypatch.setattr(management, "get_management_client", lambda: witness)
    return witness


def test_adding_editing_and_deleting_a_user_call_auth0_outside_any_transaction(
    admin_browser, witness, group
):
    form = {"user_group": "customer", "email": "new@example.com", "name": "New", "extra": "{}"}

    added = admin_browser.post(f"{USERS}add/", {**form, "password": "Str0ng-Passw0rd!"})
    user = User.objects.get(email="new@example.com")
    changed = admin_browser.post(f"{USERS}{user.pk}/change/", {**form, "name": "Newer"})
    deleted = admin_browser.post(f"{USERS}{user.pk}/delete/", {"post": "yes"})

    assert [r.status_code for r in (added, changed, deleted)] == [HTTPStatus.FOUND] * 3
    assert [name for name, _ in witness.calls] == ["user_create", "user_update", "user_update"]
    assert [in_transaction for _, in_transaction in witness.calls] == [False] * 3
