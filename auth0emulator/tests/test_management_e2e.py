"""Management API v2 over real sockets; every request and response is checked against Auth0's
OpenAPI description in tests/contracts/ (ContractClient)."""

from __future__ import annotations

import base64
import json
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from auth0emulator.tests.helpers import WEB, ContractClient, get, post

pytestmark = pytest.mark.e2e
DB = "Username-Password-Authentication"


@pytest.fixture(scope="module")
def api(shared_emulator) -> ContractClient:
    return ContractClient(shared_emulator.url, shared_emulator.management_token())


def _create(api: ContractClient, email: str, **extra) -> dict:
    body = {"email": email, "password": "Str0ng-Passw0rd!", "connection": DB, **extra}
    created = api.call("POST", "/users", json=body)
    assert created.status_code == HTTPStatus.CREATED, created.text
    return created.json()


def _error(status: int, message: str, code: str) -> dict:
    return {
        "statusCode": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
        "errorCode": code,
    }


def test_create_user_returns_the_auth0_user_shape(api):
    user = _create(
        api,
        "Created@Example.com",
        name="Created",
        app_metadata={"groups": ["ops"]},
        user_metadata={"lang": "it"},
    )
    assert user["user_id"].startswith("auth0|")
    assert user["email"] == "created@example.com"  # Auth0 stores emails in lower case
    assert user["identities"] == [
        {
            "connection": DB,
            "provider": "auth0",
            "user_id": user["user_id"].split("|")[1],
            "isSocial": False,
        }
    ]
    assert (user["app_metadata"], user["user_metadata"]) == ({"groups": ["ops"]}, {"lang": "it"})
    assert "password" not in user
    assert not any("password" in key for key in user)


def test_create_user_refuses_an_existing_email_with_409(api):
    _create(api, "twice@example.com")
    again = api.call(
        "POST",
        "/users",
        json={"email": "TWICE@example.com", "password": "Str0ng-Passw0rd!", "connection": DB},
    )
    assert again.status_code == HTTPStatus.CONFLICT
    assert again.json() == _error(409, "The user already exists.", "auth0_idp_error")


@pytest.mark.parametrize(
    ("body", "message", "code", "contract_valid"),
    [
        pytest.param(
            {"email": "weak@example.com", "password": "weakpass", "connection": DB},
            "PasswordStrengthError: Password is too weak",
            "invalid_password",
            True,
            id="weak-password",
        ),
        pytest.param(
            {"email": "not-an-email", "password": "Str0ng-Passw0rd!", "connection": DB},
            "Payload validation error: 'Object didn't pass validation for format email: "
            "not-an-email' on property email (The user's email).",
            "invalid_body",
            False,
            id="bad-email",
        ),
        pytest.param(
            {"email": "x@example.com", "password": "Str0ng-Passw0rd!", "connection": "Nope"},
            "The connection does not exist.",
            "inexistent_connection",
            True,
            id="unknown-connection",
        ),
        pytest.param(
            {"email": "x@example.com", "connection": DB},
            "Payload validation error: 'Missing required property: password'.",
            "invalid_body",
            True,
            id="no-password",
        ),
    ],
)
def test_create_user_checks_the_body_with_400(api, body, message, code, contract_valid):
    # A request the contract itself rejects is still sent, to see the emulator refuse it too.
    refused = api.call("POST", "/users", json=body, check_request=contract_valid)
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.json() == _error(400, message, code)


def test_create_user_without_connection_is_refused(api):
    refused = api.call(
        "POST", "/users", json={"email": "x@example.com", "password": "x"}, check_request=False
    )
    assert refused.json() == _error(
        400, "Payload validation error: 'Missing required property: connection'.", "invalid_body"
    )


def test_get_user_by_id_with_fields(api):
    user = _create(api, "fields@example.com", name="Fields")
    full = api.call("GET", f"/users/{user['user_id']}")
    assert full.json() == user
    some = api.call("GET", f"/users/{user['user_id']}", params={"fields": "email,name"})
    assert some.json() == {"email": "fields@example.com", "name": "Fields"}
    without = api.call(
        "GET",
        f"/users/{user['user_id']}",
        params={"fields": "identities,app_metadata", "include_fields": "false"},
    )
    assert "identities" not in without.json()
    assert without.json()["email"] == "fields@example.com"


def test_get_unknown_user_is_404(api):
    missing = api.call("GET", "/users/auth0|nope")
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert missing.json() == _error(404, "The user does not exist.", "inexistent_user")


