"""Every answer matches the served OpenAPI description (`/api/schema`).

Each operation is called through the real app (the test client, the acl, the views, the services,
the in-memory Management API): its success and the errors that can happen to it. Each answer must
have a status the description lists for that operation, and a body that the schema for that
status accepts (openapi-core); a status described without a body must have none. A serializer
whose output drifts from its fields (a type, a null, a missing field) fails here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from auth0client.errors import Auth0BadGatewayError, Auth0UnavailableError
from auth0client.tests.fakes import FakeManagementClient
from usermanager import services
from usermanager.tests.conftest import ADMIN_TOKEN, USER_TOKEN

pytestmark = pytest.mark.django_db

HOOK_SECRET = "hook-s3cret"
UNKNOWN_USER = "0" * 24
EMPTY_GROUP = "empty"
# Described by drf-spectacular without a body (auth0client's views name no serializer): their
# answers are pinned by auth0client's own tests. Describing them is a follow-up.
UNDESCRIBED = frozenset({("post", "/oauth/token"), ("post", "/refreshtoken"), ("get", "/users/me")})


@dataclass(frozen=True)
class World:
    """The records the calls name: `{user_id}` and `{configuration_id}` are filled from here."""

    users: Mapping[str, str]  # name -> _id
    auth_ids: Mapping[str, str]  # name -> authUserId


Body = Callable[[World], Any]


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # as the description names it
    status: HTTPStatus
    body: Body | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    caller: str = "admin"  # admin, user, anonymous, hook, wrong-hook, hooks-disabled
    user: str = "ann"  # fills {user_id}
    configuration: str = "customer"  # fills {configuration_id}
    auth0_fails: tuple[str, Exception] | None = None  # a Management API method, and how


def new_user(world: World) -> dict[str, Any]:
    return {"userGroup": "customer", "email": "new@example.com", "name": "New"}


BAD_GATEWAY = Auth0BadGatewayError("Auth0 failed (500); try again.")
UNAVAILABLE = Auth0UnavailableError("Auth0 did not answer; try again shortly.")
OK, CREATED, NO_CONTENT = HTTPStatus.OK, HTTPStatus.CREATED, HTTPStatus.NO_CONTENT
BAD, UNAUTHORIZED, FORBIDDEN = HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN
NOT_FOUND, CONFLICT = HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT
FAILING, DOWN = HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE

USER, CONFIGURATION = "/users/{user_id}", "/ums-configurations/{configuration_id}"
POST_LOGIN, PASSWORD_CHANGED = "/hooks/auth0/post-login", "/hooks/auth0/post-change-password"
CALLS = [
    # --- users ------------------------------------------------------------------------------
    Call("get", "/users", OK),
    Call("get", "/users", OK, query={"search": "ann"}),
    Call("get", "/users", BAD, query={"_l": "0"}),
    Call("get", "/users", UNAUTHORIZED, caller="anonymous"),
    Call("get", "/users", FORBIDDEN, caller="user"),
    Call("post", "/users", CREATED, body=new_user),
    Call("post", "/users", CREATED, body=new_user, query={"postponeAuthUserCreation": "true"}),
    Call("post", "/users", BAD, body=lambda world: [1]),
    Call("post", "/users", CONFLICT, body=lambda world: {**new_user(world), "email": "ann@x.io"}),
    Call("post", "/users", FAILING, body=new_user, auth0_fails=("user_create", BAD_GATEWAY)),
    Call("post", "/users", DOWN, body=new_user, auth0_fails=("user_create", UNAVAILABLE)),
    Call("get", "/users/count", OK, query={"state": "PUBLIC"}),
    Call("get", "/users/count", BAD, query={"state": "GONE"}),
    Call("get", USER, OK),
    Call("get", USER, OK, user="postponed"),
    Call("get", USER, NOT_FOUND, user="unknown"),
    Call("patch", USER, OK, body=lambda world: {"$set": {"name": "Ann B"}, "$unset": ["phone"]}),
    Call("patch", USER, BAD, body=lambda world: {"blocked": "yes"}),
    Call("patch", USER, NOT_FOUND, user="unknown", body=lambda world: {"name": "X"}),
    Call(
        "patch",
        USER,
        FAILING,
        body=lambda world: {"name": "Ann B"},
        auth0_fails=("user_update", BAD_GATEWAY),
    ),
    Call("delete", USER, NO_CONTENT),
    Call("delete", USER, NOT_FOUND, user="unknown"),
    Call("delete", USER, DOWN, auth0_fails=("user_delete", UNAVAILABLE)),  # AUTH_HARD_DELETE
    Call("post", f"{USER}/soft-delete", NO_CONTENT),
    Call("post", f"{USER}/soft-delete", NOT_FOUND, user="unknown"),
    Call(
        "post", "/users/register", NO_CONTENT, body=lambda world: {"_id": world.users["postponed"]}
    ),
    Call("post", "/users/register", BAD, body=lambda world: {}),
    Call("post", "/users/register", NOT_FOUND, body=lambda world: {"_id": UNKNOWN_USER}),
    Call("post", "/users/register", CONFLICT, body=lambda world: {"_id": world.users["ann"]}),
    Call(
        "post",
        "/users/with-id",
        CREATED,
        body=lambda world: {"authUserId": "auth0|lonely", "userGroup": "customer", "name": "Lo"},
    ),
    Call("post", "/users/with-id", BAD, body=lambda world: {"userGroup": "customer"}),
    Call(
        "post",
        "/users/with-id",
        NOT_FOUND,
        body=lambda world: {"authUserId": "auth0|nobody", "userGroup": "customer"},
    ),
    Call(
        "post",
        "/users/with-id",
        CONFLICT,
        body=lambda world: {"authUserId": world.auth_ids["linked"], "userGroup": "customer"},
    ),
    Call(
        "post",
        "/users/state",
        OK,
        body=lambda world: {"filter": {"_id": world.users["ann"]}, "stateTo": "DRAFT"},
    ),
    Call("post", "/users/state", BAD, body=lambda world: {"filter": {}, "stateTo": "DRAFT"}),
    Call(
        "post",
        "/users/change-password",
        NO_CONTENT,
        body=lambda world: {"authUserId": world.auth_ids["ann"]},
    ),
    Call("post", "/users/change-password", BAD, body=lambda world: {}),
    Call(
        "post",
        "/users/change-password",
        DOWN,
        body=lambda world: {"authUserId": world.auth_ids["ann"]},
        auth0_fails=("password_change_ticket", UNAVAILABLE),
    ),
    # --- UMS configurations -----------------------------------------------------------------
    Call("get", "/ums-configurations", OK),
    Call("get", "/ums-configurations", FORBIDDEN, caller="user"),
    Call(
        "post",
        "/ums-configurations",
        CREATED,
        body=lambda world: {"userGroup": "vip", "label": "VIP", "crudSchema": {"type": "object"}},
    ),
    Call("post", "/ums-configurations", BAD, body=lambda world: {"userGroup": "vip"}),
    Call(
        "post",
        "/ums-configurations",
        CONFLICT,
        body=lambda world: {"userGroup": "customer", "label": "C", "crudSchema": {}},
    ),
    Call("get", CONFIGURATION, OK),
    Call("get", CONFIGURATION, NOT_FOUND, configuration="nope"),
    Call("patch", CONFIGURATION, OK, body=lambda world: {"label": "Clients"}),
    Call("patch", CONFIGURATION, BAD, body=lambda world: {"crudSchema": {"type": 5}}),
    Call("patch", CONFIGURATION, NOT_FOUND, configuration="nope", body=lambda world: {}),
    Call("delete", CONFIGURATION, NO_CONTENT, configuration=EMPTY_GROUP),
    Call("delete", CONFIGURATION, NOT_FOUND, configuration="nope"),
    Call("delete", CONFIGURATION, CONFLICT),
    # --- who is signed in, and the Auth0 Action hooks ----------------------------------------
    Call("get", "/userinfo", OK, caller="user"),
    Call("get", "/userinfo", UNAUTHORIZED, caller="anonymous"),
    Call("post", POST_LOGIN, OK, caller="hook", body=lambda world: {"user_id": "auth0|user"}),
    Call("post", POST_LOGIN, BAD, caller="hook", body=lambda world: {}),
    Call("post", POST_LOGIN, UNAUTHORIZED, caller="wrong-hook", body=lambda w: {"user_id": "x"}),
    Call("post", POST_LOGIN, FORBIDDEN, caller="hooks-disabled", body=lambda w: {"user_id": "x"}),
    Call("post", POST_LOGIN, NOT_FOUND, caller="hook", body=lambda world: {"user_id": "auth0|x"}),
    Call(
        "post",
        PASSWORD_CHANGED,
        NO_CONTENT,
        caller="hook",
        body=lambda w: {"user_id": "auth0|user"},
    ),
    Call("post", PASSWORD_CHANGED, BAD, caller="hook", body=lambda world: {"user_id": ""}),
    Call("post", PASSWORD_CHANGED, NOT_FOUND, caller="hook", body=lambda w: {"user_id": "auth0|x"}),
]
CALLERS: Mapping[str, Mapping[str, str]] = {
    "admin": {"HTTP_AUTHORIZATION": ADMIN_TOKEN},
    "user": {"HTTP_AUTHORIZATION": USER_TOKEN},
    "anonymous": {},
    "hook": {"HTTP_X_HOOK_SECRET": HOOK_SECRET},
    "wrong-hook": {"HTTP_X_HOOK_SECRET": "not-the-secret"},
    "hooks-disabled": {"HTTP_X_HOOK_SECRET": HOOK_SECRET},
}


@functools.cache
def served_description() -> Mapping[str, Any]:
    response = Client().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == HTTPStatus.OK
    description: Mapping[str, Any] = response.json()
    return description


@functools.cache
def served_openapi() -> OpenAPI:
    return OpenAPI.from_dict(dict(served_description()))


@pytest.fixture
def world(settings: Any, auth0: FakeManagementClient, user_factory: Any) -> World:
    """Group `customer` with Ann (extra field, no username), a postponed user and the acl's test
    user linked to Auth0; group `empty`; an Auth0 user nobody links."""
    settings.ACL = replace(settings.ACL, user_resolver="acl.testing.StaticUserResolver")
    settings.USERMANAGER = replace(
        settings.USERMANAGER,
        base_user_resolver="acl.testing.StaticUserResolver",
        auth_hard_delete=True,
        post_login_hook_secret=HOOK_SECRET,
        password_hook_secret=HOOK_SECRET,
    )
    ann = user_factory(email="ann@x.io", name="Ann", customerId="c-1", phone="+39 1")
    postponed = services.user_create(
        data={"userGroup": "customer", "email": "later@x.io", "name": "Later"},
        postpone_auth_user_creation=True,
    )
    auth0.add_user(user_id="auth0|user", email="user@example.com", name="Demo User")
    linked = services.user_link(auth_user_id="auth0|user", data={"userGroup": "customer"})
    auth0.add_user(user_id="auth0|lonely", email="lonely@x.io", name="Lonely")
    services.ums_configuration_create(
        data={"userGroup": EMPTY_GROUP, "label": "Empty", "crudSchema": {}}
    )
    return World(
        users={
            "ann": ann.pk,
            "postponed": postponed.pk,
            "linked": linked.pk,
            "unknown": UNKNOWN_USER,
        },
        auth_ids={"ann": ann.auth_user_id, "linked": linked.auth_user_id},
    )


def send(client: Client, settings: Any, world: World, described: Call) -> Any:
    if described.caller == "hooks-disabled":
        settings.USERMANAGER = replace(
            settings.USERMANAGER, post_login_hook_secret="", password_hook_secret=""
        )
    path = described.path.format(
        user_id=world.users[described.user], configuration_id=described.configuration
    )
    headers = CALLERS[described.caller]
    if described.method == "get":
        return client.get(path, described.query, **headers)
    body = described.body(world) if described.body else None
    url = f"{path}?{urlencode(described.query)}" if described.query else path
    return client.generic(
        described.method.upper(),
        url,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def check_against_the_description(described: Call, response: Any) -> None:
    """openapi-core finds the operation's answer for this status and validates the body."""
    request = MockRequest(
        "http://testserver",
        described.method,
        described.path,
        path_pattern=described.path,
        args=dict(described.query),
    )
    answer = MockResponse(
        response.content,
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
    )
    served_openapi().validate_response(request, answer)
    documented = served_description()["paths"][described.path][described.method]["responses"]
    if "content" not in documented[str(response.status_code)]:
        assert response.content == b"", "the description says this answer has no body"


@pytest.mark.parametrize(
    "described", CALLS, ids=lambda c: f"{c.method.upper()} {c.path} {c.status.value}"
)
def test_the_answer_has_a_documented_status_and_matches_its_schema(
    client, settings, world, auth0, described
):
    if described.auth0_fails:
        auth0.fail(*described.auth0_fails)

    response = send(client, settings, world, described)

    assert response.status_code == described.status, response.content
    check_against_the_description(described, response)


def test_every_success_is_called_and_every_documented_status_comes_up(db):
    paths = served_description()["paths"]
    documented = {
        (method, path, status)
        for path, operations in paths.items()
        for method, operation in operations.items()
        for status in operation["responses"]
    }
    called = {(c.method, c.path, str(c.status.value)) for c in CALLS}
    successes = {(method, path, s) for method, path, s in documented if s.startswith("2")}

    assert {(method, path) for method, path, _ in successes - called} == UNDESCRIBED
    assert {status for *_, status in called} == {status for *_, status in documented}
    for method, path in UNDESCRIBED:  # once described, they get calls above
        assert all("content" not in answer for answer in paths[path][method]["responses"].values())
