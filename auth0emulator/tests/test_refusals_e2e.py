"""What the emulator must refuse, with Auth0's statuses and bodies."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from auth0emulator.testing import demo_seed
from auth0emulator.tests.helpers import (
    ADMIN,
    API,
    CALLBACK,
    WEB,
    Browser,
    bearer,
    browser_login,
    get,
    post,
)

pytestmark = pytest.mark.e2e


def _authorize(emulator, verifier: str, **extra: str) -> str:
    client = OAuth2Session(WEB[0], scope="openid offline_access", redirect_uri=CALLBACK)
    url, _ = client.create_authorization_url(
        f"{emulator.url}/authorize",
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        **extra,
    )
    return url


def _code(emulator, verifier: str, **extra: str) -> str:
    callback = browser_login(Browser(), _authorize(emulator, verifier, **extra), *ADMIN)
    assert callback.status_code == HTTPStatus.FOUND, callback.text
    return callback.headers["Location"].split("code=", 1)[1].split("&", 1)[0]


def _exchange(emulator, code: str, verifier: str | None, redirect_uri: str = CALLBACK):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    return post(f"{emulator.url}/oauth/token", data=data, auth=WEB)


def _refresh(emulator, refresh_token: str):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return post(f"{emulator.url}/oauth/token", data=data, auth=WEB)


INVALID_REFRESH = {
    "error": "invalid_grant",
    "error_description": "Unknown or invalid refresh token.",
}


def test_a_wrong_pkce_verifier_is_refused(shared_emulator):
    verifier = generate_token(48)
    refused = _exchange(shared_emulator, _code(shared_emulator, verifier), generate_token(48))
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "Failed to verify code verifier",
    }


def test_a_missing_pkce_verifier_is_refused(shared_emulator):
    verifier = generate_token(48)
    refused = _exchange(shared_emulator, _code(shared_emulator, verifier), None)
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.json() == {
        "error": "invalid_request",
        "error_description": "Missing 'code_verifier'",
    }


def test_the_plain_pkce_method_is_refused_at_authorize(shared_emulator):
    url = _authorize(shared_emulator, generate_token(48)).replace(
        "code_challenge_method=S256", "code_challenge_method=plain"
    )
    answer = get(url, allow_redirects=False)
    assert answer.status_code == HTTPStatus.FOUND
    assert "error=invalid_request" in answer.headers["Location"]
    assert answer.headers["Location"].startswith(CALLBACK)


def test_a_replayed_code_is_refused_and_revokes_what_it_issued(shared_emulator):
    verifier = generate_token(48)
    code = _code(shared_emulator, verifier)
    first = _exchange(shared_emulator, code, verifier)
    assert first.status_code == HTTPStatus.OK
    replay = _exchange(shared_emulator, code, verifier)
    assert replay.status_code == HTTPStatus.FORBIDDEN
    assert replay.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid authorization code",
    }
    assert _refresh(shared_emulator, first.json()["refresh_token"]).json() == INVALID_REFRESH
    info = get(f"{shared_emulator.url}/userinfo", headers=bearer(first.json()["access_token"]))
    assert info.status_code == HTTPStatus.UNAUTHORIZED


def test_a_reused_refresh_token_is_refused_and_revokes_its_family(shared_emulator):
    verifier = generate_token(48)
    tokens = _exchange(shared_emulator, _code(shared_emulator, verifier), verifier).json()
    rotated = _refresh(shared_emulator, tokens["refresh_token"]).json()
    reuse = _refresh(shared_emulator, tokens["refresh_token"])
    assert reuse.status_code == HTTPStatus.FORBIDDEN
    assert reuse.json() == INVALID_REFRESH
    # Reuse means theft: the rotated token of the same family dies too.
    assert _refresh(shared_emulator, rotated["refresh_token"]).json() == INVALID_REFRESH


def test_an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect(shared_emulator):
    url = _authorize(shared_emulator, generate_token(48)).replace(
        "web-login%2Fcallback", "evil%2Fcallback"
    )
    answer = get(url, allow_redirects=False)
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert "Location" not in answer.headers
    assert "is not supported by client" in answer.text


def test_a_redirect_uri_differing_from_the_authorize_request_is_refused(shared_emulator):
    verifier = generate_token(48)
    code = _code(shared_emulator, verifier)
    refused = _exchange(shared_emulator, code, verifier, "http://localhost:8080/web-login/callback")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {"error": "invalid_grant", "error_description": "Invalid redirect_uri"}


def test_an_expired_code_is_refused(emulator):
    verifier = generate_token(48)
    code = _code(emulator, verifier)
    emulator.advance_clock(601)  # codes live ten minutes
    refused = _exchange(emulator, code, verifier)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid authorization code",
    }


def test_a_disallowed_return_to_is_refused_and_keeps_the_session(shared_emulator):
    browser = Browser()
    verifier = generate_token(48)
    url = _authorize(shared_emulator, verifier)
    assert browser_login(browser, url, *ADMIN).status_code == HTTPStatus.FOUND
    answer = browser.get(
        f"{shared_emulator.url}/v2/logout",
        params={"client_id": "authgw-web", "returnTo": "https://evil.example.com/"},
        allow_redirects=False,
    )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert "Location" not in answer.headers
    assert "Allowed Logout URLs" in answer.text
    assert browser.get(url, allow_redirects=False).status_code == HTTPStatus.FOUND


def test_a_wrong_password_gets_auth0s_403(shared_emulator):
    data = {"grant_type": "password", "username": ADMIN[0], "password": "nope"}
    refused = post(f"{shared_emulator.url}/oauth/token", data=data, auth=WEB)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "Wrong email or password.",
    }


def test_the_login_page_shows_an_error_for_a_wrong_password(shared_emulator):
    answer = browser_login(
        Browser(), _authorize(shared_emulator, generate_token(48)), ADMIN[0], "nope"
    )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert "Wrong email or password" in answer.text
    assert "Location" not in answer.headers


def test_a_blocked_user_gets_auth0s_401(shared_emulator):
    token = shared_emulator.management_token()
    created = post(
        f"{shared_emulator.url}/api/v2/users",
        json={
            "email": "blocked@example.com",
            "password": "Blocked-Passw0rd!",
            "connection": "Username-Password-Authentication",
            "blocked": True,
        },
        headers=bearer(token),
    )
    assert created.status_code == HTTPStatus.CREATED
    data = {
        "grant_type": "password",
        "username": "blocked@example.com",
        "password": "Blocked-Passw0rd!",
    }
    refused = post(f"{shared_emulator.url}/oauth/token", data=data, auth=WEB)
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert refused.json() == {"error": "unauthorized", "error_description": "user is blocked"}


def test_a_wrong_client_secret_is_refused(shared_emulator):
    data = {"grant_type": "password", "username": ADMIN[0], "password": ADMIN[1]}
    refused = post(f"{shared_emulator.url}/oauth/token", data=data, auth=(WEB[0], "x"))
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert refused.json() == {"error": "access_denied", "error_description": "Unauthorized"}


@pytest.mark.parametrize(
    ("data", "body"),
    [
        pytest.param(
            {"audience": "https://unknown.example.com/"},
            {
                "error": "access_denied",
                "error_description": "Service not found: https://unknown.example.com/",
            },
            id="unknown-audience",
        ),
        pytest.param(
            {"audience": API},
            {
                "error": "access_denied",
                "error_description": f"Client is not authorized to access '{API}'.",
            },
            id="no-client-grant",
        ),
    ],
)
def test_client_credentials_need_a_client_grant(shared_emulator, data, body):
    data = {"grant_type": "client_credentials", **data}
    auth = ("authgw-management", "authgw-management-secret")
    refused = post(f"{shared_emulator.url}/oauth/token", data=data, auth=auth)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == body


def test_client_credentials_refuse_scopes_that_were_not_granted(shared_emulator):
    data = {
        "grant_type": "client_credentials",
        "audience": f"{shared_emulator.issuer}api/v2/",
        "scope": "read:users delete:roles",
    }
    auth = ("authgw-management", "authgw-management-secret")
    refused = post(f"{shared_emulator.url}/oauth/token", data=data, auth=auth)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {
        "error": "access_denied",
        "error_description": "Client has not been granted scopes: delete:roles",
    }


def test_a_grant_type_the_client_lacks_is_refused(shared_emulator):
    data = {"grant_type": "client_credentials", "audience": f"{shared_emulator.issuer}api/v2/"}
    refused = post(f"{shared_emulator.url}/oauth/token", data=data, auth=WEB)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {
        "error": "unauthorized_client",
        "error_description": "Grant type 'client_credentials' not allowed for the client.",
    }


def test_userinfo_refuses_a_missing_or_unknown_token(shared_emulator):
    missing = get(f"{shared_emulator.url}/userinfo")
    unknown = get(f"{shared_emulator.url}/userinfo", headers=bearer("nope"))
    assert (missing.status_code, unknown.status_code) == (401, 401)
    assert unknown.json()["error"] == "invalid_token"


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        pytest.param(
            {"audience": "https://unknown.example.com/"},
            "error=access_denied&error_description=Service+not+found%3A+https%3A%2F%2Funknown.example.com%2F",
            id="unknown-audience",
        ),
        pytest.param(
            {"connection": "Nope"},
            "error=invalid_request&error_description=the+connection+was+not+found",
            id="unknown-connection",
        ),
    ],
)
def test_authorize_refuses_unknown_audiences_and_connections_through_the_redirect(
    shared_emulator, extra, error
):
    answer = get(_authorize(shared_emulator, generate_token(48), **extra), allow_redirects=False)
    assert answer.status_code == HTTPStatus.FOUND
    assert answer.headers["Location"].startswith(f"{CALLBACK}?{error}&state=")


def test_a_rotated_refresh_token_may_be_reused_within_the_clients_leeway(emulator_factory):
    seed = demo_seed()
    seed["clients"][0]["refresh_token"] = {"rotation_type": "rotating", "leeway": 30}
    emulator = emulator_factory(seed)
    verifier = generate_token(48)
    tokens = _exchange(emulator, _code(emulator, verifier), verifier).json()
    assert _refresh(emulator, tokens["refresh_token"]).status_code == HTTPStatus.OK
    # A concurrent refresh that lost the race, within the reuse interval: still served.
    assert _refresh(emulator, tokens["refresh_token"]).status_code == HTTPStatus.OK
    emulator.advance_clock(31)
    assert _refresh(emulator, tokens["refresh_token"]).json() == INVALID_REFRESH
