"""A fake identity provider for unit tests: joserfc keys and tokens, served through `responses`."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from typing import Any

import responses
from joserfc import jwt
from joserfc.jwk import RSAKey
from joserfc.util import urlsafe_b64encode
from responses import matchers

from auth0client.config import ClientConfig

ISSUER = "https://tenant.example.com/"
CLIENT_ID = "web-client"
CLIENT_SECRET = "web-client-secret"
AUDIENCE = "https://api.example.com/"
NAMESPACE = "https://authgw.example.com/"
REDIRECT_URL = "http://testserver/web-login/callback"
JWKS_URL = f"{ISSUER}.well-known/jwks.json"
TOKEN_URL = f"{ISSUER}oauth/token"
USERINFO_URL = f"{ISSUER}userinfo"
REVOKE_URL = f"{ISSUER}oauth/revoke"
DISCOVERY_URL = f"{ISSUER}.well-known/openid-configuration"
USER_ID = "auth0|alice"


@functools.cache
def signing_key(kid: str = "key-1") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def public_jwks(*keys: RSAKey) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False) for key in keys or (signing_key(),)]}


def discovery_document(**overrides: Any) -> dict[str, Any]:
    """What Auth0 publishes at /.well-known/openid-configuration (no end_session_endpoint)."""
    document = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}authorize",
        "token_endpoint": TOKEN_URL,
        "userinfo_endpoint": USERINFO_URL,
        "jwks_uri": JWKS_URL,
        "revocation_endpoint": REVOKE_URL,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }
    return {key: value for key, value in (document | overrides).items() if value is not None}


def client_config(**overrides: Any) -> ClientConfig:
    values: dict[str, Any] = {
        "client_type": "web",
        "auth0_url": ISSUER,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_url": REDIRECT_URL,
        "scopes": ("offline_access", "profile", "email", "website"),
        "audience": AUDIENCE,
        "supported_connections": ("Username-Password-Authentication",),
        "default_connection": "Username-Password-Authentication",
        "password_grant_enabled": True,
    }
    return ClientConfig(**(values | overrides))


def id_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": USER_ID,
        "iat": now,
        "exp": now + 3600,
        "email": "alice@example.com",
        "name": "Alice",
        "picture": "https://example.com/alice.png",
        f"{NAMESPACE}app_metadata": {"groups": ["admin", "user"]},
        f"{NAMESPACE}user_metadata": {"color": "blue"},
    }
    return {key: value for key, value in (claims | overrides).items() if value is not None}


def access_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": [AUDIENCE, USERINFO_URL],
        "sub": USER_ID,
        "azp": CLIENT_ID,
        "iat": now,
        "exp": now + 3600,
        "scope": "openid profile email",
        "permissions": ["read:orders"],
    }
    return {key: value for key, value in (claims | overrides).items() if value is not None}


def sign(claims: dict[str, Any], *, key: RSAKey | None = None, **header: Any) -> str:
    key = key or signing_key()
    protected = {"alg": "RS256", "kid": key.kid} | header
    protected = {name: value for name, value in protected.items() if value is not None}
    return jwt.encode(protected, claims, key, algorithms=[protected["alg"]])


def _segment(value: dict[str, Any]) -> str:
    return urlsafe_b64encode(json.dumps(value).encode()).decode()


def forge_unsigned(claims: dict[str, Any]) -> str:
    """`alg: none` (joserfc refuses to decode it unless asked; we never ask)."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."


def forge_hs256_with_public_key(claims: dict[str, Any], key: RSAKey | None = None) -> str:
    """Key confusion (CVE-2024-37568): HMAC keyed with the RSA public key's PEM bytes."""
    key = key or signing_key()
    signing_input = f"{_segment({'alg': 'HS256', 'kid': key.kid})}.{_segment(claims)}"
    secret = key.as_pem(private=False)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{urlsafe_b64encode(signature).decode()}"


def token_answer(
    *,
    nonce: str | None = None,
    refresh_token: str | None = "rt-1",  # noqa: S107
    **extra: Any,
) -> dict[str, Any]:
    answer = {
        "access_token": sign(access_claims()),
        "id_token": sign(id_claims(nonce=nonce)),
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "openid profile email offline_access",
    }
    if refresh_token:
        answer["refresh_token"] = refresh_token
    return answer | extra


def serve_jwks(rsps: responses.RequestsMock, *keys: RSAKey) -> responses.BaseResponse:
    return rsps.get(JWKS_URL, json=public_jwks(*keys))


def serve_token(
    rsps: responses.RequestsMock, answer: dict[str, Any], *, status: int = 200, **params: str
) -> responses.BaseResponse:
    match = [matchers.urlencoded_params_matcher(params, allow_blank=True)] if params else []
    return rsps.post(TOKEN_URL, json=answer, status=status, match=match)
