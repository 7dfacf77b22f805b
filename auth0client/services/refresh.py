"""Renewing a session's tokens: single-flight across processes, rotation honoured, fail safe.

Twenty concurrent requests on one expired session make one token-endpoint call: the first takes
a renewed lock, the others wait, reload the session and find it refreshed (oauth2-proxy #1992).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from django.conf import settings

from auth0client import store
from auth0client.client import AuthenticationClient, TokenSet, get_authentication_client
from auth0client.config import ClientConfig
from auth0client.console.config import CONSOLE_CLIENT_TYPE
from auth0client.console.refresh import console_session_refresh
from auth0client.errors import (
    Auth0BadGatewayError,
    Auth0UnavailableError,
    InvalidGrantError,
    NotAuthenticatedError,
    TokenInvalidError,
)
from auth0client.services.common import client_or_none, user_from_tokens, user_from_userinfo
from auth0client.sessions import (
    Session,
    digest,
    encrypt,
    session_create,
    session_delete,
    session_get,
    session_refresh_failed,
    session_save,
)

REFRESH_SKEW_S = 60  # refresh this long before the access token expires
RETRY_AFTER_FAILURE_S = 10  # after a provider failure, a still-valid session waits this long
REFRESH_LOCK_TTL_S = 10.0  # renewed every third of it while the provider call runs
REPLACED_TOKEN_GRACE_S = 60


def _expired_error() -> NotAuthenticatedError:
    return NotAuthenticatedError("The session has expired: sign in again.")


def session_ensure_fresh(session: Session, *, now: int | None = None) -> Session:
    """The session with a usable access token, refreshing it transparently when needed."""
    now = int(now or time.time())
    if session.expires_at - now > REFRESH_SKEW_S:
        return session
    if session.refresh_token is None:
        if session.expires_at > now:
            return session
        session_delete(session)
        raise _expired_error()
    if session.expires_at > now and now - session.refresh_failed_at < RETRY_AFTER_FAILURE_S:
        return session
    return session_refresh(session, force=False)


def session_refresh(
    session: Session, *, force: bool, presented_token: str | None = None
) -> Session:
    """Refreshes once per generation; returns the (possibly already) refreshed session."""
    lock_key = store.key("refresh-lock", session.handle)
    wait_s = settings.AUTH0_TIMEOUT_SECONDS + 5
    with store.lock(lock_key, ttl_s=REFRESH_LOCK_TTL_S, wait_s=wait_s) as acquired:
        if not acquired:
            raise Auth0UnavailableError("The session is being renewed; try again shortly.")
        current = session_get(session.handle)
        if current is None:
            raise _expired_error()
        if current.generation != session.generation:
            return current  # refreshed by someone else while we waited
        now = int(time.time())
        if presented_token is not None and presented_token != current.access_token:
            return _replaced(current, presented_token, now)
        if not force and current.expires_at - now > REFRESH_SKEW_S:
            return current
        return _refresh_now(current, now)


def _replaced(current: Session, presented_token: str, now: int) -> Session:
    """The caller's token was just replaced by a concurrent refresh: share its result."""
    recent = now - current.refreshed_at <= REPLACED_TOKEN_GRACE_S
    if recent and current.previous_token == digest(presented_token):
        return current
    raise NotAuthenticatedError("This access token was replaced: sign in again.")


def _refresh_now(current: Session, now: int) -> Session:
    if current.client_type == CONSOLE_CLIENT_TYPE:  # issue 16: the Console renews its own
        return console_session_refresh(current, now)
    client = client_or_none(current.client_type)
    if client is None or current.refresh_token is None:
        session_delete(current)
        raise _expired_error()
    auth = get_authentication_client(client)
    try:
        tokens = auth.refresh(refresh_token=current.refresh_token)
    except InvalidGrantError:
        # Revoked or reused refresh token: end the session cleanly (401), never loop.
        session_delete(current)
        raise NotAuthenticatedError("The session was revoked: sign in again.") from None
    except (Auth0UnavailableError, Auth0BadGatewayError) as exc:
        return session_refresh_failed(current, now, exc, rotated=None)
    try:
        user = _refreshed_user(client, auth, tokens, current)
    except (Auth0UnavailableError, Auth0BadGatewayError) as exc:
        # The provider has rotated the refresh token already: keep the new one, or the next
        # attempt would present the old one and trip reuse detection (a logout).
        return session_refresh_failed(current, now, exc, rotated=tokens.refresh_token)
    except (TokenInvalidError, NotAuthenticatedError):
        session_delete(current)
        raise NotAuthenticatedError(
            "The provider's answer to the renewal was refused: sign in again."
        ) from None
    refreshed = replace(
        current,
        user=user,
        access_token=tokens.access_token,
        expires_at=tokens.expires_at,
        id_token=tokens.id_token or current.id_token,
        sealed_refresh_token=(
            encrypt(tokens.refresh_token) if tokens.refresh_token else current.sealed_refresh_token
        ),
        generation=current.generation + 1,
        refresh_failed_at=0,
        previous_token=digest(current.access_token),
        refreshed_at=now,
    )
    session_save(refreshed, now=now)
    return refreshed


def _refreshed_user(
    client: ClientConfig, auth: AuthenticationClient, tokens: TokenSet, current: Session
) -> dict[str, Any]:
    """The user after a refresh: from the new ID token, else from /userinfo; same `sub` only."""
    if not tokens.id_token:
        return user_from_userinfo(client, auth, tokens, sub=current.user_id)
    user = user_from_tokens(client, auth, tokens, nonce=None)
    if user["sub"] != current.user_id:
        raise TokenInvalidError("The token was refused: the provider answered for another user.")
    return user


def session_from_refresh_token(*, client: ClientConfig, refresh_token: str) -> tuple[Session, str]:
    """Compatibility (`refreshTokenInResponse` clients): a refresh token the caller kept itself."""
    auth = get_authentication_client(client)
    try:
        tokens = auth.refresh(refresh_token=refresh_token)
    except InvalidGrantError:
        raise NotAuthenticatedError("The refresh token is not valid: sign in again.") from None
    user = user_from_tokens(client, auth, tokens, nonce=None)
    if tokens.refresh_token is None:
        tokens = replace(tokens, refresh_token=refresh_token)
    sid, session = session_create(client_type=client.client_type, user=user, tokens=tokens)
    return session, sid
