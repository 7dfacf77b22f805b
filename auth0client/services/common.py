"""Shared steps of login and refresh: validating the provider's tokens into a session's user."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from auth0client.claims import permissions_of, userinfo_from_claims
from auth0client.client import AuthenticationClient, TokenSet
from auth0client.config import ClientConfig
from auth0client.errors import Auth0BadGatewayError, TokenInvalidError
from auth0client.tokens import access_token_validate, id_token_validate, looks_like_jwt


def client_or_none(client_type: str) -> ClientConfig | None:
    return settings.AUTH0_SERVICE_CONFIG.clients.get(client_type)


def access_permissions(
    client: ClientConfig, auth: AuthenticationClient, tokens: TokenSet, sub: str
) -> list[str]:
    """RBAC permissions from a JWT access token for our API (validated like any other token)."""
    if not client.audience or not looks_like_jwt(tokens.access_token):
        return []
    claims = access_token_validate(
        tokens.access_token, client=client, fetch=auth.jwks, issuer=auth.issuer()
    )
    if claims.get("sub") != sub:
        raise TokenInvalidError("The token was refused: the access token is for another user.")
    return permissions_of(claims)


def user_from_tokens(
    client: ClientConfig, auth: AuthenticationClient, tokens: TokenSet, *, nonce: str | None
) -> dict[str, Any]:
    """The session's userinfo, from a validated ID token (and the access token's permissions)."""
    if not tokens.id_token:
        raise Auth0BadGatewayError("The identity provider answered without an ID token.")
    claims = id_token_validate(
        tokens.id_token, client=client, fetch=auth.jwks, issuer=auth.issuer(), nonce=nonce
    )
    if _scope_claims_missing(client, claims):
        claims = _with_userinfo(auth, tokens, claims)
    permissions = access_permissions(client, auth, tokens, str(claims["sub"]))
    namespaces = settings.AUTH0_SERVICE_CONFIG.custom_claims_namespaces
    return userinfo_from_claims(claims, namespaces=namespaces, permissions=permissions)


# What each requested scope should bring (OIDC Core §5.4): Auth0 puts them in the ID token,
# certified providers such as oidc-provider only at /userinfo when an access token is issued.
_SCOPE_CLAIMS = {"email": "email", "profile": "name"}


def _scope_claims_missing(client: ClientConfig, claims: dict[str, Any]) -> bool:
    return any(
        scope in client.provider_scopes and claim not in claims
        for scope, claim in _SCOPE_CLAIMS.items()
    )


def _with_userinfo(
    auth: AuthenticationClient, tokens: TokenSet, claims: dict[str, Any]
) -> dict[str, Any]:
    """The ID token's claims completed from /userinfo; the signed ID token wins on conflicts.

    OIDC Core §5.3.2: an answer whose `sub` is not the ID token's is never used.
    """
    answer = auth.userinfo(access_token=tokens.access_token)
    if answer.get("sub") != claims["sub"]:
        raise TokenInvalidError("The token was refused: /userinfo answered for another user.")
    return answer | claims


def user_from_userinfo(
    client: ClientConfig, auth: AuthenticationClient, tokens: TokenSet, *, sub: str
) -> dict[str, Any]:
    """The session's userinfo re-read from the provider's /userinfo (a refresh without ID token).

    OIDC Core §5.3.2: an answer whose `sub` is not the session's user is never used.
    """
    answer = auth.userinfo(access_token=tokens.access_token)
    if answer.get("sub") != sub:
        raise TokenInvalidError("The token was refused: /userinfo answered for another user.")
    permissions = access_permissions(client, auth, tokens, sub)
    namespaces = settings.AUTH0_SERVICE_CONFIG.custom_claims_namespaces
    return userinfo_from_claims(answer, namespaces=namespaces, permissions=permissions)
