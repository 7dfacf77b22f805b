"""The REST API: exact paths, whole JSON bodies, the product's error shape."""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus

import pytest
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from auth0client.errors import Auth0BadGatewayError
from authgw.errors import error_body
from usermanager.models import UMSConfiguration, User
from usermanager.tests.conftest import TUTORIAL_SCHEMA, USER_TOKEN

pytestmark = pytest.mark.django_db


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def document(user: User) -> dict:
    user.refresh_from_db()
    return {
        "_id": user.id,
        "userGroup": user.user_group_id,
        "authUserId": user.auth_user_id or None,
        "username": user.username or None,
        "email": user.email,
        "name": user.name,
        "blocked": user.blocked,
        "state": user.state,
        "customerId": user.customer_id or None,
        **user.extra,
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
    }


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "status"),
    [
        pytest.param(None, HTTPStatus.UNAUTHORIZED, id="anonymous"),
        pytest.param(USER_TOKEN, HTTPStatus.FORBIDDEN, id="not-admin"),
    ],
)
@pytest.mark.parametrize("path", ["/users", "/users/count", "/ums-configurations"])
def test_only_admins_reach_the_api(api, path, token, status):
    other = APIClient()
    if token:
        other.credentials(HTTP_AUTHORIZATION=token)

    assert other.get(path).status_code == status


# --- POST /users ------------------------------------------------------------------------


def test_create_answers_201_with_the_user(api, auth0, group):
    response = api.post(
        "/users",
        {"userGroup": "customer", "email": "Jane@Example.com", "name": "Jane", "plan": "gold"},
        format="json",
    )

    assert response.status_code == HTTPStatus.CREATED
    user = User.objects.get()
    assert response.json() == document(user)
    assert response.json()["plan"] == "gold"
    assert auth0.users[user.auth_user_id].groups == ("customer",)


def test_create_with_postponed_auth_user_has_no_auth_user_id(api, auth0, group):
    response = api.post(
        "/users?postponeAuthUserCreation=true",
        {"userGroup": "customer", "email": "jane@example.com", "name": "Jane"},
        format="json",
    )

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["authUserId"] is None
    assert auth0.users == {}


def test_create_with_send_reset_pwd_email_creates_a_ticket(api, auth0, group):
    api.post(
        "/users?sendResetPwdEmail=true",
        {"userGroup": "customer", "email": "jane@example.com", "name": "Jane"},
        format="json",
    )

    assert auth0.tickets == [User.objects.get().auth_user_id]


def test_create_invalid_for_the_schema_is_400_naming_the_fields(api, auth0, group):
    response = api.post(
        "/users", {"userGroup": "customer", "email": "jane@example.com"}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(
        400,
        "The user does not match the crudSchema of group 'customer': "
        "name: 'name' is a required property",
    )


def test_create_with_a_malformed_body_is_400(api, auth0, group):
    response = api.post("/users", {"userGroup": "customer", "email": "nope"}, format="json")

    assert response.json() == error_body(400, "email: Enter a valid email address.")


def test_create_accepts_only_json(api, auth0, group):
    response = api.post("/users", {"userGroup": "customer", "email": "a@example.com"})

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE


def test_create_when_auth0_fails_is_502_and_leaves_nothing(api, auth0, group):
    auth0.fail("user_create", Auth0BadGatewayError("Auth0 failed on POST /api/v2/users (500)."))

    response = api.post(
        "/users",
        {"userGroup": "customer", "email": "jane@example.com", "name": "Jane"},
        format="json",
    )

    assert response.json() == error_body(502, "Auth0 failed on POST /api/v2/users (500).")
    assert not User.objects.exists()


def test_create_with_a_taken_email_is_409(api, auth0, user_factory):
    user_factory(email="jane@example.com")

    response = api.post(
        "/users",
        {"userGroup": "customer", "email": "jane@example.com", "name": "J"},
        format="json",
    )

    assert response.json() == error_body(409, "A user with email jane@example.com already exists.")


# --- reads ------------------------------------------------------------------------------


def test_list_filters_paginates_and_counts(api, auth0, user_factory, group_factory):
    group_factory("vip")
    users = [user_factory(name=f"Person {n}") for n in range(3)]
    user_factory(userGroup="vip", name="Vip")

    response = api.get("/users", {"userGroup": "customer", "_l": 2, "_sk": 1})

    assert response.json() == [document(users[1]), document(users[2])]
    assert response["X-Total-Count"] == "3"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"search": "person 1"}, ["Person 1"], id="search"),
        pytest.param({"email": "USER2@example.com"}, ["Person 1"], id="email"),
        pytest.param({"blocked": "true"}, ["Blocked"], id="blocked"),
        pytest.param({"state": "PUBLIC,DRAFT"}, ["Person 0", "Person 1", "Blocked"], id="state"),
        pytest.param({"username": "p0"}, ["Person 0"], id="username"),
    ],
)
def test_list_filters(api, auth0, user_factory, query, expected):
    user_factory(name="Person 0", username="p0")
    user_factory(name="Person 1")
    user_factory(name="Blocked", blocked=True)

    response = api.get("/users", query)

    assert [user["name"] for user in response.json()] == expected


