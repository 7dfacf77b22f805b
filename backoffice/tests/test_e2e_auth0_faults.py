"""The failure paths against a real Auth0 (the emulator over sockets, with its fault knobs):
Auth0 failing during create and during block gives an admin message and leaves nothing half-saved.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages

from auth0client import management
from auth0client.management import ManagementClient
from auth0client.management_transport import ManagementTransport
from auth0emulator.testing import demo_seed
from usermanager import services
from usermanager.models import User
from usermanager.tests.conftest import TUTORIAL_SCHEMA, Auth0Side, management_config

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

USERS = "/backoffice/usermanager/user/"
# Enough failures to outlast the client's retries of idempotent calls (and the services' undo).
AUTH0_FAILING = {"management": {"fail_next": 10, "fail_status": 500}}


@pytest.fixture
def emulator(emulator_factory, monkeypatch):
    emulator = emulator_factory(demo_seed())
    client = ManagementClient(ManagementTransport(management_config(emulator), timeout_s=2))
    monkeypatch.setattr(management, "get_management_client", lambda: client)
    return emulator


@pytest.fixture
def auth0_side(emulator) -> Auth0Side:
    return Auth0Side(emulator)


@pytest.fixture
def ann(emulator, db) -> User:
    services.ums_configuration_create(
        data={"userGroup": "customer", "label": "Customers", "crudSchema": TUTORIAL_SCHEMA}
    )
    return services.user_create(
        data={"userGroup": "customer", "email": "ann@example.com", "name": "Ann"}
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def new_user_form(**fields: Any) -> dict[str, Any]:
    return {
        "user_group": "customer",
        "email": "new@example.com",
        "name": "New",
        "extra": "{}",
        "password": "Str0ng-Passw0rd!",
        **fields,
    }


def test_auth0_failing_during_create(admin_browser, emulator, auth0_side, ann):
    emulator.set_faults(AUTH0_FAILING)

    response = admin_browser.post(f"{USERS}add/", new_user_form())

    emulator.set_faults({})
    assert response.status_code == HTTPStatus.OK
    assert messages_of(response) == ["Auth0 failed on POST /api/v2/users (500); try again."]
    assert not User.objects.filter(email="new@example.com").exists()
    assert auth0_side.by_email("new@example.com") == []
    assert not LogEntry.objects.filter(object_repr="new@example.com").exists()

    admin_browser.post(f"{USERS}add/", new_user_form())  # the same form, sent again, works
    created = User.objects.get(email="new@example.com")
    [remote] = auth0_side.by_email("new@example.com")
    assert remote["user_id"] == created.auth_user_id
    assert remote["app_metadata"]["groups"] == ["customer"]


def test_auth0_failing_during_block(admin_browser, emulator, auth0_side, ann):
    emulator.set_faults(AUTH0_FAILING)

    response = admin_browser.post(
        USERS, {"action": "block", "_selected_action": [ann.pk]}, follow=True
    )

    emulator.set_faults({})
    path = f"users/{ann.auth_user_id}".replace("|", "%7C")
    assert messages_of(response) == [
        f"ann@example.com: Auth0 failed on PATCH /api/v2/{path} (500); try again."
    ]
    ann.refresh_from_db()
    assert ann.blocked is False
    assert auth0_side.user(ann.auth_user_id).get("blocked", False) is False
    assert not LogEntry.objects.filter(object_id=ann.pk).exists()