def test_patch_merges_metadata_on_the_first_level_and_replaces_the_rest(api):
    user = _create(api, "patch@example.com", app_metadata={"groups": ["a"], "plan": "gold"})
    patched = api.call(
        "PATCH",
        f"/users/{user['user_id']}",
        json={
            "name": "Patched",
            "blocked": True,
            "app_metadata": {"groups": ["b"], "plan": None, "tier": 2},
        },
    )
    assert patched.status_code == HTTPStatus.OK
    assert patched.json()["app_metadata"] == {"groups": ["b"], "tier": 2}
    assert (patched.json()["name"], patched.json()["blocked"]) == ("Patched", True)
    assert api.call("GET", f"/users/{user['user_id']}").json() == patched.json()


def test_patch_password_follows_the_policy_and_takes_effect(api, shared_emulator):
    user = _create(api, "newpass@example.com")
    weak = api.call("PATCH", f"/users/{user['user_id']}", json={"password": "short"})
    assert weak.json() == _error(
        400, "PasswordStrengthError: Password is too weak", "invalid_password"
    )
    assert (
        api.call(
            "PATCH", f"/users/{user['user_id']}", json={"password": "An0ther-Passw0rd!"}
        ).status_code
        == HTTPStatus.OK
    )
    login = post(
        f"{shared_emulator.url}/oauth/token",
        auth=WEB,
        data={
            "grant_type": "password",
            "username": "newpass@example.com",
            "password": "An0ther-Passw0rd!",
        },
    )
    assert login.status_code == HTTPStatus.OK


def test_delete_user_then_it_is_gone(api):
    user = _create(api, "delete@example.com")
    deleted = api.call("DELETE", f"/users/{user['user_id']}")
    assert (deleted.status_code, deleted.content) == (HTTPStatus.NO_CONTENT, b"")
    assert api.call("GET", f"/users/{user['user_id']}").status_code == HTTPStatus.NOT_FOUND


def test_users_by_email_finds_case_insensitively(api):
    user = _create(api, "byemail@example.com")
    found = api.call("GET", "/users-by-email", params={"email": "ByEmail@example.com"})
    assert found.json() == [user]
    assert api.call("GET", "/users-by-email", params={"email": "none@example.com"}).json() == []


def test_list_users_paginates_with_totals(api):
    emails = [f"page{i}@example.com" for i in range(7)]
    for email in emails:
        _create(api, email, app_metadata={"batch": "paging"})
    query = {"q": 'app_metadata.batch:"paging"', "search_engine": "v3", "per_page": "3"}
    seen = []
    for page, length in ((0, 3), (1, 3), (2, 1)):
        answer = api.call(
            "GET", "/users", params={**query, "page": str(page), "include_totals": "true"}
        )
        body = answer.json()
        assert {k: body[k] for k in ("start", "limit", "length", "total")} == {
            "start": page * 3,
            "limit": 3,
            "length": length,
            "total": 7,
        }
        seen += [u["email"] for u in body["users"]]
    assert seen == emails
    plain = api.call("GET", "/users", params={**query, "page": "1", "fields": "email"})
    assert plain.json() == [{"email": e} for e in emails[3:6]]


def test_list_users_refuses_bad_paging_and_old_search_engines(api):
    too_many = api.call("GET", "/users", params={"per_page": "101"}, check_request=False)
    assert too_many.status_code == HTTPStatus.BAD_REQUEST
    assert too_many.json()["errorCode"] == "invalid_query_string"
    v1 = api.call("GET", "/users", params={"search_engine": "v1", "q": "x"})
    assert v1.json() == _error(
        400, "You are not allowed to use search_engine=v1.", "invalid_query_string"
    )
    deep = api.call("GET", "/users", params={"page": "10", "per_page": "100"})
    assert deep.status_code == HTTPStatus.BAD_REQUEST


def test_roles_list_with_totals_and_name_filter(api, shared_emulator):
    roles = api.call("GET", "/roles").json()
    assert [(r["name"], r["description"]) for r in roles] == [
        ("admin", "Administrators"),
        ("user", "Ordinary users"),
    ]
    totals = api.call("GET", "/roles", params={"include_totals": "true", "name_filter": "ADM"})
    assert totals.json() == {"roles": [roles[0]], "start": 0, "limit": 50, "total": 1}


def test_user_roles_are_assigned_listed_and_removed(api):
    user = _create(api, "roles@example.com")
    admin, plain = api.call("GET", "/roles").json()
    path = f"/users/{user['user_id']}/roles"
    assigned = api.call("POST", path, json={"roles": [admin["id"], plain["id"]]})
    assert assigned.status_code == HTTPStatus.NO_CONTENT
    assert api.call("GET", path).json() == [admin, plain]
    assert api.call("DELETE", path, json={"roles": [admin["id"]]}).status_code == 204
    listed = api.call("GET", path, params={"include_totals": "true"})
    assert listed.json() == {"roles": [plain], "start": 0, "limit": 50, "total": 1}


