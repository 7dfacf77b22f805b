"""The identity provider's part of /-/check-up: every configured client's discovery document."""

from __future__ import annotations

from django.conf import settings

from auth0client.client import get_authentication_client
from authgw.errors import ApiError


def check_identity_provider() -> str | None:
    for name, client in settings.AUTH0_SERVICE_CONFIG.clients.items():
        try:
            get_authentication_client(client).discovery()
        except ApiError as exc:
            return f"client {name}: {exc.message}"
    return None
