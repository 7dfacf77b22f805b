"""Any certified OpenID provider, not only Auth0: discovered endpoints and issuer, RFC 9207 `iss`
on the callback, opaque and `at+jwt` access tokens, RP-initiated logout, client_secret_basic."""

from __future__ import annotations

import base64
from dataclasses import replace
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from responses import matchers

from auth0client.config import Auth0ServiceConfig
from auth0client.discovery import discovery_cache
from auth0client.errors import TokenInvalidError
from auth0client.sessions import session_get_by_sid
from auth0client.tests import idp
from auth0client.tests.conftest import pkce_matcher
from auth0client.tokens import access_token_validate, id_token_validate

pytestmark = [pytest.mark.django_db, pytest.mark.auth0client_only]

BASE = "https://op.example.com/"
ISSUER = "https://op.example.com"  # oidc-provider's shape: no trailing slash
AUTH_URL = f"{ISSUER}/auth"
TOKEN_URL = f"{ISSUER}/token"
USERINFO_URL = f"{ISSUER}/me"
JWKS_URL = f"{ISSUER}/jwks"
END_SESSION_URL = f"{ISSUER}/session/end"
REVOCATION_URL = f"{ISSUER}/token/revocation"
BASIC = "Basic " + base64.b64encode(f"{idp.CLIENT_ID}:{idp.CLIENT_SECRET}".encode()).decode()


def discovery(**overrides):
    document = {
        "issuer": ISSUER,
        "authorization_endpoint": AUTH_URL,
        "token_endpoint": TOKEN_URL,
        "userinfo_endpoint": USERINFO_URL,
        "jwks_uri": JWKS_URL,
        "end_session_endpoint": END_SESSION_URL,
        "revocation_endpoint": REVOCATION_URL,
        "authorization_response_iss_parameter_supported": True,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }
    return document | overrides


@pytest.fixture
def op(settings):
    """A tenant whose web client points at a certified provider (basic client authentication)."""
    client = idp.client_config(
        auth0_url=BASE,
        token_endpoint_auth_method="client_secret_basic",
        supported_connections=(),
        default_connection=None,
    )
    settings.AUTH0_SERVICE_CONFIG = Auth0ServiceConfig(
        clients={"web": client, "api": replace(client, client_type="api", scopes=("email",))},
        default_client="web",
        custom_claims_namespaces=(idp.NAMESPACE,),
        source="test",
    )
    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, scope="test")
    discovery_cache.clear()
    return client


def serve_discovery(provider):
    provider.get(f"{BASE}.well-known/openid-configuration", json=discovery())


def op_tokens(*, nonce=None, access_token="opaque-access-token-0", **claims):  # noqa: S107
    id_token = idp.sign(idp.id_claims(iss=ISSUER, nonce=nonce, **claims))
    return {
        "access_token": access_token,
        "id_token": id_token,
        "refresh_token": "op-refresh-1",
        "token_type": "Bearer",
        "expires_in": 3600,
    }


def start(client):
    started = client.get("/authorize", {"redirect": "/after"})
    assert started.status_code == HTTPStatus.FOUND
    location = urlsplit(started["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTH_URL
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def serve_token(provider, query, answer=None):
    provider.get(JWKS_URL, json=idp.public_jwks())
    return provider.post(
        TOKEN_URL,
        json=answer or op_tokens(nonce=query["nonce"]),
        match=[
            pkce_matcher(query["code_challenge"]),
            matchers.header_matcher({"Authorization": BASIC}),
        ],
    )


def callback(client, query, **extra):
    return client.get("/web-login/callback", {"code": "c-1", "state": query["state"], **extra})


def test_sign_in_at_a_provider_whose_issuer_has_no_trailing_slash(client, op, provider):
    serve_discovery(provider)
    query = start(client)
    serve_token(provider, query)

    answer = callback(client, query, iss=ISSUER)

    assert answer.status_code == HTTPStatus.FOUND
    assert answer["Location"] == "/after"
    session = session_get_by_sid(answer.cookies["sid"].value)
    assert session is not None
    assert session.user["email"] == "alice@example.com"


def test_an_id_token_with_auth0s_trailing_slash_is_refused_when_the_issuer_has_none(
    client, op, provider
):
    serve_discovery(provider)
    query = start(client)
    answer = op_tokens(nonce=query["nonce"])
    answer["id_token"] = idp.sign(idp.id_claims(iss=BASE, nonce=query["nonce"]))
    serve_token(provider, query, answer)

    refused = callback(client, query, iss=ISSUER)

    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert "sid" not in refused.cookies or refused.cookies["sid"].value == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            {"iss": "https://evil.example.com"},
            "The sign-in answer comes from another identity provider (iss): start again.",
            id="another-issuer",
        ),
        pytest.param(
            {"iss": BASE},
            "The sign-in answer comes from another identity provider (iss): start again.",
            id="trailing-slash-added",
        ),
        pytest.param(
            {},
            "The sign-in answer does not name its identity provider (iss): start again.",
            id="missing-though-advertised",
        ),
    ],
)
def test_callback_iss_that_is_not_the_issuer_is_refused_before_the_code_exchange(
    client, op, provider, extra, message
):
    serve_discovery(provider)
    query = start(client)

    refused = callback(client, query, **extra)

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert message in refused.content.decode()
    assert [call.request.url for call in provider.calls if call.request.method == "POST"] == []