def test_list_refuses_an_unknown_state(api, auth0, group):
    response = api.get("/users", {"state": "GONE"})

    assert response.json() == error_body(400, "state: unknown state GONE")


def test_count_answers_a_number(api, auth0, user_factory):
    user_factory()
    user_factory(blocked=True)

    assert api.get("/users/count", {"blocked": "false"}).json() == 1
    assert api.get("/users/count").json() == 2


def test_get_one_user_or_404(api, auth0, user_factory):
    user = user_factory()

    assert api.get(f"/users/{user.id}").json() == document(user)
    assert api.get("/users/000000000000000000000000").json() == error_body(
        404, "No user with _id '000000000000000000000000'."
    )


# --- PATCH and DELETE -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "New", "plan": "silver"}, id="plain"),
        pytest.param({"$set": {"name": "New", "plan": "silver"}}, id="$set"),
    ],
)
def test_patch_updates_and_mirrors(api, auth0, user_factory, body):
    user = user_factory(tier=1)

    response = api.patch(f"/users/{user.id}", body, format="json")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == document(user)
    assert (response.json()["name"], response.json()["plan"]) == ("New", "silver")
    assert auth0.users[user.auth_user_id].name == "New"


def test_patch_unset_removes_a_field(api, auth0, user_factory):
    user = user_factory(tier=1)

    response = api.patch(f"/users/{user.id}", {"$unset": {"tier": True}}, format="json")

    assert "tier" not in response.json()


CANNOT_SET = "These fields cannot be set: authUserId."
OPERATORS = 'Use plain fields, or only "$set" and "$unset".'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"authUserId": "auth0|x"}, CANNOT_SET, id="auth"),
        pytest.param({"$unset": {"authUserId": True}}, CANNOT_SET, id="unset"),
        pytest.param(
            {"userGroup": "ghosts"},
            "userGroup 'ghosts' has no UMS configuration; create it first.",
            id="group",
        ),
        pytest.param({"$set": {}, "name": "x"}, OPERATORS, id="mixed"),
        pytest.param({"$inc": {"n": 1}}, OPERATORS, id="operator"),
        pytest.param(
            {"password": "New-Passw0rd!"}, "These fields cannot be set: password.", id="password"
        ),
    ],
)
def test_patch_refusals_are_400(api, auth0, user_factory, body, message):
    user = user_factory()

    response = api.patch(f"/users/{user.id}", body, format="json")

    assert response.json() == error_body(400, message)


def test_patch_when_auth0_fails_leaves_the_row_unchanged(api, auth0, user_factory):
    user = user_factory()
    auth0.fail("user_update")

    response = api.patch(f"/users/{user.id}", {"name": "New"}, format="json")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert User.objects.get().name == user.name


def test_delete_is_204_with_an_empty_body(api, auth0, user_factory):
    user = user_factory()

    response = api.delete(f"/users/{user.id}")

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.content == b""
    assert not User.objects.exists()
    assert auth0.users == {}


# --- register, with-id, state, soft-delete, change-password ------------------------------


def test_register_is_204_and_creates_the_auth0_user(api, auth0, group):
    user = User.objects.create(user_group=group, email="jane@example.com", name="Jane")

    response = api.post(
        "/users/register", {"_id": user.id, "password": "Chosen-Passw0rd!"}, format="json"
    )

    assert response.status_code == HTTPStatus.NO_CONTENT
    user.refresh_from_db()
    assert auth0.passwords[user.auth_user_id] == "Chosen-Passw0rd!"


def test_with_id_links_and_refuses_a_duplicate(api, auth0, group):
    remote = auth0.add_user(email="jane@example.com", name="Jane")
    body = {"authUserId": remote.user_id, "userGroup": "customer"}

    first = api.post("/users/with-id", body, format="json")
    second = api.post("/users/with-id", body, format="json")

    assert first.status_code == HTTPStatus.CREATED
    assert first.json() == document(User.objects.get())
    assert second.json() == error_body(
        409, f"authUserId {remote.user_id!r} is already linked to a user."
    )


