"""One request id everywhere: provider calls and their log lines carry the request's id, and a
refused ID or access token is logged once, with the reason and never the token."""

from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest

from auth0client.client import get_authentication_client
from auth0client.errors import Auth0BadGatewayError
from auth0client.tests import idp
from authgw.tests.log_capture import json_log_lines

pytestmark = pytest.mark.django_db

REQUEST_ID = "abc123"


@pytest.fixture
def log_lines():
    with json_log_lines() as lines:
        yield lines


def lines_of(log_lines, logger_name):
    return [line for line in log_lines() if line["logger"] == logger_name]


def warnings_of(log_lines):
    return [line for line in log_lines() if line["level"] == "warn"]


def started_login(client):
    started = client.get("/authorize")
    assert started.status_code == HTTPStatus.FOUND
    return {
        name: values[0] for name, values in parse_qs(urlsplit(started["Location"]).query).items()
    }


def callback(client, login):
    return client.get(
        "/web-login/callback",
        {"code": "the-code", "state": login["state"]},
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )


def test_a_log_line_of_a_provider_call_carries_the_request_id_the_call_sent(
    client, tenant, provider, log_lines
):
    login = started_login(client)
    refusal = {"error": "invalid_grant", "error_description": "Invalid authorization code"}
    token = provider.post(idp.TOKEN_URL, json=refusal, status=HTTPStatus.FORBIDDEN)

    answer = callback(client, login)

    assert answer.status_code == HTTPStatus.FORBIDDEN
    [line] = lines_of(log_lines, "auth0client.client")
    assert line["msg"] == "auth0 refused code exchange: invalid_grant"
    assert line["request_id"] == REQUEST_ID
    [call] = token.calls
    assert call.request.headers["X-Request-Id"] == REQUEST_ID


def test_every_provider_call_of_a_sign_in_and_its_audit_line_carry_the_request_id(
    client, tenant, provider, log_lines
):
    login = started_login(client)
    jwks = idp.serve_jwks(provider)
    token = provider.post(idp.TOKEN_URL, json=idp.token_answer(nonce=login["nonce"]))

    answer = callback(client, login)

    assert answer.status_code == HTTPStatus.FOUND
    sent = [call.request.headers["X-Request-Id"] for call in (*token.calls, *jwks.calls)]
    assert sent == [REQUEST_ID, REQUEST_ID]
    [audit] = lines_of(log_lines, "authgw.audit")
    assert audit["msg"] == "sign-in"
    assert audit["request_id"] == REQUEST_ID


def test_a_refused_id_token_at_the_callback_logs_one_warning_with_the_reason(
    client, tenant, provider, log_lines
):
    login = started_login(client)
    idp.serve_jwks(provider)
    id_token = idp.sign(idp.id_claims(nonce=login["nonce"]) | {"aud": "someone-else"})
    provider.post(idp.TOKEN_URL, json=idp.token_answer() | {"id_token": id_token})

    answer = callback(client, login)

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    reason = "The token was refused: claim check failed (invalid_claim: Invalid claim: 'aud')."
    [warning] = warnings_of(log_lines)
    assert {key: value for key, value in warning.items() if key != "time"} == {
        "level": "warn",
        "logger": "auth0client.tokens",
        "msg": f"ID token refused: {reason}",
        "reason": reason,
        "request_id": REQUEST_ID,
    }
    assert id_token not in json.dumps(log_lines())


def test_a_refused_access_token_logs_one_warning_with_the_reason(
    client, tenant, provider, log_lines
):
    idp.serve_jwks(provider)
    access_token = idp.sign(idp.access_claims(aud="https://another-api.example.com/"))

    answer = client.get(
        "/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}", HTTP_X_REQUEST_ID=REQUEST_ID
    )

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    reason = "The token was refused: claim check failed (invalid_claim: Invalid claim: 'aud')."
    [warning] = warnings_of(log_lines)
    assert warning["logger"] == "auth0client.tokens"
    assert warning["msg"] == f"access token refused: {reason}"
    assert warning["request_id"] == REQUEST_ID
    assert access_token not in json.dumps(log_lines())


def test_outside_a_request_provider_calls_and_their_lines_have_no_request_id(
    tenant, web_client, provider, log_lines
):
    failing = provider.get(idp.JWKS_URL, status=HTTPStatus.INTERNAL_SERVER_ERROR)

    with pytest.raises(Auth0BadGatewayError):
        get_authentication_client(web_client).jwks()

    [call] = failing.calls
    assert "X-Request-Id" not in call.request.headers
    [line] = lines_of(log_lines, "auth0client.client")
    assert line["msg"] == "auth0 answered 500 to JWKS download"
    assert "request_id" not in line
