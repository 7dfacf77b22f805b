"""Console SSO through the Django test client, the Console faked per test (responses).

Login entry point, callback (state single use, bound to the browser, checked before the Console
hears anything), session like an Auth0 one, refresh through /api/refreshtoken, logout, errors.
"""

from __future__ import annotations

import time
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.test import Client
from responses import matchers

from auth0client import store
from auth0client.console.config import CONSOLE_CLIENT_TYPE
from auth0client.console.services import _state_key
from auth0client.console.tests.support import AREA, console_claims, console_settings, sign
from auth0client.jwks import jwks_cache
from auth0client.sessions import session_get_by_sid
from authgw.errors import error_body
from tests.hostile_idp import new_key

CONSOLE_URL = "https://console.example.com"
EXTENSION_URL = "https://ext.example.com"
KEY = new_key("console-key-1")
HTML = {"HTTP_ACCEPT": "text/html"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_jwks_cache():
    jwks_cache.clear()
    yield
    jwks_cache.clear()


@pytest.fixture
def config(settings, tmp_path):
    return console_settings(settings, tmp_path, url=CONSOLE_URL, extension_url=EXTENSION_URL)


@pytest.fixture
def console():
    """The Console's HTTP API; a call that a test did not register fails as unreachable."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def jwks_registered(console, key=KEY):
    return console.get(f"{CONSOLE_URL}/jwks", json={"keys": [key.as_dict(private=False)]})


def token_answer(config, **claims):
    return {
        "accessToken": sign(console_claims(config, **claims), KEY),
        "refreshToken": "rt-1",
        "expireAt": int(time.time()) + 3600,
    }


def start(client, redirect="/console-area"):
    response = client.get("/console-login", {"redirect": redirect})
    assert response.status_code == HTTPStatus.FOUND
    return parse_qs(urlsplit(response["Location"]).query)["state"][0]


def callback(client, state, code="code-1", **extra):
    return client.get("/console-login/callback", {"code": code, "state": state}, **extra)


def signed_in(client, config, console, *, jwks=True, **claims):
    state = start(client)
    console.post(
        f"{CONSOLE_URL}/api/oauth/token",
        json=token_answer(config, **claims),
        match=[matchers.json_params_matcher({"code": "code-1", "state": state})],
    )
    if jwks:  # else the keys are cached already
        jwks_registered(console)
    response = callback(client, state)
    assert response.status_code == HTTPStatus.FOUND, response.content
    return response


# --- the entry point --------------------------------------------------------------------------


def test_the_entry_point_sends_the_browser_to_the_console_with_a_new_state(client, config):
    response = client.get("/console-login", {"redirect": "/console-area"})

    location = urlsplit(response["Location"])
    assert response.status_code == HTTPStatus.FOUND
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{CONSOLE_URL}/tenants/acme/extension/acme-extension-123/authz"
    )
    state = parse_qs(location.query)["state"][0]
    assert len(state) == 43
    assert response.cookies["login_binding"]["httponly"] is True
    assert store.get(_state_key(state))["redirect"] == "/console-area"


def test_every_sign_in_gets_its_own_state(client, config):
    assert start(client) != start(client)


def test_a_foreign_redirect_is_replaced_by_the_root(client, config):
    state = start(client, redirect="//evil.example/x")

    assert store.get(_state_key(state))["redirect"] == "/"


# --- the callback -----------------------------------------------------------------------------


def test_the_callback_signs_in_like_an_auth0_session_and_the_acl_sees_the_console_groups(
    client, config, console
):
    response = signed_in(client, config, console)

    assert response["Location"] == "/console-area"
    cookie = response.cookies["sid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    session = session_get_by_sid(cookie.value)
    assert session.client_type == CONSOLE_CLIENT_TYPE
    assert session.refresh_token == "rt-1"
    assert session.sealed_refresh_token != "rt-1"  # encrypted at rest
    area = client.get(AREA)
    assert area.status_code == HTTPStatus.OK
    assert area.json() == {
        "user_id": "console|alice",
        "groups": ["extension-admins"],
        "permissions": ["reports:read"],
    }


def test_a_new_sign_in_gets_a_new_session_id_and_ends_the_previous_session(
    client, config, console
):
    first = signed_in(client, config, console).cookies["sid"].value
    second = signed_in(client, config, console, jwks=False).cookies["sid"].value

    assert first != second
    assert session_get_by_sid(first) is None
    assert session_get_by_sid(second) is not None


def test_a_console_user_outside_the_group_is_refused_by_the_auth_json_rule(
    client, config, console
):
    signed_in(client, config, console, groups=["viewers"])

    assert client.get(AREA).status_code == HTTPStatus.FORBIDDEN


def test_an_unknown_state_is_403_without_a_session_or_a_console_call(client, config, console):
    start(client)

    response = callback(client, "x" * 43)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == error_body(
        HTTPStatus.FORBIDDEN, "The sign-in expired or was already used: start again."
    )
    assert "sid" not in response.cookies


def test_a_reused_state_is_403_and_the_console_is_asked_once(client, config, console):
    state = start(client)
    console.post(f"{CONSOLE_URL}/api/oauth/token", json=token_answer(config))
    jwks_registered(console)
    assert callback(client, state).status_code == HTTPStatus.FOUND

    replay = callback(client, state)

    assert replay.status_code == HTTPStatus.FORBIDDEN
    assert replay.json()["message"] == "The sign-in expired or was already used: start again."
    assert len(console.calls) == 2  # the one code exchange and the one JWKS download


def test_an_expired_state_is_403_without_a_console_call(client, config, console):
    state = start(client)
    transaction = store.get(_state_key(state))
    store.put(_state_key(state), transaction, 1)  # what CONSOLE_STATE_SECONDS would do, sooner
    deadline = time.monotonic() + 10
    while store.get(_state_key(state)) is not None and time.monotonic() < deadline:
        time.sleep(0.1)

    response = callback(client, state)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["message"] == "The sign-in expired or was already used: start again."


def test_a_state_from_another_browser_is_403_without_a_console_call(config, console):
    state = start(Client())
    other = Client()
    start(other)  # this browser has a binding cookie of its own

    response = callback(other, state)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["message"] == "The sign-in was started in another browser: start again."
    assert "sid" not in response.cookies


def test_a_state_without_any_binding_cookie_is_403(config, console):
    state = start(Client())

    response = callback(Client(), state)

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_code_the_console_refuses_is_401_with_a_page_saying_what_to_do(client, config, console):
    state = start(client)
    console.post(
        f"{CONSOLE_URL}/api/oauth/token",
        status=401,
        json={"statusCode": 401, "error": "Unauthorized", "message": "bad code"},
    )

    response = callback(client, state, **HTML)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["Content-Type"].startswith("text/html")
    assert "The Console refused the code exchange: sign in again through the Console." in (
        response.content.decode()
    )
    assert "bad code" not in response.content.decode()
    assert "sid" not in response.cookies


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"body": requests.ConnectionError("down")}, id="unreachable"),
        pytest.param({"status": 503, "body": "unavailable"}, id="5xx"),
        pytest.param({"status": 200, "body": "<html>"}, id="not-json"),
    ],
)
def test_a_console_down_at_the_callback_is_502_never_500(client, config, console, failure):
    state = start(client)
    console.post(f"{CONSOLE_URL}/api/oauth/token", **failure)

    response = callback(client, state)

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json()["statusCode"] == HTTPStatus.BAD_GATEWAY
    assert "sid" not in response.cookies


def test_a_token_answer_that_fails_validation_signs_nobody_in(client, config, console):
    state = start(client)
    console.post(
        f"{CONSOLE_URL}/api/oauth/token",
        json=token_answer(config, aud=["https://other-extension.example.com"]),
    )
    jwks_registered(console)

    response = callback(client, state)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["message"].startswith("The Console token was refused: claim check")
    assert "sid" not in response.cookies


# --- refresh and logout -----------------------------------------------------------------------


def test_an_expiring_session_is_refreshed_through_the_console(client, config, console):
    signed_in(client, config, console, exp=int(time.time()) + 30)  # inside the refresh skew
    renewed = token_answer(config, groups=["extension-admins", "renewed"])
    console.post(
        f"{CONSOLE_URL}/api/refreshtoken",
        json=renewed,
        match=[matchers.json_params_matcher({"refreshToken": "rt-1"})],
    )

    area = client.get(AREA)

    assert area.status_code == HTTPStatus.OK
    assert area.json()["groups"] == ["extension-admins", "renewed"]
    session = session_get_by_sid(client.cookies["sid"].value)
    assert session.access_token == renewed["accessToken"]
    assert session.generation == 1


def test_a_refresh_token_the_console_refuses_ends_the_session(client, config, console):
    signed_in(client, config, console, exp=int(time.time()) - 5)
    console.post(f"{CONSOLE_URL}/api/refreshtoken", status=401, json={"message": "revoked"})

    area = client.get(AREA)

    assert area.status_code == HTTPStatus.UNAUTHORIZED
    assert session_get_by_sid(client.cookies["sid"].value) is None


def test_a_console_down_at_the_refresh_of_an_expired_session_keeps_it_for_later(
    client, config, console
):
    signed_in(client, config, console, exp=int(time.time()) - 5)
    sid = client.cookies["sid"].value
    console.post(f"{CONSOLE_URL}/api/refreshtoken", status=503)

    area = client.get(AREA)

    assert area.status_code == HTTPStatus.BAD_GATEWAY  # cannot tell: fail closed, keep the cookie
    assert session_get_by_sid(sid) is not None


def test_logout_ends_a_console_session_without_calling_auth0(client, config, console):
    signed_in(client, config, console)
    sid = client.cookies["sid"].value

    response = client.get("/logout", {"redirect": "/bye"})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "http://testserver/bye"
    assert session_get_by_sid(sid) is None
    assert client.get(AREA).status_code == HTTPStatus.UNAUTHORIZED
