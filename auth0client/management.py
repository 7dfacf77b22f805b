"""The Auth0 Management API v2 client: users and password-change tickets, for usermanager."""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, TypedDict
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.cache.backends.base import BaseCache

from auth0client.config import ManagementClientConfig
from auth0client.http import IDEMPOTENT_METHODS, HttpSession, TransportError, build_session
from authgw.errors import (
    ApiError,
    BadGatewayError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    ServiceUnavailableError,
)

logger = logging.getLogger(__name__)

# A `requests.Response` (only auth0client/http.py imports requests).
Response = Any

TOKEN_EXPIRY_MARGIN_S = 60
TOKEN_LOCK_TTL_S = 15
PAGE_SIZE = 100  # the Management API's per_page maximum


class Auth0UserNotFoundError(NotFoundError):
    pass


class Auth0UserExistsError(ConflictError):
    pass


class Auth0RequestError(BadRequestError):
    pass


class Auth0FailingError(BadGatewayError):
    """Auth0 answered 5xx or refused our credentials: the call may or may not have applied."""


class Auth0UnreachableError(ServiceUnavailableError):
    """No answer (connection error, timeout): the call may or may not have applied."""


class Auth0RateLimitedError(Auth0UnreachableError):
    """Every attempt was refused with 429: nothing was applied."""


@dataclass(frozen=True)
class ManagementUser:
    user_id: str
    email: str | None = None
    name: str | None = None
    username: str | None = None
    blocked: bool = False
    connection: str | None = None
    app_metadata: Mapping[str, Any] = field(default_factory=dict)
    user_metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def groups(self) -> tuple[str, ...]:
        groups = self.app_metadata.get("groups") or ()
        return tuple(str(group) for group in groups) if isinstance(groups, list) else ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ManagementUser:
        identities = data.get("identities") or [{}]
        return cls(
            user_id=str(data["user_id"]),
            email=data.get("email"),
            name=data.get("name"),
            username=data.get("username"),
            blocked=bool(data.get("blocked", False)),
            connection=identities[0].get("connection"),
            app_metadata=dict(data.get("app_metadata") or {}),
            user_metadata=dict(data.get("user_metadata") or {}),
        )


@dataclass(frozen=True)
class UserPage:
    users: tuple[ManagementUser, ...]
    total: int


class UserChanges(TypedDict, total=False):
    """The PATCH /users/{id} fields we send (Auth0 merges `app_metadata` at its first level)."""

    email: str
    name: str
    blocked: bool
    password: str
    app_metadata: dict[str, Any]
    connection: str


