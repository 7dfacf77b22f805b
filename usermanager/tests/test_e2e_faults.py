"""Fault injection over real sockets: the emulator fails (500), hangs past our timeout, or answers
429 at one step of create, patch, delete and the state changes. Whatever happens, once things
settle both sides agree (nothing is half-created or lost), and calling again finishes the job.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest

from auth0client import management
from usermanager import services
from usermanager.models import User
from usermanager.tests.conftest import TUTORIAL_SCHEMA, wait_for_rechecks

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LATENCY_MS = 900  # past the client's 0.4 s timeout: Auth0 still applies the call, late
FAULTS = {
    "500": {"management": {"fail_next": 10, "fail_status": 500}},
    "timeout": {"management": {"latency_ms": LATENCY_MS}},
    "429": {"management": {"force_429": True}},
}
# What the API answers for each fault: Auth0 failing is a bad gateway, Auth0 not answering in time
# or rate-limiting us past the retries is unavailable (auth0client/errors.py: 502 and 503).
FAILED = {
    "500": HTTPStatus.BAD_GATEWAY,
    "timeout": HTTPStatus.SERVICE_UNAVAILABLE,
    "429": HTTPStatus.SERVICE_UNAVAILABLE,
}


@pytest.fixture
def group(db):
    services.ums_configuration_create(
        data={"userGroup": "customer", "label": "Customers", "crudSchema": TUTORIAL_SCHEMA}
    )


@pytest.fixture
def new_user(http, real_auth0, group) -> Callable[..., dict[str, Any]]:
    def make(**fields: Any) -> dict[str, Any]:
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        body = {"userGroup": "customer", "email": email, "name": "Before", **fields}
        response = http.post("/users", json=body)
        assert response.status_code == HTTPStatus.CREATED, response.text
        return dict(response.json())

    return make


@pytest.fixture
def fault_at(auth0_server, real_auth0):
    """Arms a fault just before the product's client makes its nth call of `method`."""
    client = management.get_management_client()

    def arm(method: str, fault: str, nth: int = 1) -> None:
        original = getattr(client, method)
        calls = {"n": 0}

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == nth:
                auth0_server.set_faults(FAULTS[fault])
            return original(*args, **kwargs)

        setattr(client, method, wrapper)

    return arm


@pytest.fixture
def settle(auth0_server):
    """Clears the fault, lets late requests land and rechecks finish."""

    def wait() -> None:
        auth0_server.set_faults({})
        time.sleep(LATENCY_MS / 1000 + 0.3)
        wait_for_rechecks()

    return wait


def both_sides(real_auth0, email: str) -> tuple[list[User], list[dict[str, Any]]]:
    return list(User.objects.filter(email=email)), real_auth0.by_email(email)


def assert_in_step(real_auth0, email: str) -> None:
    """Local and Auth0 agree on existence, link, blocked flag and groups."""
    local, remote = both_sides(real_auth0, email)
    linked = [user for user in local if user.auth_user_id]
    assert len(remote) == len(linked) <= 1, (local, remote)
    for user, found in zip(linked, remote, strict=True):
        assert found["user_id"] == user.auth_user_id
        assert found.get("blocked", False) == user.blocked_in_auth0
        assert found["app_metadata"]["groups"] == [user.user_group_id]
        assert found.get("name") == user.name


ALL_FAULTS = pytest.mark.parametrize("fault", list(FAULTS))


@ALL_FAULTS
def test_create(http, real_auth0, group, fault_at, settle, fault):
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    body = {"userGroup": "customer", "email": email, "name": "New"}
    fault_at("user_create", fault)

    response = http.post("/users", json=body)
    settle()

    assert response.status_code == FAILED[fault], response.text
    assert both_sides(real_auth0, email) == ([], [])  # nothing half-created
    again = http.post("/users", json=body)
    assert again.status_code == HTTPStatus.CREATED, again.text
    assert_in_step(real_auth0, email)


@ALL_FAULTS
def test_patch(http, real_auth0, new_user, fault_at, settle, fault):
    user = new_user()
    fault_at("user_update", fault)

    response = http.patch(f"/users/{user['_id']}", json={"name": "After", "blocked": True})
    settle()

    assert response.status_code == FAILED[fault], response.text
    stored = User.objects.get(pk=user["_id"])
    assert (stored.name, stored.blocked) == ("Before", False)  # the row is unchanged
    assert_in_step(real_auth0, user["email"])
    assert http.patch(f"/users/{user['_id']}", json={"name": "After"}).status_code == 200
    assert_in_step(real_auth0, user["email"])


@ALL_FAULTS
def test_delete(http, real_auth0, new_user, fault_at, settle, fault):
    user = new_user()
    fault_at("user_delete", fault)

    response = http.delete(f"/users/{user['_id']}")
    settle()

    assert response.status_code == FAILED[fault], response.text
    assert_in_step(real_auth0, user["email"])  # both there, or (a late delete) both gone
    again = http.delete(f"/users/{user['_id']}")
    # A timed-out delete lands late and the recheck finishes it locally; the others never landed.
    late_delete = fault == "timeout"
    assert again.status_code == (HTTPStatus.NOT_FOUND if late_delete else HTTPStatus.NO_CONTENT)
    assert both_sides(real_auth0, user["email"]) == ([], [])


@ALL_FAULTS
def test_state_change_fails_at_the_second_user_and_resumes(
    http, real_auth0, new_user, fault_at, settle, fault
):
    first, second = new_user(), new_user()
    fault_at("user_update", fault, nth=2)
    body = {"filter": {"userGroup": "customer"}, "stateTo": "TRASH"}

    response = http.post("/users/state", json=body)
    settle()

    assert response.status_code == FAILED[fault], response.text
    assert response.json()["message"].endswith(
        "(1 of 2 users moved to TRASH; call again to resume)"
    )
    assert User.objects.get(pk=first["_id"]).state == "TRASH"
    assert User.objects.get(pk=second["_id"]).state == "PUBLIC"
    for user in (first, second):
        assert_in_step(real_auth0, user["email"])
    assert http.post("/users/state", json=body).json() == 1
    assert [u.state for u in User.objects.all()] == ["TRASH", "TRASH"]
    for user in (first, second):
        assert_in_step(real_auth0, user["email"])


@ALL_FAULTS
@pytest.mark.parametrize(
    ("method", "stopped_in"),
    [
        pytest.param("user_update", "PUBLIC", id="trash-step"),
        pytest.param("user_delete", "TRASH", id="delete-step"),
    ],
)
def test_soft_delete_stops_in_a_consistent_state_and_resumes(
    http, real_auth0, new_user, fault_at, settle, fault, method, stopped_in
):
    user = new_user()
    fault_at(method, fault)

    response = http.post(f"/users/{user['_id']}/soft-delete")
    settle()

    assert response.status_code == FAILED[fault], response.text
    stored = User.objects.get(pk=user["_id"])
    # A delete that Auth0 applied late is finished locally by the recheck.
    late_delete = fault == "timeout" and method == "user_delete"
    assert stored.state == ("DELETED" if late_delete else stopped_in)
    assert_in_step(real_auth0, user["email"])
    assert http.post(f"/users/{user['_id']}/soft-delete").status_code == HTTPStatus.NO_CONTENT
    assert User.objects.get(pk=user["_id"]).state == "DELETED"
    assert real_auth0.by_email(user["email"]) == []
