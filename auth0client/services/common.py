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
    claims = access_token_validate(tokens.access_token, client=client, fetch=auth.jwks)
    if claims.get("sub") != sub:
        raise TokenInvalidError("The token was refused: the access token is for another user.")
    return permissions_of(claims)


def user_from_tokens(
    client: ClientConfig, auth: AuthenticationClient, tokens: TokenSet, *, nonce: str | None
) -> dict[str, Any]:
    """The session's userinfo, from a validated ID token (and the access token's permissions)."""
    if not tokens.id_token:
        raise Auth0BadGatewayError("The identity provider answered without an ID token.")
    claims = id_token_validate(tokens.id_token, client=client, fetch=auth.jwks, nonce=nonce)
    permissions = access_permissions(client, auth, tokens, str(claims["sub"]))
    namespaces = settings.AUTH0_SERVICE_CONFIG.custom_claims_namespaces
    return userinfo_from_claims(claims, namespaces=namespaces, permissions=permissions)


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