def test_password_change_ticket_links_to_a_working_reset_page(api, shared_emulator):
    user = _create(api, "ticket@example.com")
    answer = api.call(
        "POST",
        "/tickets/password-change",
        json={"user_id": user["user_id"], "result_url": "http://127.0.0.1:8080/done"},
    )
    assert answer.status_code == HTTPStatus.CREATED
    ticket_url = answer.json()["ticket"]
    assert ticket_url.startswith(f"{shared_emulator.issuer}lo/reset?ticket=")
    page = get(ticket_url)
    assert "ticket@example.com" in page.text
    ticket = urlsplit(ticket_url).query.removeprefix("ticket=")
    done = post(
        f"{shared_emulator.url}/lo/reset",
        data={"ticket": ticket, "password": "Res3t-Passw0rd!"},
        allow_redirects=False,
    )
    assert done.headers["Location"] == "http://127.0.0.1:8080/done"
    login = post(
        f"{shared_emulator.url}/oauth/token",
        auth=WEB,
        data={
            "grant_type": "password",
            "username": "ticket@example.com",
            "password": "Res3t-Passw0rd!",
        },
    )
    assert login.status_code == HTTPStatus.OK


def test_a_token_without_the_scope_gets_403(api, shared_emulator):
    reader = shared_emulator.management_token(scope="read:users")
    refused = api.call(
        "POST",
        "/users",
        token=reader,
        json={"email": "s@example.com", "password": "x", "connection": DB},
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == _error(
        403, "Insufficient scope, expected any of: create:users", "insufficient_scope"
    )


def test_no_token_or_a_foreign_token_gets_401(api, shared_emulator):
    missing = api.call("GET", "/users", token="", check_request=False)
    assert missing.json() == _error(401, "Missing authentication", "invalid_token")
    user_token = post(
        f"{shared_emulator.url}/oauth/token",
        auth=WEB,
        data={
            "grant_type": "password",
            "username": "admin@example.com",
            "password": "Admin-Passw0rd!",
            "audience": "https://authgw.example.com/api",
        },
    ).json()["access_token"]
    foreign = api.call("GET", "/users", token=user_token)
    assert foreign.status_code == HTTPStatus.UNAUTHORIZED
    assert foreign.json()["message"].startswith("Bad audience")


def test_every_answer_carries_rate_limit_headers(api):
    answer = api.call("GET", "/roles")
    assert answer.headers["x-ratelimit-limit"] == "100"
    assert int(answer.headers["x-ratelimit-remaining"]) < 100
    assert int(answer.headers["x-ratelimit-reset"]) > 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("app_metadata.groups:lucene-a", ["luc1", "luc2"], id="group"),
        pytest.param("app_metadata.groups:lucene-a AND email:luc2*", ["luc2"], id="and-prefix"),
        pytest.param('email:"luc3@example.com" OR name:"Lucene One"', ["luc1", "luc3"], id="or"),
        pytest.param("app_metadata.groups:lucene-b AND NOT blocked:true", ["luc3"], id="not"),
    ],
)
def test_list_users_searches_with_the_lucene_subset(api, query, expected):
    if not api.call("GET", "/users-by-email", params={"email": "luc1@example.com"}).json():
        _create(api, "luc1@example.com", name="Lucene One", app_metadata={"groups": ["lucene-a"]})
        _create(
            api, "luc2@example.com", app_metadata={"groups": ["lucene-a", "lucene-b"]}, blocked=True
        )
        _create(api, "luc3@example.com", app_metadata={"groups": ["lucene-b"]})
    found = api.call("GET", "/users", params={"q": query, "search_engine": "v3"})
    assert [u["email"].split("@")[0] for u in found.json()] == expected


def test_list_users_reports_a_broken_query(api):
    broken = api.call("GET", "/users", params={"q": "(email:x", "search_engine": "v3"})
    assert broken.json() == _error(
        400, "Invalid query: unexpected end of query", "invalid_query_string"
    )


def _forged(header: dict, claims: dict, key) -> str:
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def test_forged_management_tokens_are_refused(api, shared_emulator):
    now = int(time.time())
    claims = {
        "iss": shared_emulator.issuer,
        "aud": f"{shared_emulator.issuer}api/v2/",
        "sub": "x@clients",
        "scope": "read:users",
        "iat": now,
        "exp": now + 60,
    }
    other_rsa = RSAKey.generate_key(2048, auto_kid=True)
    unsigned = (
        ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
            for part in ({"alg": "none", "typ": "JWT"}, claims)
        )
        + "."
    )
    for token in (
        unsigned,
        _forged({"alg": "HS256"}, claims, OctKey.import_key(b"s" * 32)),
        _forged({"alg": "RS256", "kid": other_rsa.kid}, claims, other_rsa),
    ):
        refused = api.call("GET", "/users", token=token)
        assert refused.status_code == HTTPStatus.UNAUTHORIZED
        assert refused.json() == _error(401, "Invalid token", "invalid_token")
