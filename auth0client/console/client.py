"""The Console's HTTP API: the code exchange, the refresh, the JWKS (explicit timeouts, no retry
of POST: codes and refresh tokens are single use).

Failures are translated here: unreachable or 5xx → ConsoleUnavailableError (502), 4xx →
ConsoleRefusedError (401). Only JSON bodies we build are sent: never a caller's cookie or header.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from auth0client.console.config import ConsoleConfig
from auth0client.console.errors import ConsoleRefusedError, ConsoleUnavailableError
from auth0client.http import HttpSession, TransportError, json_object, shared_session

logger = logging.getLogger(__name__)

_MAX_JSON_BYTES = 64 * 1024
_JSON_HEADERS = {"Accept": "application/json"}


class ConsoleClient:
    def __init__(self, config: ConsoleConfig, http: HttpSession) -> None:
        self.config = config
        self._http = http

    def token(self, *, code: str, state: str) -> dict[str, Any]:
        """POST /api/oauth/token: `{"accessToken","refreshToken","expireAt"}` (not yet checked)."""
        return self._post(self.config.token_url, {"code": code, "state": state}, "code exchange")

    def refresh(self, *, refresh_token: str) -> dict[str, Any]:
        """POST /api/refreshtoken (Mia's Authentication Service contract)."""
        return self._post(self.config.refresh_url, {"refreshToken": refresh_token}, "refresh")

    def jwks(self) -> dict[str, Any]:
        try:
            response = self._http.get(
                self.config.jwks_url, headers=_JSON_HEADERS, timeout=self.config.timeout_s
            )
        except TransportError as exc:
            raise _unreachable("JWKS download", exc) from exc
        document = self._answer(response.status_code, response.content, "JWKS download")
        if not isinstance(document.get("keys"), list):
            raise ConsoleUnavailableError("The Console's JWKS has no key list.")
        return document

    def _post(self, url: str, body: dict[str, str], operation: str) -> dict[str, Any]:
        try:
            response = self._http.post(
                url, json=body, headers=_JSON_HEADERS, timeout=self.config.timeout_s
            )
        except TransportError as exc:
            raise _unreachable(operation, exc) from exc
        return self._answer(response.status_code, response.content, operation)

    @staticmethod
    def _answer(status: int, content: bytes, operation: str) -> dict[str, Any]:
        if status >= 500 or status < 200 or 300 <= status < 400:
            logger.warning("the Console answered %s to the %s", status, operation)
            raise ConsoleUnavailableError(
                f"The Console failed ({status}) during the {operation}: try again in a moment."
            )
        if status >= 400:
            logger.info("the Console refused the %s: %s", operation, status)
            raise ConsoleRefusedError(
                f"The Console refused the {operation}: sign in again through the Console."
            )
        try:
            return json_object(content, max_bytes=_MAX_JSON_BYTES)
        except ValueError:
            raise ConsoleUnavailableError(
                f"The Console sent an unreadable answer during the {operation}."
            ) from None


def _unreachable(operation: str, exc: Exception) -> ConsoleUnavailableError:
    logger.warning("the Console is unreachable during the %s: %s", operation, type(exc).__name__)
    return ConsoleUnavailableError(
        f"The Console is not reachable ({operation}): try again in a moment."
    )


def get_console_client() -> ConsoleClient:
    """The client of the configured Console; only called while the feature is on."""
    config: ConsoleConfig | None = settings.CONSOLE
    if config is None:
        raise RuntimeError("the Console SSO is off (CONSOLE_URL is unset)")
    return ConsoleClient(config, shared_session())
