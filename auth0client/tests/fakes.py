"""An in-memory stand-in for `auth0client.management.ManagementClient`, with fault injection."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from auth0client.errors import (
    Auth0UnavailableError,
    Auth0UserExistsError,
    Auth0UserNotFoundError,
)
from auth0client.management import ManagementUser, UserChanges, UserPage

CONNECTION = "Username-Password-Authentication"


class FakeManagementClient:
    """Same public methods as ManagementClient; `fail()` makes the next calls of one method fail.

    `applied=True` makes a failure happen *after* the change took effect, like a timeout on a
    request Auth0 did process: the hardest case for compensation.
    """

    def __init__(self, *, default_connection: str = CONNECTION) -> None:
        self.default_connection = default_connection
        self.users: dict[str, ManagementUser] = {}
        self.passwords: dict[str, str] = {}
        self.tickets: list[str] = []
        self.calls: list[str] = []
        self._faults: dict[str, list[tuple[Exception, bool]]] = {}

    # --- test controls --------------------------------------------------------------------

    def fail(
        self,
        operation: str,
        error: Exception | None = None,
        *,
        times: int = 1,
        applied: bool = False,
    ) -> None:
        error = error or Auth0UnavailableError("Auth0 did not answer (fake timeout).")
        self._faults.setdefault(operation, []).extend([(error, applied)] * times)

    def add_user(self, **fields: Any) -> ManagementUser:
        fields.setdefault("user_id", f"auth0|{secrets.token_hex(12)}")
        fields.setdefault("connection", self.default_connection)
        user = ManagementUser(**fields)
        self.users[user.user_id] = user
        return user

    def by_email(self, email: str) -> list[ManagementUser]:
        return [user for user in self.users.values() if user.email == email.lower()]

    # --- ManagementClient's interface -----------------------------------------------------

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
        def apply() -> ManagementUser:
            if self.by_email(email):
                raise Auth0UserExistsError("Auth0: The user already exists.")
            user = self.add_user(
                email=email.lower(),
                name=name or email,
                blocked=blocked,
                app_metadata=copy.deepcopy(dict(app_metadata or {})),
                connection=connection or self.default_connection,
            )
            self.passwords[user.user_id] = password
            return user

        return self._call("user_create", apply)

    def user_get(self, user_id: str) -> ManagementUser:
        return self._call("user_get", lambda: self._existing(user_id))

    def user_update(self, user_id: str, changes: UserChanges) -> ManagementUser:
        def apply() -> ManagementUser:
            user = self._existing(user_id)
            values = {k: v for k, v in changes.items() if k not in {"app_metadata", "password"}}
            values.pop("connection", None)
            merged = {**user.app_metadata, **changes.get("app_metadata", {})}
            # Auth0 merges app_metadata one level deep; a null value removes the key.
            merged = {key: value for key, value in merged.items() if value is not None}
            if "email" in values:
                values["email"] = str(values["email"]).lower()
            updated = replace(user, **values, app_metadata=merged)
            self.users[user_id] = updated
            if "password" in changes:
                self.passwords[user_id] = changes["password"]
            return updated

        return self._call("user_update", apply)

    def user_delete(self, user_id: str) -> None:
        self._call("user_delete", lambda: self.users.pop(user_id, None))

    def users_by_email(self, email: str) -> list[ManagementUser]:
        return self._call("users_by_email", lambda: self.by_email(email))

    def user_page(self, *, page: int, per_page: int = 100, query: str | None = None) -> UserPage:
        def apply() -> UserPage:
            users = sorted(self.users.values(), key=lambda user: user.user_id)
            chunk = users[page * per_page : (page + 1) * per_page]
            return UserPage(users=tuple(chunk), total=len(users))

        return self._call("user_page", apply)

    def iter_users(self, *, query: str | None = None) -> Iterator[ManagementUser]:
        return iter(self._call("iter_users", lambda: list(self.users.values())))

    def password_change_ticket(self, *, user_id: str) -> str:
        def apply() -> str:
            self._existing(user_id)
            ticket = f"https://auth0.test/lo/reset?ticket={secrets.token_hex(8)}"
            self.tickets.append(user_id)
            return ticket

        return self._call("password_change_ticket", apply)

    # --- internals ------------------------------------------------------------------------

    def _existing(self, user_id: str) -> ManagementUser:
        user = self.users.get(user_id)
        if user is None:
            raise Auth0UserNotFoundError("Auth0: The user does not exist.")
        return user

    def _call(self, operation: str, apply: Any) -> Any:
        self.calls.append(operation)
        faults = self._faults.get(operation)
        if not faults:
            return apply()
        error, applied = faults.pop(0)
        if applied:
            apply()
        raise error