def test_state_moves_matching_users_and_answers_the_count(api, auth0, user_factory):
    first, second = user_factory(), user_factory()

    response = api.post(
        "/users/state", {"filter": {"userGroup": "customer"}, "stateTo": "DRAFT"}, format="json"
    )

    assert response.json() == 2
    assert {auth0.users[u.auth_user_id].blocked for u in (first, second)} == {True}


def test_state_accepts_the_list_form(api, auth0, user_factory):
    user = user_factory()

    response = api.post(
        "/users/state", [{"filter": {"_id": user.id}, "stateTo": "TRASH"}], format="json"
    )

    assert response.json() == 1


def test_state_refuses_a_forbidden_transition(api, auth0, user_factory):
    user = user_factory()

    response = api.post(
        "/users/state", {"filter": {"_id": user.id}, "stateTo": "DELETED"}, format="json"
    )

    assert response.json() == error_body(
        400, f"User {user.id} cannot move from PUBLIC to DELETED; allowed: DRAFT, TRASH."
    )


def test_soft_delete_is_204(api, auth0, user_factory):
    user = user_factory()

    response = api.post(f"/users/{user.id}/soft-delete")

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert User.objects.get().state == "DELETED"


def test_change_password_is_204(api, auth0, user_factory):
    user = user_factory()

    response = api.post("/users/change-password", {"authUserId": user.auth_user_id}, format="json")

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert auth0.tickets == [user.auth_user_id]


# --- /ums-configurations ----------------------------------------------------------------


def configuration_json(configuration: UMSConfiguration) -> dict:
    configuration.refresh_from_db()
    return {
        "_id": configuration.id,
        "userGroup": configuration.user_group,
        "label": configuration.label,
        "crudSchema": configuration.crud_schema,
        "authUserCreationDisabled": configuration.auth_user_creation_disabled,
        "permissions": configuration.permissions,
        "createdAt": iso(configuration.created_at),
        "updatedAt": iso(configuration.updated_at),
    }


def test_configurations_crud(api, auth0):
    body = {"userGroup": "partner", "label": "Partners", "crudSchema": TUTORIAL_SCHEMA}

    created = api.post("/ums-configurations", body, format="json")
    configuration = UMSConfiguration.objects.get()
    patched = api.patch(
        f"/ums-configurations/{configuration.id}", {"permissions": ["x:read"]}, format="json"
    )

    assert created.status_code == HTTPStatus.CREATED
    assert patched.json() == configuration_json(configuration)
    assert patched.json()["permissions"] == ["x:read"]
    assert api.get("/ums-configurations").json() == [configuration_json(configuration)]
    assert api.get(f"/ums-configurations/{configuration.id}").json() == patched.json()
    assert api.delete(f"/ums-configurations/{configuration.id}").status_code == 204
    assert not UMSConfiguration.objects.exists()


def test_a_configuration_whose_crud_schema_is_not_a_schema_is_400(api, auth0):
    body = {"userGroup": "partner", "label": "Partners", "crudSchema": {"type": "objekt"}}

    response = api.post("/ums-configurations", body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["message"].startswith(
        "crudSchema: not a valid JSON Schema at $.type: 'objekt' is not valid under any"
    )


def test_a_group_still_used_by_users_cannot_be_deleted(api, auth0, user_factory, group):
    user_factory()

    response = api.delete(f"/ums-configurations/{group.id}")

    assert response.json() == error_body(
        409, "userGroup 'customer' is still used by users; move or delete them first."
    )


def test_a_duplicate_group_is_409(api, auth0, group):
    body = {"userGroup": "customer", "label": "Again", "crudSchema": {}}

    response = api.post("/ums-configurations", body, format="json")

    assert response.json() == error_body(
        409, "userGroup 'customer' already has a UMS configuration."
    )


# --- OpenAPI ----------------------------------------------------------------------------


def test_the_openapi_description_is_served_and_valid(client):
    response = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == HTTPStatus.OK
    schema = response.json()
    validate(schema)
    paths = set(schema["paths"])
    assert {
        "/users",
        "/users/count",
        "/users/{user_id}",
        "/users/register",
        "/users/with-id",
        "/users/state",
        "/users/{user_id}/soft-delete",
        "/users/change-password",
        "/ums-configurations",
        "/ums-configurations/{configuration_id}",
        "/hooks/auth0/post-login",
    } <= paths
