"""A changed password ends every session and token of the user (Auth0 post-change-password)."""

from __future__ import annotations

import logging

from auth0client.sessions import user_sessions_end
from usermanager.errors import UserNotFoundError
from usermanager.selectors import user_by_auth_user_id

logger = logging.getLogger(__name__)


def user_password_changed(*, auth_user_id: str) -> None:
    """POST /hooks/auth0/post-change-password: whoever held the old password (or a session
    opened with it) is signed out everywhere (OWASP ASVS v4 3.3.3).

    The sessions are ended first, whether or not a local user is linked: an Auth0 user that
    UMS does not know may still hold a session, and a 404 must not leave it alive.
    """
    ended = user_sessions_end(auth_user_id)
    logger.info("password changed: ended %s session(s) of %s", ended, auth_user_id)
    if not ended and user_by_auth_user_id(auth_user_id=auth_user_id) is None:
        raise UserNotFoundError(f"No user is linked to the Auth0 user {auth_user_id}.")
