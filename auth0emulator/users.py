"""Users of the tenant's database connections: create, find, authenticate, update, roles."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Sequence
from typing import Any

from auth0emulator import errors
from auth0emulator.bruteforce import BruteForceProtection
from auth0emulator.clock import Clock
from auth0emulator.passwords import hash_password, meets_policy, verify_password
from auth0emulator.store import Store
from auth0emulator.tenant import Tenant

PRIVATE_FIELDS = ("password_hash",)
_PROFILE_FIELDS = ("name", "nickname", "given_name", "family_name", "picture")


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A user as the Management API returns it (never the password hash)."""
    return {k: copy.deepcopy(v) for k, v in record.items() if k not in PRIVATE_FIELDS}


def connection_of(record: dict[str, Any]) -> str:
    return str(record["identities"][0]["connection"])


class Users:
    def __init__(
        self,
        store: Store,
        tenant: Tenant,
        clock: Clock,
        brute_force: BruteForceProtection | None = None,
    ) -> None:
        self.store = store
        self.tenant = tenant
        self.clock = clock
        self.brute_force = brute_force or BruteForceProtection(clock)

    # --- reads ---------------------------------------------------------------------------

    def get(self, user_id: str) -> dict[str, Any] | None:
        with self.store.read() as state:
            record = state["users"].get(user_id)
            return copy.deepcopy(record) if record else None

    def all(self) -> list[dict[str, Any]]:
        with self.store.read() as state:
            return [copy.deepcopy(r) for r in state["users"].values()]

    def find_by_email(self, email: str, connection: str | None = None) -> list[dict[str, Any]]:
        wanted = email.lower()
        return [
            r
            for r in self.all()
            if r.get("email") == wanted and connection in (None, connection_of(r))
        ]

    def authenticate(
        self, connection: str, email: str, password: str, ip: str
    ) -> dict[str, Any] | None:
        """The user when the password is right (blocked or not: the caller decides). Raises
        `TooManyAttemptsError` once brute-force protection blocks this email from `ip`."""
        self.brute_force.reserve(connection, email, ip)
        found = self.find_by_email(email, connection)
        record = found[0] if found else None
        hashed = record.get("password_hash") if record else None
        # Runs one scrypt even without a hash (on a dummy): timing tells no account apart.
        if not verify_password(password, hashed) or record is None:
            return None
        self.brute_force.succeeded(connection, email, ip)
        return record

    def role_ids(self, user_id: str) -> list[str]:
        with self.store.read() as state:
            return [r for r in state["user_roles"].get(user_id, []) if r in self.tenant.roles]

    def permissions(self, user_id: str, audience: str) -> list[str]:
        granted = {
            permission
            for role_id in self.role_ids(user_id)
            for identifier, permission in self.tenant.roles[role_id].permissions
            if identifier == audience
        }
        return sorted(granted)

    # --- writes --------------------------------------------------------------------------

    def create(self, data: dict[str, Any], *, user_id: str | None = None) -> dict[str, Any]:
        """Create a database-connection user; `data` uses the Management API's field names."""
        connection = self.tenant.connections[data["connection"]]
        if not meets_policy(data["password"], connection.password_policy):
            raise errors.weak_password()
        email = str(data["email"]).lower()
        now = self.clock.iso()
        record = self._new_record(data, email, user_id or secrets.token_hex(12), now)
        record["password_hash"] = hash_password(data["password"])
        with self.store.write() as state:
            if self._email_taken(state, email, connection.name):
                raise errors.user_exists()
            if record["user_id"] in state["users"]:
                raise errors.user_exists()
            state["users"][record["user_id"]] = record
        return copy.deepcopy(record)

    def _new_record(
        self, data: dict[str, Any], email: str, local_id: str, now: str
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "user_id": f"auth0|{local_id}",
            "email": email,
            "email_verified": bool(data.get("email_verified", False)),
            "name": data.get("name") or email,
            "nickname": data.get("nickname") or email.split("@")[0],
            "picture": data.get("picture") or _default_picture(email),
            "created_at": now,
            "updated_at": now,
            "identities": [
                {
                    "connection": data["connection"],
                    "provider": "auth0",
                    "user_id": local_id,
                    "isSocial": False,
                }
            ],
            "app_metadata": dict(data.get("app_metadata") or {}),
            "user_metadata": dict(data.get("user_metadata") or {}),
            "logins_count": 0,
        }
        for key in ("given_name", "family_name", "phone_number"):
            if data.get(key):
                record[key] = data[key]
        if data.get("blocked"):
            record["blocked"] = True
        return record

    @staticmethod
    def _email_taken(state: dict[str, Any], email: str, connection: str, but: str = "") -> bool:
        return any(
            r.get("email") == email and connection_of(r) == connection and r["user_id"] != but
            for r in state["users"].values()
        )

    def update(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """PATCH semantics: metadata merged on the first level (null deletes), the rest replaced."""
        with self.store.write() as state:
            if user_id not in state["users"]:
                raise errors.user_not_found()
            # Change a copy: a refused change (weak password, taken email) leaves no trace.
            record = copy.deepcopy(state["users"][user_id])
            email = str(record.get("email", ""))
            self._apply(state, record, changes)
            record["updated_at"] = self.clock.iso()
            state["users"][user_id] = record
            updated = copy.deepcopy(record)
        if "password" in changes:
            self.brute_force.lift(connection_of(updated), email)  # as Auth0 does
        return updated

    def _apply(
        self, state: dict[str, Any], record: dict[str, Any], changes: dict[str, Any]
    ) -> None:
        for key in ("app_metadata", "user_metadata"):
            if key in changes:
                _merge_metadata(record, key, changes[key])
        if "password" in changes:
            policy = self.tenant.connections[connection_of(record)].password_policy
            if not meets_policy(changes["password"], policy):
                raise errors.weak_password()
            record["password_hash"] = hash_password(changes["password"])
        if changes.get("email") is not None:
            email = str(changes["email"]).lower()
            if self._email_taken(state, email, connection_of(record), but=record["user_id"]):
                raise errors.bad_request(
                    "The specified new email already exists", "auth0_idp_error"
                )
            record["email"] = email
        for key in ("email_verified", "blocked", "phone_number", *_PROFILE_FIELDS):
            if key in changes:
                _set_or_unset(record, key, changes[key])

    def delete(self, user_id: str) -> None:
        with self.store.write() as state:
            state["users"].pop(user_id, None)
            state["user_roles"].pop(user_id, None)
            for name in ("sessions", "refresh_tokens", "access_tokens"):
                for key in [k for k, v in state[name].items() if v.get("user_id") == user_id]:
                    del state[name][key]

    def record_login(self, user_id: str, ip: str) -> None:
        with self.store.write() as state:
            record = state["users"].get(user_id)
            if record is not None:
                record["last_login"] = self.clock.iso()
                record["last_ip"] = ip
                record["logins_count"] = int(record.get("logins_count", 0)) + 1

    def set_roles(self, user_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None:
        with self.store.write() as state:
            if user_id not in state["users"]:
                raise errors.user_not_found()
            current = [r for r in state["user_roles"].get(user_id, []) if r not in remove]
            current += [r for r in add if r not in current]
            state["user_roles"][user_id] = current


def _merge_metadata(record: dict[str, Any], key: str, value: dict[str, Any] | None) -> None:
    if value is None:
        record[key] = {}
        return
    merged = dict(record.get(key) or {})
    for name, item in value.items():
        if item is None:
            merged.pop(name, None)
        else:
            merged[name] = item
    record[key] = merged


def _set_or_unset(record: dict[str, Any], key: str, value: Any) -> None:
    if value is None or (key == "blocked" and value is False):
        record.pop(key, None)
    else:
        record[key] = value


def _default_picture(email: str) -> str:
    # Auth0's fallback avatar; a URL only, the emulator never fetches it.
    initials = (email[:2] or "u").lower()
    return f"https://cdn.auth0.com/avatars/{initials}.png"
