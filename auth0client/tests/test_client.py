from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from responses import matchers

from auth0client.client import get_authentication_client
from auth0client.errors import (
    Auth0BadGatewayError,
    Auth0UnavailableError,
    InvalidGrantError,
    LoginThrottledError,
    NotAuthenticatedError,
)
from auth0client.tests import idp

VERIFIER = "v" * 64


@pytest.fixture
def auth(settings, web_client):
    return get_authentication_client(web_client)


def test_authorization_url_carries_pkce_s256_nonce_audience_and_scopes(auth):
    url = auth.authorization_url(
        state="s" * 32, nonce="n" * 32, code_verifier=VERIFIER, connection="db", prompt="login"
    )

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{idp.ISSUER}authorize"
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": [idp.CLIENT_ID],
        "redirect_uri": [idp.REDIRECT_URL],
        "scope": ["openid offline_access profile email"],
        "state": ["s" * 32],
        "nonce": ["n" * 32],
        "code_challenge": [create_s256_code_challenge(VERIFIER)],
        "code_challenge_method": ["S256"],
        "audience": [idp.AUDIENCE],
        "connection": ["db"],
        "prompt": ["login"],
    }


def test_code_exchange_posts_the_verifier_and_client_credentials(provider, auth):
    idp.serve_token(
        provider,
        idp.token_answer(),
        grant_type="authorization_code",
        code="the-code",
        code_verifier=VERIFIER,
        redirect_uri=idp.REDIRECT_URL,
        client_id=idp.CLIENT_ID,
        client_secret=idp.CLIENT_SECRET,
    )

    tokens = auth.exchange_code(code="the-code", code_verifier=VERIFIER)

    assert tokens.refresh_token == "rt-1"
    assert tokens.id_token


def test_password_grant_uses_the_realm_grant_with_a_connection(provider, auth):
    idp.serve_token(
        provider,
        idp.token_answer(),
        grant_type="http://auth0.com/oauth/grant-type/password-realm",
        username="alice@example.com",
        password="pw",
        realm="Username-Password-Authentication",
        audience=idp.AUDIENCE,
        scope="openid offline_access profile email",
        client_id=idp.CLIENT_ID,
        client_secret=idp.CLIENT_SECRET,
    )

    auth.password_grant(
        username="alice@example.com", password="pw", connection="Username-Password-Authentication"
    )


def test_refresh_sends_only_the_refresh_token_and_client_credentials(provider, auth):
    idp.serve_token(
        provider,
        idp.token_answer(refresh_token="rt-2"),
        grant_type="refresh_token",
        refresh_token="rt-1",
        client_id=idp.CLIENT_ID,
        client_secret=idp.CLIENT_SECRET,
    )

    assert auth.refresh(refresh_token="rt-1").refresh_token == "rt-2"


def test_revocation_posts_the_refresh_token(provider, auth):
    provider.post(
        idp.REVOKE_URL,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "token": "rt-1",
                    "token_type_hint": "refresh_token",
                    "client_id": idp.CLIENT_ID,
                    "client_secret": idp.CLIENT_SECRET,
                }
            )
        ],
    )

    auth.revoke(refresh_token="rt-1")


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        pytest.param(
            {
                "json": {"error": "invalid_grant", "error_description": "Wrong email or password."},
                "status": 403,
            },
            InvalidGrantError,
            id="invalid-grant-403",
        ),
        pytest.param(
            {
                "json": {"error": "unauthorized", "error_description": "user is blocked"},
                "status": 401,
            },
            InvalidGrantError,
            id="blocked-user-401",
        ),
        pytest.param(
            {"json": {"error": "too_many_attempts"}, "status": 429},
            LoginThrottledError,
            id="brute-force-protection",
        ),
        pytest.param(
            {"json": {"error": "invalid_client"}, "status": 401},
            Auth0BadGatewayError,
            id="our-credentials-refused",
        ),
        pytest.param({"body": "oops", "status": 500}, Auth0BadGatewayError, id="provider-500"),
        pytest.param({"body": "<html>", "status": 200}, Auth0BadGatewayError, id="not-json"),
        pytest.param(
            {"body": requests.ConnectionError("refused")},
            Auth0UnavailableError,
            id="connection-refused",
        ),
        pytest.param({"body": requests.Timeout("slow")}, Auth0UnavailableError, id="timeout"),
    ],
)
def test_token_endpoint_failures_become_the_products_errors(provider, auth, answer, error):
    provider.post(idp.TOKEN_URL, **answer)

    with pytest.raises(error):
        auth.password_grant(username="alice@example.com", password="pw", connection=None)


def test_token_answer_without_access_token_is_a_bad_gateway(provider, auth):
    provider.post(idp.TOKEN_URL, json={"token_type": "Bearer"})

    with pytest.raises(Auth0BadGatewayError):
        auth.refresh(refresh_token="rt-1")


def test_userinfo_refusal_means_not_authenticated(provider, auth):
    provider.get(
        idp.USERINFO_URL,
        status=401,
        match=[matchers.header_matcher({"Authorization": "Bearer opaque"})],
    )

    with pytest.raises(NotAuthenticatedError):
        auth.userinfo(access_token="opaque")


@pytest.mark.parametrize(
    ("return_to", "with_client_id", "expected"),
    [
        pytest.param(None, False, f"{idp.ISSUER}v2/logout", id="no-return-to"),
        pytest.param(
            "https://app.example.com/x?a=1",
            False,
            f"{idp.ISSUER}v2/logout?returnTo=https%3A%2F%2Fapp.example.com%2Fx%3Fa%3D1",
            id="return-to-with-query",
        ),
        pytest.param(
            None, True, f"{idp.ISSUER}v2/logout?client_id={idp.CLIENT_ID}", id="client-id"
        ),
    ],
)
def test_logout_url(auth, return_to, with_client_id, expected):
    assert auth.logout_url(return_to=return_to, with_client_id=with_client_id) == expected


def test_every_call_has_the_configured_timeout(provider, settings, web_client):
    settings.AUTH0_TIMEOUT_SECONDS = 1.5
    seen = []
    provider.add_callback(
        "GET",
        idp.JWKS_URL,
        callback=lambda request: seen.append(request.req_kwargs["timeout"]) or (200, {}, "{}"),
    )

    with pytest.raises(Auth0BadGatewayError):
        get_authentication_client(web_client).jwks()
    assert seen == [1.5]