class RateLimitGate:
    """Shared by a process's threads: once Auth0's window is spent, nobody calls until reset."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock, self._sleep = clock, sleep
        self._resume_at = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        delay = self._resume_at - self._clock()
        if delay > 0:
            self._sleep(delay)

    def pause_until(self, resume_at: float) -> None:
        with self._lock:
            self._resume_at = max(self._resume_at, resume_at)


class ManagementClient:
    """Typed calls to `<tenant>/api/v2/`, authenticated with a cached client-credentials token."""

    def __init__(
        self,
        config: ManagementClientConfig,
        session: HttpSession,
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
        self._session, self._timeout = session, timeout_s
        self._cache, self._clock, self._sleep = cache, clock, sleep
        self._retries, self._rate_limit_retries = retries, rate_limit_retries
        self._max_wait = max_rate_limit_wait_s
        self.gate = RateLimitGate(clock, sleep)
        self._api = config.audience if config.audience.endswith("/") else f"{config.audience}/"
        digest = hashlib.sha256(f"{config.auth0_url}|{config.client_id}|{self._api}".encode())
        self._token_key = f"auth0client:mgmt-token:{digest.hexdigest()[:24]}"

    # --- users ----------------------------------------------------------------------------

    def user_create(
        self,
        *,
        email: str,
        password: str,
        name: str | None = None,
        blocked: bool = False,
        app_metadata: Mapping[str, Any] | None = None,
        connection: str | None = None,
    ) -> ManagementUser:
        body: dict[str, Any] = {
            "connection": connection or self.config.default_connection,
            "email": email,
            "password": password,
            "blocked": blocked,
            "app_metadata": dict(app_metadata or {}),
        }
        if name:
            body["name"] = name
        return ManagementUser.from_json(self._request("POST", "users", body=body))

    def user_get(self, user_id: str) -> ManagementUser:
        return ManagementUser.from_json(self._request("GET", f"users/{quote(user_id, safe='')}"))

    def user_update(self, user_id: str, changes: UserChanges) -> ManagementUser:
        # Every field we PATCH is an absolute value, so repeating the call is safe (idempotent).
        path = f"users/{quote(user_id, safe='')}"
        return ManagementUser.from_json(
            self._request("PATCH", path, body=dict(changes), idempotent=True)
        )

    def user_delete(self, user_id: str) -> None:
        """Deletes the user; a user that is already gone counts as deleted."""
        try:
            self._request("DELETE", f"users/{quote(user_id, safe='')}")
        except Auth0UserNotFoundError:
            return

    def users_by_email(self, email: str) -> list[ManagementUser]:
        found = self._request("GET", "users-by-email", params={"email": email.lower()})
        return [ManagementUser.from_json(item) for item in found]

    def user_page(
        self, *, page: int, per_page: int = PAGE_SIZE, query: str | None = None
    ) -> UserPage:
        params: dict[str, Any] = {"page": page, "per_page": per_page, "include_totals": "true"}
        if query:
            params.update({"q": query, "search_engine": "v3"})
        found = self._request("GET", "users", params=params)
        users = tuple(ManagementUser.from_json(item) for item in found["users"])
        return UserPage(users=users, total=int(found.get("total", len(users))))

    def iter_users(self, *, query: str | None = None) -> Iterator[ManagementUser]:
        """Every user, page by page (Auth0 serves the first 1,000 this way)."""
        page = 0
        while True:
            result = self.user_page(page=page, query=query)
            yield from result.users
            page += 1
            if not result.users or page * PAGE_SIZE >= result.total:
                return

    def password_change_ticket(self, *, user_id: str) -> str:
        found = self._request("POST", "tickets/password-change", body={"user_id": user_id})
        return str(found["ticket"])

    # --- transport ------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        retry = _RetryBudget(
            idempotent=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
            errors=self._retries,
            rate_limited=self._rate_limit_retries,
        )
        while True:
            response = self._attempt(method, self._api + path, body, params, retry)
            if response is None:
                continue
            delay = self._retry_delay(response, retry)
            if delay is None:
                return _result(response, method, path)
            self._sleep(delay)

    def _attempt(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
        retry: _RetryBudget,
    ) -> Response | None:
        """One call; None means "failed before an answer, try again"."""
        headers = {"Authorization": f"Bearer {self._token()}"}
        self.gate.wait()
        try:
            return self._session.request(
                method, url, json=body, params=params, headers=headers, timeout=self._timeout
            )
        except TransportError as exc:
            if retry.take_error():
                self._sleep(retry.backoff())
                return None
            raise Auth0UnreachableError(
                f"Auth0 did not answer {method} /api/v2/{url.removeprefix(self._api)} "
                f"({type(exc).__name__}); try again shortly."
            ) from exc

    def _retry_delay(self, response: Response, retry: _RetryBudget) -> float | None:
        status = response.status_code
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            delay = self._rate_limit_delay(response)
            self.gate.pause_until(self._clock() + delay)
            if delay <= self._max_wait and retry.take_rate_limited():
                return delay
            # Only certain when no earlier attempt of this call went unanswered.
            error = Auth0UnreachableError if retry.errors_taken else Auth0RateLimitedError
            raise error(
                "Auth0's Management API rate limit is exhausted; try again later.",
                headers={"Retry-After": str(max(1, round(delay)))},
            )
        if status == HTTPStatus.UNAUTHORIZED and retry.take_token_refresh():
            # The cached token was revoked or signed with a rotated key: fetch a new one once.
            self._cache.delete(self._token_key)
            return 0.0
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR and retry.take_error():
            return retry.backoff()
        self._note_rate_limit(response)
        return None

    def _rate_limit_delay(self, response: Response) -> float:
        return _seconds_until_reset(response.headers, self._clock()) or 1.0

    def _note_rate_limit(self, response: Response) -> None:
        if response.headers.get("x-ratelimit-remaining") == "0":
            delay = _seconds_until_reset(response.headers, self._clock())
            if delay:
                self.gate.pause_until(self._clock() + min(delay, self._max_wait))

    # --- client-credentials token -----------------------------------------------------------

    def _token(self) -> str:
        token = self._cache.get(self._token_key)
        if token:
            return str(token)
        lock_key = f"{self._token_key}:lock"
        # One worker fetches a token on a cold cache; the others wait for its result.
        if self._cache.add(lock_key, "1", timeout=TOKEN_LOCK_TTL_S):
            try:
                return self._fetch_token()
            finally:
                self._cache.delete(lock_key)
        return self._wait_for_token()

    def _wait_for_token(self) -> str:
        deadline = self._clock() + self._timeout * 2
        while self._clock() < deadline:
            self._sleep(0.05)
            token = self._cache.get(self._token_key)
            if token:
                return str(token)
        return self._fetch_token()

    def _fetch_token(self) -> str:
        response = self._post_token()
        for _ in range(self._rate_limit_retries):
            if response.status_code != HTTPStatus.TOO_MANY_REQUESTS:
                break
            self._sleep(min(self._rate_limit_delay(response), self._max_wait))
            response = self._post_token()
        if response.status_code != HTTPStatus.OK:
            raise Auth0FailingError(
                f"Auth0 refused the Management API credentials of client {self.config.client_id} "
                f"({response.status_code}); check managementClient in the service config."
            )
        grant = response.json()
        lifetime = int(grant.get("expires_in", 86400))
        ttl = max(1, lifetime - min(TOKEN_EXPIRY_MARGIN_S, lifetime // 2))
        self._cache.set(self._token_key, grant["access_token"], timeout=ttl)
        return str(grant["access_token"])

    def _post_token(self) -> Response:
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
            raise Auth0UnreachableError(
                f"Auth0 did not answer the Management API token request ({type(exc).__name__})."
            ) from exc


class _RetryBudget:
    def __init__(self, *, idempotent: bool, errors: int, rate_limited: int) -> None:
        self.idempotent = idempotent
        self.errors, self.rate_limited, self.token_refresh = errors, rate_limited, 1
        self.errors_taken = 0

    def take_error(self) -> bool:
        # 5xx and lost connections may hide an applied write: only idempotent calls repeat.
        if not self.idempotent or self.errors_taken >= self.errors:
            return False
        self.errors_taken += 1
        return True

    def backoff(self) -> float:
        return 0.2 * 2 ** (self.errors_taken - 1)

    def take_rate_limited(self) -> bool:
        self.rate_limited -= 1
        return self.rate_limited >= 0

    def take_token_refresh(self) -> bool:
        self.token_refresh -= 1
        return self.token_refresh >= 0


def _seconds_until_reset(headers: Mapping[str, str], now: float) -> float | None:
    """`x-ratelimit-reset` (Unix seconds, Auth0) or `Retry-After` (seconds or HTTP date)."""
    reset = headers.get("x-ratelimit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now) or 0.05
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    if retry_after:
        try:
            return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
        except (TypeError, ValueError):
            return None
    return None


_ERRORS: Mapping[int, type[ApiError]] = {
    HTTPStatus.BAD_REQUEST: Auth0RequestError,
    HTTPStatus.NOT_FOUND: Auth0UserNotFoundError,
    HTTPStatus.CONFLICT: Auth0UserExistsError,
}


def _result(response: Response, method: str, path: str) -> Any:
    status = response.status_code
    if status < HTTPStatus.BAD_REQUEST:
        return response.json() if response.content else None
    message = _auth0_message(response)
    error = _ERRORS.get(status)
    if error is not None:
        raise error(f"Auth0: {message}")
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise Auth0FailingError(f"Auth0 failed on {method} /api/v2/{path} ({status}); try again.")
    # 401/403/other 4xx: our own credentials or scopes are wrong; the caller cannot fix that.
    raise Auth0FailingError(f"Auth0 refused {method} /api/v2/{path} ({status}: {message}).")


def _auth0_message(response: Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason or str(response.status_code)
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or response.reason)
    return response.reason or str(response.status_code)


@functools.cache
def get_management_client() -> ManagementClient:
    """The process's one client (its token cache and rate-limit gate are shared by threads)."""
    config = settings.AUTH0_SERVICE_CONFIG.management_client
    if config is None:
        raise Auth0UnreachableError(
            "The Auth0 Management API is not configured: add managementClient to config.json."
        )
    return ManagementClient(
        config, build_session(retries=0), timeout_s=settings.AUTH0_TIMEOUT_SECONDS
    )
