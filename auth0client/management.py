"""The Auth0 Management API v2 client: users and password-change tickets, for usermanager."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict
from urllib.parse import quote

from django.conf import settings

from auth0client.errors import Auth0UnavailableError, Auth0UserNotFoundError
from auth0client.management_transport import ManagementTransport

PAGE_SIZE = 100  # the Management API's per_page maximum


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


class ManagementClient:
    """Typed calls to `<tenant>/api/v2/`; the transport authenticates, retries and translates."""

    def __init__(self, transport: ManagementTransport) -> None:
        self.config = transport.config
        self._transport = transport

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
        return ManagementUser.from_json(self._transport.call("POST", "users", body=body))

    def user_get(self, user_id: str) -> ManagementUser:
        return ManagementUser.from_json(self._transport.call("GET", _user_path(user_id)))

    def user_update(self, user_id: str, changes: UserChanges) -> ManagementUser:
        # Every field we PATCH is an absolute value, so the transport may repeat the call.
        found = self._transport.call("PATCH", _user_path(user_id), body=dict(changes))
        return ManagementUser.from_json(found)

    def user_delete(self, user_id: str) -> None:
        """Deletes the user; a user that is already gone counts as deleted."""
        try:
            self._transport.call("DELETE", _user_path(user_id))
        except Auth0UserNotFoundError:
            return

    def users_by_email(self, email: str) -> list[ManagementUser]:
        found = self._transport.call("GET", "users-by-email", params={"email": email.lower()})
        return [ManagementUser.from_json(item) for item in found]

    def user_page(
        self, *, page: int, per_page: int = PAGE_SIZE, query: str | None = None
    ) -> UserPage:
        params: dict[str, Any] = {"page": page, "per_page": per_page, "include_totals": "true"}
        if query:
            params.update({"q": query, "search_engine": "v3"})
        found = self._transport.call("GET", "users", params=params)
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
        found = self._transport.call("POST", "tickets/password-change", body={"user_id": user_id})
        return str(found["ticket"])


def _user_path(user_id: str) -> str:
    return f"users/{quote(user_id, safe='')}"


@functools.cache
def get_management_client() -> ManagementClient:
    """The process's one client (its token cache and rate-limit gate are shared by threads)."""
    config = settings.AUTH0_SERVICE_CONFIG.management_client
    if config is None:
        raise Auth0UnavailableError(
            "The Auth0 Management API is not configured: add managementClient to config.json."
        )
    return ManagementClient(ManagementTransport(config, timeout_s=settings.AUTH0_TIMEOUT_SECONDS))
