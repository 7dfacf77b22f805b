"""Each grant end to end over real sockets, driven by Authlib's OAuth client from the discovery
document, with ID and access tokens verified against the published JWKS."""

from __future__ import annotations

from http import HTTPStatus

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt

from auth0emulator.tests.helpers import (
    ADMIN,
    API,
    CALLBACK,
    NAMESPACE,
    USER,
    WEB,
    Browser,
    bearer,
    browser_login,
    discovery,
    get,
    post,
    verify_jwt,
)

pytestmark = pytest.mark.e2e
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
CODE_SCOPE = "openid profile email offline_access read:orders write:orders"


def _code_client(method: str = "client_secret_post") -> OAuth2Session:
    return OAuth2Session(
        *WEB,
        scope=CODE_SCOPE,
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method=method,
    )


def _code_flow(meta: dict, browser: requests.Session, nonce: str, **params: str) -> dict:
    client = _code_client()
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params
    )
    callback = browser_login(browser, url, *ADMIN)
    assert callback.status_code == HTTPStatus.FOUND
    return dict(
        client.fetch_token(
            meta["token_endpoint"],
            authorization_response=callback.headers["Location"],
            code_verifier=verifier,
            state=state,
        )
    )


def test_authorization_code_with_pkce_issues_tokens_that_verify_against_the_jwks(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    nonce = generate_token(16)
    token = _code_flow(meta, Browser(), nonce, audience=API)

    header, id_claims = verify_jwt(token["id_token"], meta["jwks_uri"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": shared_emulator.issuer},
        aud={"essential": True, "value": "authgw-web"},
        nonce={"essential": True, "value": nonce},
    ).validate(id_claims)
    assert header["alg"] == "RS256"
    assert header["kid"] in {k["kid"] for k in get(meta["jwks_uri"]).json()["keys"]}
    assert id_claims["email"] == "admin@example.com"
    assert id_claims["name"] == "Demo Admin"
    assert id_claims[f"{NAMESPACE}app_metadata"] == {"groups": ["admin"]}
    assert id_claims[f"{NAMESPACE}user_metadata"] == {}

    _, access = verify_jwt(token["access_token"], meta["jwks_uri"])
    assert access["aud"] == [API, f"{shared_emulator.issuer}userinfo"]
    assert access["sub"] == id_claims["sub"]
    assert access["azp"] == "authgw-web"
    assert access["scope"] == CODE_SCOPE
    assert access["permissions"] == ["read:orders", "write:orders"]
    assert access["exp"] - access["iat"] == 86400
    assert token["refresh_token"]
    assert token["scope"] == CODE_SCOPE


def test_an_opaque_access_token_without_audience_works_at_userinfo(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    token = _code_flow(meta, Browser(), generate_token(16))
    assert token["access_token"].count(".") != 2  # opaque, as Auth0 without an audience
    assert token["scope"] == "openid profile email offline_access"
    info = get(meta["userinfo_endpoint"], headers=bearer(token["access_token"]))
    assert info.status_code == HTTPStatus.OK
    _, id_claims = verify_jwt(token["id_token"], meta["jwks_uri"])
    assert info.json() == {
        key: id_claims[key]
        for key in (
            "sub",
            "name",
            "nickname",
            "picture",
            "updated_at",
            "email",
            "email_verified",
            f"{NAMESPACE}app_metadata",
            f"{NAMESPACE}user_metadata",
        )
    }


def test_an_emulator_session_skips_the_login_page_unless_prompt_is_login(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    browser = Browser()
    _code_flow(meta, browser, generate_token(16))
    client = _code_client()
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48)
    )
    silent = browser.get(url, allow_redirects=False)
    assert silent.status_code == HTTPStatus.FOUND
    assert silent.headers["Location"].startswith(f"{CALLBACK}?code=")
    assert f"state={state}" in silent.headers["Location"]
    forced = browser.get(f"{url}&prompt=login", allow_redirects=False)
    assert forced.status_code == HTTPStatus.OK
    assert "name='password'" in forced.text


def test_prompt_none_without_a_session_redirects_with_login_required(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    client = _code_client()
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48), prompt="none"
    )
    answer = get(url, allow_redirects=False)
    assert answer.status_code == HTTPStatus.FOUND
    assert answer.headers["Location"] == f"{CALLBACK}?error=login_required&state={state}"


def test_password_grant_with_basic_auth_issues_id_and_access_tokens(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    client = OAuth2Session(
        *WEB, scope="openid email", token_endpoint_auth_method="client_secret_basic"
    )
    token = client.fetch_token(
        meta["token_endpoint"],
        grant_type="password",
        username=USER[0],
        password=USER[1],
        audience=API,
    )
    _, id_claims = verify_jwt(token["id_token"], meta["jwks_uri"])
    _, access = verify_jwt(token["access_token"], meta["jwks_uri"])
    assert id_claims["email"] == "user@example.com"
    assert id_claims[f"{NAMESPACE}app_metadata"] == {"groups": ["user"]}
    assert access["gty"] == "password"
    assert access["permissions"] == ["read:orders"]
    assert "refresh_token" not in token  # no offline_access asked


def test_password_realm_grant_authenticates_in_the_named_connection(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    client = OAuth2Session(*WEB, scope="openid offline_access read:orders write:orders")
    token = client.fetch_token(
        meta["token_endpoint"],
        grant_type=PASSWORD_REALM,
        username=USER[0],
        password=USER[1],
        realm="Username-Password-Authentication",
        audience=API,
    )
    _, access = verify_jwt(token["access_token"], meta["jwks_uri"])
    # RBAC: the user's role grants read:orders only, so write:orders is dropped.
    assert access["scope"] == "openid offline_access read:orders"
    assert access["permissions"] == ["read:orders"]
    assert token["refresh_token"]


def test_refresh_token_grant_rotates_the_refresh_token(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    first = _code_flow(meta, Browser(), generate_token(16), audience=API)
    client = _code_client()
    second = client.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    _, id_claims = verify_jwt(second["id_token"], meta["jwks_uri"])
    _, access = verify_jwt(second["access_token"], meta["jwks_uri"])
    assert id_claims["aud"] == "authgw-web"
    assert access["scope"] == CODE_SCOPE
    third = client.refresh_token(meta["token_endpoint"], refresh_token=second["refresh_token"])
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])


def test_client_credentials_grant_gives_a_management_api_token(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    client = OAuth2Session("authgw-management", "authgw-management-secret")
    audience = f"{shared_emulator.issuer}api/v2/"
    token = client.fetch_token(
        meta["token_endpoint"], grant_type="client_credentials", audience=audience
    )
    _, claims = verify_jwt(token["access_token"], meta["jwks_uri"])
    assert claims["aud"] == audience
    assert claims["sub"] == "authgw-management@clients"
    assert claims["gty"] == "client-credentials"
    assert claims["scope"].split() == [
        "read:users",
        "create:users",
        "update:users",
        "delete:users",
        "read:roles",
        "create:role_members",
        "delete:role_members",
        "read:role_members",
        "create:user_tickets",
    ]
    assert "refresh_token" not in token


def test_token_endpoint_accepts_json_bodies(shared_emulator):
    answer = post(
        f"{shared_emulator.url}/oauth/token",
        json={
            "grant_type": "password",
            "username": ADMIN[0],
            "password": ADMIN[1],
            "client_id": WEB[0],
            "client_secret": WEB[1],
            "scope": "openid",
        },
    )
    assert answer.status_code == HTTPStatus.OK
    assert sorted(answer.json()) == [
        "access_token",
        "expires_in",
        "id_token",
        "scope",
        "token_type",
    ]
    assert answer.headers["Cache-Control"] == "no-store"


def test_revoking_a_refresh_token_makes_it_unusable(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    token = _code_flow(meta, Browser(), generate_token(16))
    revoked = post(meta["revocation_endpoint"], data={"token": token["refresh_token"]}, auth=WEB)
    assert revoked.status_code == HTTPStatus.OK
    refused = post(
        meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=WEB,
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "Unknown or invalid refresh token.",
    }


def test_rotating_the_signing_key_keeps_publishing_the_old_one(emulator):
    meta = discovery(emulator.issuer)
    password = {
        "grant_type": "password",
        "username": ADMIN[0],
        "password": ADMIN[1],
        "scope": "openid",
        "audience": API,
    }
    before = post(meta["token_endpoint"], data=password, auth=WEB).json()
    old_kid = verify_jwt(before["id_token"], meta["jwks_uri"])[0]["kid"]
    new_kid = emulator.rotate_key()
    after = post(meta["token_endpoint"], data=password, auth=WEB).json()
    assert verify_jwt(after["access_token"], meta["jwks_uri"])[0]["kid"] == new_kid
    assert verify_jwt(before["access_token"], meta["jwks_uri"])[0]["kid"] == old_kid
    kids = [key["kid"] for key in get(meta["jwks_uri"]).json()["keys"]]
    assert kids == [new_kid, old_kid]


def test_logout_ends_the_session_and_returns_to_an_allowed_url(shared_emulator):
    meta = discovery(shared_emulator.issuer)
    browser = Browser()
    _code_flow(meta, browser, generate_token(16))
    return_to = "http://127.0.0.1:8080/web-login?next=/orders"  # the query is not matched
    answer = browser.get(
        f"{shared_emulator.url}/v2/logout",
        params={"client_id": "authgw-web", "returnTo": return_to},
        allow_redirects=False,
    )
    assert answer.status_code == HTTPStatus.FOUND
    assert answer.headers["Location"] == return_to
    url, _ = _code_client().create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48)
    )
    assert browser.get(url, allow_redirects=False).status_code == HTTPStatus.OK  # login page
