"""Every endpoint over real sockets: client → live product → the emulator's Management API."""

from __future__ import annotations

from http import HTTPStatus

import pytest
import requests

from usermanager import services
from usermanager.models import UMSConfiguration
from usermanager.tests.conftest import TUTORIAL_SCHEMA

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def groups(db):
    for name in ("customer", "vip"):
        services.ums_configuration_create(
            data={"userGroup": name, "label": name.title(), "crudSchema": TUTORIAL_SCHEMA}
        )


def password_grant(issuer: str, email: str, password: str) -> requests.Response:
    return requests.post(
        f"{issuer}oauth/token",
        data={
            "grant_type": "password",
            "username": email,
            "password": password,
            "client_id": "authgw-web",
            "client_secret": "authgw-web-secret",
            "scope": "openid",
        },
        timeout=10,
    )


def test_a_user_lifecycle_through_the_api(http, real_auth0, groups):
    created = http.post(
        "/users", json={"userGroup": "customer", "email": "life@example.com", "name": "Life"}
    )
    assert created.status_code == HTTPStatus.CREATED
    user = created.json()
    remote = real_auth0.user(user["authUserId"])
    assert (remote["email"], remote["name"], remote.get("blocked", False)) == (
        "life@example.com",
        "Life",
        False,
    )
    assert remote["app_metadata"] == {"groups": ["customer"], "umsId": user["_id"]}

    assert http.get("/users", params={"email": "life@example.com"}).json() == [user]
    assert http.get("/users/count", params={"userGroup": "customer"}).json() == 1
    assert http.get(f"/users/{user['_id']}").json() == user

    patched = http.patch(
        f"/users/{user['_id']}", json={"$set": {"name": "Renamed", "userGroup": "vip"}}
    )
    assert patched.json()["name"] == "Renamed"
    remote = real_auth0.user(user["authUserId"])
    assert (remote["name"], remote["app_metadata"]["groups"]) == ("Renamed", ["vip"])

    moved = http.post("/users/state", json={"filter": {"_id": user["_id"]}, "stateTo": "TRASH"})
    assert moved.json() == 1
    assert real_auth0.user(user["authUserId"])["blocked"] is True

    assert http.post(f"/users/{user['_id']}/soft-delete").status_code == HTTPStatus.NO_CONTENT
    assert real_auth0.user(user["authUserId"]) is None
    assert http.get(f"/users/{user['_id']}").json()["state"] == "DELETED"

    deleted = http.delete(f"/users/{user['_id']}")
    assert (deleted.status_code, deleted.content) == (HTTPStatus.NO_CONTENT, b"")
    assert http.get(f"/users/{user['_id']}").status_code == HTTPStatus.NOT_FOUND


def test_register_then_sign_in_with_the_chosen_password(http, real_auth0, groups, auth0_server):
    created = http.post(
        "/users?postponeAuthUserCreation=true",
        json={"userGroup": "customer", "email": "later@example.com", "name": "Later"},
    ).json()
    assert created["authUserId"] is None
    assert real_auth0.by_email("later@example.com") == []

    registered = http.post(
        "/users/register", json={"_id": created["_id"], "password": "Later-Passw0rd!"}
    )

    assert registered.status_code == HTTPStatus.NO_CONTENT
    grant = password_grant(auth0_server.issuer, "later@example.com", "Later-Passw0rd!")
    assert grant.status_code == HTTPStatus.OK, grant.text
    again = http.post("/users/register", json={"_id": created["_id"]})
    assert again.status_code == HTTPStatus.CONFLICT


def test_with_id_links_an_existing_auth0_user_once(http, real_auth0, groups):
    (remote,) = real_auth0.by_email("user@example.com")
    body = {"authUserId": remote["user_id"], "userGroup": "customer"}

    linked = http.post("/users/with-id", json=body)
    duplicate = http.post("/users/with-id", json=body)

    assert linked.status_code == HTTPStatus.CREATED
    assert (linked.json()["email"], linked.json()["name"]) == ("user@example.com", "Demo User")
    assert real_auth0.user(remote["user_id"])["app_metadata"]["groups"] == ["customer"]
    assert duplicate.status_code == HTTPStatus.CONFLICT


def test_change_password_creates_an_auth0_ticket(http, real_auth0, groups):
    user = http.post(
        "/users", json={"userGroup": "customer", "email": "pw@example.com", "name": "Pw"}
    ).json()

    response = http.post("/users/change-password", json={"authUserId": user["authUserId"]})
    unknown = http.post("/users/change-password", json={"authUserId": "auth0|nobody"})

    assert (response.status_code, response.content) == (HTTPStatus.NO_CONTENT, b"")
    assert unknown.status_code == HTTPStatus.NOT_FOUND


def test_ums_configurations_over_http(http, real_auth0):
    body = {"userGroup": "partner", "label": "Partners", "crudSchema": TUTORIAL_SCHEMA}

    created = http.post("/ums-configurations", json=body).json()
    patched = http.patch(f"/ums-configurations/{created['_id']}", json={"label": "Partner firms"})
    listed = http.get("/ums-configurations").json()
    deleted = http.delete(f"/ums-configurations/{created['_id']}")

    assert patched.json()["label"] == "Partner firms"
    assert listed == [patched.json()]
    assert deleted.status_code == HTTPStatus.NO_CONTENT
    assert not UMSConfiguration.objects.exists()


def test_schema_errors_over_http(http, real_auth0, groups):
    response = http.post("/users", json={"userGroup": "customer", "email": "s@example.com"})

    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "The user does not match the crudSchema of group 'customer': "
        "name: 'name' is a required property",
    }
    assert real_auth0.by_email("s@example.com") == []


def test_the_openapi_description_is_served(http, real_auth0):
    response = http.get("/api/schema", headers={"Accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == HTTPStatus.OK
    assert "/users/{user_id}/soft-delete" in response.json()["paths"]
