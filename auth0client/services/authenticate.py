"""Who is calling: a session (cookie `sid` or an access token we issued) or a foreign bearer token.

Session requests cost one store read and no provider call; JWT access tokens are validated locally;
opaque tokens go to the provider's /userinfo once per token and USERINFO_CACHE_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from auth0client.claims import permissions_of, userinfo_from_claims
from auth0client.client import get_authentication_client
from auth0client.config import ClientConfig
from auth0client.console.services import console_bearer_user
from auth0client.errors import NotAuthenticatedError, UserinfoBudgetExceededError
from auth0client.services.refresh import session_ensure_fresh
from auth0client.sessions import (
    Session,
    digest,
    session_get,
    session_get_by_sid,
    token_index_get,
)
from auth0client.tokens import MAX_TOKEN_BYTES, access_token_validate, looks_like_jwt
from authgw.volatile import SingleFlight, budget_spend, volatile_get, volatile_set

_NEGATIVE_CACHE_S = 10
_flights = SingleFlight()


@dataclass(frozen=True)
class Credentials:
    sid: str | None = None
    bearer: str | None = None
    ip: str = ""  # the caller's address: budgets what strangers can make us ask the provider

    @property
    def present(self) -> bool:
        return bool(self.sid or self.bearer)


@dataclass(frozen=True)
class Authenticated:
    user: dict[str, Any]
    session: Session | None = None  # None for a foreign bearer token


def session_find(credentials: Credentials) -> Session | None:
    """The session behind the credentials, without refreshing (logout, /refreshtoken)."""
    if credentials.bearer:
        index = token_index_get(credentials.bearer) if _sane(credentials.bearer) else None
        return session_get(str(index["h"])) if index else None
    if credentials.sid:
        return session_get_by_sid(credentials.sid)
    return None


def _sane(token: str) -> bool:
    return 0 < len(token) <= MAX_TOKEN_BYTES


def authenticate(credentials: Credentials, *, client: ClientConfig | None) -> Authenticated | None:
    """The caller's identity; None when anonymous or unknown (401), raises 503 when unsure."""
    if credentials.bearer:
        return _bearer(credentials.bearer, client, credentials.ip)
    if credentials.sid:
        session = session_get_by_sid(credentials.sid, recent=True)
        if session is None:
            return None
        fresh = session_ensure_fresh(session)
        return Authenticated(user=fresh.user, session=fresh)
    return None


def _bearer(token: str, client: ClientConfig | None, ip: str) -> Authenticated | None:
    if not _sane(token):
        return None
    index = token_index_get(token)
    if index is not None:
        return _issued_token(token, index)
    console_user = console_bearer_user(token)  # issue 16: a token whose `iss` is CONSOLE_URL
    if console_user is not None:
        return Authenticated(user=console_user)
    if client is None:
        return None
    user = _jwt_user(token, client) if looks_like_jwt(token) else _opaque_user(token, client, ip)
    return Authenticated(user=user) if user else None


def _issued_token(token: str, index: dict[str, Any]) -> Authenticated | None:
    session = session_get(str(index["h"]), recent=True)
    if session is None:
        return None
    if token == session.access_token:
        fresh = session_ensure_fresh(session)
        return Authenticated(user=fresh.user, session=fresh)
    if int(index.get("exp", 0)) > time.time():
        return Authenticated(user=session.user, session=session)
    raise NotAuthenticatedError("The access token has expired: renew it with /refreshtoken.")


def _jwt_user(token: str, client: ClientConfig) -> dict[str, Any]:
    auth = get_authentication_client(client)
    claims = access_token_validate(token, client=client, fetch=auth.jwks, issuer=auth.issuer())
    namespaces = settings.AUTH0_SERVICE_CONFIG.custom_claims_namespaces
    return userinfo_from_claims(claims, namespaces=namespaces, permissions=permissions_of(claims))


def _opaque_user(token: str, client: ClientConfig, ip: str) -> dict[str, Any] | None:
    """Asks the provider once per token; answers are remembered only in the volatile cache."""
    cache_key = f"auth0client:userinfo:{digest(f'{client.issuer} {token}')}"
    cached = volatile_get(cache_key)
    if isinstance(cached, dict):
        return cached.get("user")
    with _flights.hold(cache_key):
        cached = volatile_get(cache_key)
        if isinstance(cached, dict):
            return cached.get("user")
        _spend_provider_budget(ip)
        user = _provider_user(token, client)
        ttl = settings.AUTH0_SESSIONS.userinfo_cache_s if user else _NEGATIVE_CACHE_S
        if ttl > 0:
            volatile_set(cache_key, {"user": user}, ttl)
    return user


def _spend_provider_budget(ip: str) -> None:
    """A flood of made-up tokens from one address is not relayed to the provider."""
    per_minute = settings.AUTH0_SESSIONS.userinfo_calls_per_ip_per_minute
    if not budget_spend(f"auth0client:userinfo-budget:{ip}", limit=per_minute, window_s=60):
        raise UserinfoBudgetExceededError(
            "Too many unknown access tokens from this address: try again in a minute.",
            headers={"Retry-After": "60"},
        )


def _provider_user(token: str, client: ClientConfig) -> dict[str, Any] | None:
    try:
        answer = get_authentication_client(client).userinfo(access_token=token)
    except NotAuthenticatedError:
        return None
    if not isinstance(answer.get("sub"), str) or not answer["sub"]:
        return None
    namespaces = settings.AUTH0_SERVICE_CONFIG.custom_claims_namespaces
    return userinfo_from_claims(answer, namespaces=namespaces)
