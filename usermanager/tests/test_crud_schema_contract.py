"""Issue 12 item 6: the group's crudSchema judges the caller's fields as sent.

Nothing is coerced before the check (`{"name": 12345}` was stored as "12345"), and authgw's own
fields (`blocked`, `state`, `authUserId`, the dates) are never part of it (a crudSchema with
`"additionalProperties": false` could create no user, because `blocked` was added to the document).
"""

from __future__ import annotations

from http import HTTPStatus

import pytest

from authgw.errors import error_body
from usermanager import services
from usermanager.models import User
from usermanager.tests.conftest import TUTORIAL_SCHEMA

pytestmark = pytest.mark.django_db

CLOSED_SCHEMA = {**TUTORIAL_SCHEMA, "additionalProperties": False}
NOT_A_STRING = "name: Not a valid string."


@pytest.fixture
def closed_group(group_factory):
    return group_factory("closed", crudSchema=CLOSED_SCHEMA)


def closed_user(**fields) -> dict:
    return {"userGroup": "closed", "email": "jane@example.com", "name": "Jane", **fields}


# --- nothing is coerced before the crudSchema sees it --------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": 12345}, id="plain"),
        pytest.param({"$set": {"name": 12345}}, id="$set"),
    ],
)
def test_patch_with_a_number_for_a_string_field_is_400_naming_it(api, auth0, user_factory, body):
    user = user_factory(name="Jane")

    response = api.patch(f"/users/{user.id}", body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(400, NOT_A_STRING)
    assert User.objects.get().name == "Jane"
    assert auth0.users[user.auth_user_id].name == "Jane"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"name": 12345}, NOT_A_STRING, id="name-number"),
        pytest.param({"name": True}, NOT_A_STRING, id="name-boolean"),
        pytest.param({"username": 7}, "username: Not a valid string.", id="username-number"),
        pytest.param({"blocked": "true"}, "blocked: Must be a valid boolean.", id="blocked-text"),
        pytest.param({"blocked": 1}, "blocked: Must be a valid boolean.", id="blocked-number"),
    ],
)
def test_create_with_a_wrongly_typed_core_field_is_400_naming_it(
    api, auth0, group, fields, message
):
    body = {"userGroup": "customer", "email": "jane@example.com", "name": "Jane", **fields}

    response = api.post("/users", body, format="json")

    assert response.json() == error_body(400, message)
    assert not User.objects.exists()


def test_the_crud_schema_judges_the_value_as_sent(api, auth0, group_factory):
    schema = {**TUTORIAL_SCHEMA, "properties": {"name": {"type": "string", "pattern": "^\\S"}}}
    group_factory("strict", crudSchema=schema)
    body = {"userGroup": "strict", "email": "jane@example.com", "name": "  Jane"}

    response = api.post("/users", body, format="json")

    assert response.json() == error_body(
        400,
        "The user does not match the crudSchema of group 'strict': "
        "name: '  Jane' does not match '^\\\\S'",
    )


# --- authgw's own fields are not part of the contract --------------------------------------


@pytest.mark.parametrize(
    "fields",
    [pytest.param({}, id="plain"), pytest.param({"blocked": True}, id="blocked-sent")],
)
def test_a_closed_crud_schema_can_create_a_user(api, auth0, closed_group, fields):
    response = api.post("/users", closed_user(**fields), format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert User.objects.get().blocked is fields.get("blocked", False)


def test_a_closed_crud_schema_still_refuses_an_unknown_field(api, auth0, closed_group):
    response = api.post("/users", closed_user(plan="gold"), format="json")

    assert response.json() == error_body(
        400,
        "The user does not match the crudSchema of group 'closed': "
        "$: Additional properties are not allowed ('plan' was unexpected)",
    )
    assert not User.objects.exists()


def test_a_closed_crud_schema_lets_a_user_be_linked_blocked_and_renamed(api, auth0, closed_group):
    remote = auth0.add_user(email="jane@example.com", name="Jane")
    linked = api.post(
        "/users/with-id", {"authUserId": remote.user_id, "userGroup": "closed"}, format="json"
    )
    assert linked.status_code == HTTPStatus.CREATED, linked.json()
    path = f"/users/{linked.json()['_id']}"

    blocked = api.patch(path, {"blocked": True}, format="json")
    renamed = api.patch(path, {"$set": {"name": "Janet"}}, format="json")
    refused = api.patch(path, {"plan": "gold"}, format="json")

    assert (blocked.status_code, renamed.status_code) == (HTTPStatus.OK, HTTPStatus.OK)
    assert refused.json() == error_body(
        400,
        "The user does not match the crudSchema of group 'closed': "
        "$: Additional properties are not allowed ('plan' was unexpected)",
    )
    user = User.objects.get()
    assert (user.blocked, user.name, user.extra) == (True, "Janet", {})


def test_services_leave_authgw_fields_out_of_the_crud_schema(auth0, closed_group):
    user = services.user_create(data=closed_user(blocked=False, username="", customerId=None))

    updated = services.user_update(user_id=user.id, values={"blocked": True})

    assert (updated.blocked, updated.username, updated.customer_id) == (True, "", "")


def test_patch_checks_the_whole_user_after_the_change(api, auth0, user_factory):
    user = user_factory(name="Jane")

    response = api.patch(f"/users/{user.id}", {"$unset": ["name"]}, format="json")

    assert response.json() == error_body(
        400,
        "The user does not match the crudSchema of group 'customer': "
        "name: 'name' is a required property",
    )
