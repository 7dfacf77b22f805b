"""Renewing a Console session: POST <CONSOLE_URL>/api/refreshtoken with the stored refresh token.

Called by auth0client/services/refresh.py under its single-flight lock, in place of the Auth0
token endpoint; the same rules apply: a refused refresh token ends the session (401), a Console
that fails keeps a still-valid session going (retried later) and answers 502 for an expired one.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from auth0client.console.client import get_console_client
from auth0client.console.errors import ConsoleRefusedError, ConsoleUnavailableError
from auth0client.console.services import console_tokens
from auth0client.errors import NotAuthenticatedError, TokenInvalidError
from auth0client.sessions import (
    Session,
    digest,
    encrypt,
    session_delete,
    session_refresh_failed,
    session_save,
)


def _unavailable() -> ConsoleUnavailableError:
    return ConsoleUnavailableError("The Console could not renew the session: try again shortly.")


def _ended(current: Session, message: str) -> NotAuthenticatedError:
    session_delete(current)
    return NotAuthenticatedError(message)


def console_session_refresh(current: Session, now: int) -> Session:
    """The refreshed session (saved); raises NotAuthenticatedError or ConsoleUnavailableError."""
    config = settings.CONSOLE
    refresh_token = current.refresh_token
    if config is None or refresh_token is None:
        raise _ended(current, "The session has expired: sign in again.")
    try:
        answer = get_console_client().refresh(refresh_token=refresh_token)
    except ConsoleRefusedError:
        raise _ended(current, "The session was revoked: sign in again.") from None
    except ConsoleUnavailableError:
        return session_refresh_failed(current, now, _unavailable(), rotated=None)
    rotated = answer.get("refreshToken")
    rotated = rotated if isinstance(rotated, str) and rotated else None
    try:
        tokens, user = console_tokens(answer, config=config)
    except ConsoleUnavailableError:
        # The Console may have rotated the refresh token already: keep the new one.
        return session_refresh_failed(current, now, _unavailable(), rotated=rotated)
    except TokenInvalidError:
        raise _ended(current, "The Console's renewed token was refused: sign in again.") from None
    if user["sub"] != current.user_id:
        raise _ended(current, "The Console answered for another user: sign in again.")
    refreshed = replace(
        current,
        user=user,
        access_token=tokens.access_token,
        expires_at=tokens.expires_at,
        sealed_refresh_token=encrypt(rotated) if rotated else current.sealed_refresh_token,
        generation=current.generation + 1,
        refresh_failed_at=0,
        previous_token=digest(current.access_token),
        refreshed_at=now,
    )
    session_save(refreshed, now=now)
    return refreshed