def test_opaque_access_token_is_read_at_the_discovered_userinfo_endpoint(client, op, provider):
    serve_discovery(provider)
    provider.get(
        USERINFO_URL,
        json={"sub": "op-user", "email": "op@example.com"},
        match=[matchers.header_matcher({"Authorization": "Bearer opaque-0123456789abcdef"})],
    )

    answer = client.get(
        "/users/me", HTTP_AUTHORIZATION="Bearer opaque-0123456789abcdef", HTTP_CLIENT_TYPE="api"
    )

    assert answer.status_code == HTTPStatus.OK
    assert answer.json()["email"] == "op@example.com"


def test_refresh_and_logout_go_to_the_discovered_endpoints(client, op, provider):
    serve_discovery(provider)
    query = start(client)
    serve_token(provider, query)
    sid = callback(client, query, iss=ISSUER).cookies["sid"].value
    id_token = session_get_by_sid(sid).id_token
    refreshed = op_tokens(access_token="opaque-access-token-refreshed")
    provider.post(
        TOKEN_URL,
        json=refreshed,
        match=[
            matchers.header_matcher({"Authorization": BASIC}),
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": "op-refresh-1"}
            ),
        ],
    )
    provider.post(
        REVOCATION_URL,
        match=[
            matchers.header_matcher({"Authorization": BASIC}),
            matchers.urlencoded_params_matcher(
                {"token": "op-refresh-1", "token_type_hint": "refresh_token"}
            ),
        ],
    )

    assert client.post("/refreshtoken").status_code == HTTPStatus.OK
    assert session_get_by_sid(sid).access_token == "opaque-access-token-refreshed"
    answer = client.get("/logout", {"redirect": "/bye"})

    assert answer.status_code == HTTPStatus.FOUND
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == END_SESSION_URL
    assert parse_qs(location.query) == {
        "client_id": [idp.CLIENT_ID],
        "id_token_hint": [refreshed["id_token"]],
        "post_logout_redirect_uri": ["http://testserver/bye"],
    }
    assert id_token != refreshed["id_token"]
    assert session_get_by_sid(sid) is None


# --- RFC 9068 `at+jwt` access tokens ------------------------------------------------------------


def _at_jwt(**header):
    claims = idp.access_claims(iss=ISSUER, client_id=idp.CLIENT_ID, jti="at-1")
    return idp.sign(claims, **header), claims


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt", "JWT", None])
def test_access_tokens_typed_at_jwt_or_plain_jwt_are_validated(op, typ):
    token, claims = _at_jwt(typ=typ)

    validated = access_token_validate(token, client=op, fetch=idp.public_jwks, issuer=ISSUER)

    assert validated == claims


def test_an_at_jwt_access_token_is_never_an_id_token(op):
    token = idp.sign(idp.id_claims(iss=ISSUER, nonce="n-1"), typ="at+jwt")

    with pytest.raises(TokenInvalidError, match="not an ID token's"):
        id_token_validate(token, client=op, fetch=idp.public_jwks, issuer=ISSUER, nonce="n-1")


def test_a_token_of_another_type_is_not_an_access_token(op):
    token, _ = _at_jwt(typ="logout+jwt")

    with pytest.raises(TokenInvalidError, match="not an access token's"):
        access_token_validate(token, client=op, fetch=idp.public_jwks, issuer=ISSUER)
