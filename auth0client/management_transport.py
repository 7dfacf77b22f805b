"""How Management API calls travel: a cached client-credentials token, retries, Auth0's errors."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from django.core.cache import cache as default_cache
from django.core.cache.backends.base import BaseCache
from urllib3.util.retry import Retry

from auth0client import store
from auth0client.config import ManagementClientConfig
from auth0client.errors import (
    Auth0BadGatewayError,
    Auth0RateLimitedError,
    Auth0RequestError,
    Auth0UnavailableError,
    Auth0UserExistsError,
    Auth0UserNotFoundError,
)
from auth0client.http import HttpResponse, TransportError
from auth0client.management_retry import RateLimitGate, maybe_applied, retrying_session
from authgw.errors import ApiError

TOKEN_EXPIRY_MARGIN_S = 60
TOKEN_LOCK_TTL_S = 15


class ManagementTransport:
    """Sends Management API calls with a cached client-credentials token; returns their JSON."""

    def __init__(
        self,
        config: ManagementClientConfig,
        *,
        timeout_s: float = 5.0,
        cache: BaseCache = default_cache,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 2,
        rate_limit_retries: int = 10,
        max_rate_limit_wait_s: float = 30.0,
    ) -> None:
        self.config = config
        self.gate = RateLimitGate(clock, sleep)
        self._timeout, self._cache, self._max_wait = timeout_s, cache, max_rate_limit_wait_s
        self._session = retrying_session(
            self.gate, retries, rate_limit_retries, max_rate_limit_wait_s
        )
        self._api = config.audience if config.audience.endswith("/") else f"{config.audience}/"
        digest = hashlib.sha256(f"{config.auth0_url}|{config.client_id}|{self._api}".encode())
        self._token_key = f"auth0client:mgmt-token:{digest.hexdigest()[:24]}"

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """The decoded JSON answer (None when empty); Auth0's errors as ApiErrors."""
        response = self._send(method, path, body, params)
        if response.status_code == HTTPStatus.UNAUTHORIZED:
            # The cached token was revoked or signed with a rotated key: fetch a new one once.
            self._cache.delete(self._token_key)
            response = self._send(method, path, body, params)
        self._note_window(response)
        return self._result(response, method, path)

    def _send(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
    ) -> HttpResponse:
        headers = {"Authorization": f"Bearer {self._token()}"}
        self.gate.wait()
        try:
            return self._session.request(
                method,
                self._api + path,
                json=body,
                params=params,
                headers=headers,
                timeout=self._timeout,
            )
        except TransportError as exc:
            raise Auth0UnavailableError(
                f"Auth0 did not answer {method} /api/v2/{path} "
                f"({type(exc).__name__}); try again shortly."
            ) from exc

    def _note_window(self, response: HttpResponse) -> None:
        if response.headers.get("x-ratelimit-remaining") == "0":
            delay = self.gate.seconds_until_reset(response.headers)
            if delay:
                self.gate.hold(min(delay, self._max_wait))

    def _result(self, response: HttpResponse, method: str, path: str) -> Any:
        status = response.status_code
        if status < HTTPStatus.BAD_REQUEST:
            return response.json() if response.content else None
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            raise self._rate_limited(response)
        message = _auth0_message(response)
        error = _ERRORS.get(status)
        if error is not None:
            raise error(f"Auth0: {message}")
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise Auth0BadGatewayError(
                f"Auth0 failed on {method} /api/v2/{path} ({status}); try again."
            )
        # 401/403/other 4xx: our own credentials or scopes are wrong; the caller cannot fix that.
        raise Auth0BadGatewayError(f"Auth0 refused {method} /api/v2/{path} ({status}: {message}).")

    def _rate_limited(self, response: HttpResponse) -> Auth0UnavailableError:
        delay = self.gate.retry_delay(response.headers)
        retries: Retry | None = response.raw.retries
        # Certain only when no earlier attempt of this call may have been applied.
        uncertain = retries is not None and any(map(maybe_applied, retries.history))
        error = Auth0UnavailableError if uncertain else Auth0RateLimitedError
        return error(
            "Auth0's Management API rate limit is exhausted; try again later.",
            headers={"Retry-After": str(max(1, round(delay)))},
        )

    # --- the client-credentials token -------------------------------------------------------

    def _token(self) -> str:
        token = self._cache.get(self._token_key)
        if token:
            return str(token)
        # One worker fetches a token on a cold cache; the others wait for its result (or not
        # longer than two timeouts, then fetch their own).
        lock_key = f"{self._token_key}:lock"
        with store.lock(lock_key, ttl_s=TOKEN_LOCK_TTL_S, wait_s=self._timeout * 2):
            token = self._cache.get(self._token_key)
            return str(token) if token else self._fetch_token()

    def _fetch_token(self) -> str:
        response = self._post_token()
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            raise self._rate_limited(response)
        if response.status_code != HTTPStatus.OK:
            raise Auth0BadGatewayError(
                f"Auth0 refused the Management API credentials of client {self.config.client_id} "
                f"({response.status_code}); check managementClient in the service config."
            )
        grant = response.json()
        lifetime = int(grant.get("expires_in", 86400))
        ttl = max(1, lifetime - min(TOKEN_EXPIRY_MARGIN_S, lifetime // 2))
        self._cache.set(self._token_key, grant["access_token"], timeout=ttl)
        return str(grant["access_token"])

    def _post_token(self) -> HttpResponse:
        body = {
            "grant_type": "client_credentials",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "audience": self._api,
        }
        try:
            return self._session.post(
                f"{self.config.auth0_url}oauth/token", json=body, timeout=self._timeout
            )
        except TransportError as exc:
            raise Auth0UnavailableError(
                f"Auth0 did not answer the Management API token request ({type(exc).__name__})."
            ) from exc


_ERRORS: Mapping[int, type[ApiError]] = {
    HTTPStatus.BAD_REQUEST: Auth0RequestError,
    HTTPStatus.NOT_FOUND: Auth0UserNotFoundError,
    HTTPStatus.CONFLICT: Auth0UserExistsError,
}


def _auth0_message(response: HttpResponse) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason or str(response.status_code)
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or response.reason)
    return response.reason or str(response.status_code)
