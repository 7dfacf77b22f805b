"""POST /api/token: the seed's proxy to <CONSOLE_URL>/api/oauth/token, and nothing more."""

from __future__ import annotations

import json
from dataclasses import replace
from http import HTTPStatus

import pytest
import requests
import responses
from responses import matchers

from auth0client.console.tests.support import console_settings
from authgw.errors import error_body

CONSOLE_URL = "https://console.example.com"
EXTENSION_URL = "https://ext.example.com"
ANSWER = {"accessToken": "at", "refreshToken": "rt", "expireAt": 1234567890}
BODY = {"code": "code-1", "state": "state-1"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def config(settings, tmp_path):
    return console_settings(settings, tmp_path, url=CONSOLE_URL, extension_url=EXTENSION_URL)


@pytest.fixture
def console():
    """A call the test did not register fails: proves a refused request never reached it."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def post(client, body=BODY, content_type="application/json", **headers):
    raw = json.dumps(body) if isinstance(body, dict) else body
    return client.post("/api/token", raw, content_type=content_type, **headers)


def test_the_console_answer_is_returned_as_it_is(client, config, console):
    console.post(
        f"{CONSOLE_URL}/api/oauth/token",
        json=ANSWER,
        match=[matchers.json_params_matcher(BODY)],
    )

    response = post(client, HTTP_COOKIE="sid=secret-session", HTTP_X_CUSTOM="private")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == ANSWER
    assert "no-store" in response["Cache-Control"]
    [sent] = [call.request for call in console.calls]
    assert "Cookie" not in sent.headers
    assert "X-Custom" not in sent.headers
    assert json.loads(sent.body) == BODY


def test_extra_fields_are_refused(client, config, console):
    response = post(client, BODY | {"redirect_uri": "https://evil.example"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(
        HTTPStatus.BAD_REQUEST, 'The body must be exactly {"code": "...", "state": "..."}.'
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"code": "c"}, id="missing-state"),
        pytest.param({"code": 1, "state": "s"}, id="number"),
        pytest.param({"code": "", "state": "s"}, id="empty"),
        pytest.param("[1, 2]", id="array"),
    ],
)
def test_anything_but_two_strings_is_refused(client, config, console, body):
    assert post(client, body).status_code == HTTPStatus.BAD_REQUEST


def test_a_non_json_body_is_refused(client, config, console):
    response = post(client, "code=c&state=s", content_type="application/x-www-form-urlencoded")

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response.json() == error_body(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        "The body must be JSON (Content-Type: application/json).",
    )


def test_a_body_that_is_not_valid_json_is_refused(client, config, console):
    response = post(client, '{"code": "c", "state":')

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(HTTPStatus.BAD_REQUEST, "The body is not valid JSON.")


def test_a_body_over_4_kb_is_refused(client, config, console):
    response = post(client, {"code": "c" * 4100, "state": "s"})

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def test_a_foreign_origin_is_refused(client, config, console):
    response = post(client, HTTP_ORIGIN="https://evil.example")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == error_body(HTTPStatus.FORBIDDEN, "Cross-origin request refused.")


def test_the_same_origin_is_accepted(client, config, console):
    console.post(f"{CONSOLE_URL}/api/oauth/token", json=ANSWER)

    assert post(client, HTTP_ORIGIN="http://testserver").status_code == HTTPStatus.OK


def test_requests_beyond_the_rate_per_minute_get_429(client, settings, config, console):
    settings.CONSOLE = replace(config, token_rate_per_minute=2)
    console.post(f"{CONSOLE_URL}/api/oauth/token", json=ANSWER)

    statuses = [post(client).status_code for _ in range(3)]

    assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]
    refused = post(client)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert len(console.calls) == 2


def test_a_code_the_console_refuses_is_401(client, config, console):
    console.post(f"{CONSOLE_URL}/api/oauth/token", status=400, json={"message": "bad code"})

    response = post(client)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == error_body(
        HTTPStatus.UNAUTHORIZED,
        "The Console refused the code exchange: sign in again through the Console.",
    )


def test_a_console_that_is_down_is_502(client, config, console):
    console.post(f"{CONSOLE_URL}/api/oauth/token", body=requests.ConnectionError("down"))

    response = post(client)

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json() == error_body(
        HTTPStatus.BAD_GATEWAY,
        "The Console is not reachable (code exchange): try again in a moment.",
    )


def test_get_is_not_allowed(client, config):
    assert client.get("/api/token").status_code == HTTPStatus.METHOD_NOT_ALLOWED
