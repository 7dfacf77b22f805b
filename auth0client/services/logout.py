"""Sign-out: the session ends for every process sharing the store; its refresh token is revoked."""

from __future__ import annotations

import logging

from django.conf import settings

from auth0client.client import get_authentication_client
from auth0client.config import ClientConfig
from auth0client.console.config import CONSOLE_CLIENT_TYPE
from auth0client.sessions import Session, session_delete
from authgw.errors import ApiError

logger = logging.getLogger(__name__)


def logout(*, session: Session | None, client: ClientConfig, return_to: str | None) -> str:
    """Deletes the session, revokes its refresh token; returns the provider's logout URL."""
    if session is not None and session.client_type == CONSOLE_CLIENT_TYPE:
        # Issue 16: a Console session ends here; its refresh token never goes to Auth0.
        session_delete(session)
        return return_to or "/"
    auth = get_authentication_client(client)
    if session is not None:
        session_delete(session)
        if session.refresh_token:
            try:
                auth.revoke(refresh_token=session.refresh_token)
            except ApiError as exc:
                # The session is already gone here; a failed revocation is logged, not fatal.
                logger.warning("refresh token revocation failed: %s", exc.message)
    return auth.logout_url(
        return_to=return_to,
        with_client_id=settings.LOGIN.logout_client_id_enabled,
        id_token=session.id_token if session is not None else None,
    )
