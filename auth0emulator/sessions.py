"""The emulator's browser session (cookie `auth0`) and pending login transactions."""

from __future__ import annotations

import secrets
from typing import Any

from auth0emulator.clock import Clock
from auth0emulator.store import Store, digest

SESSION_COOKIE = "auth0"
TRANSACTION_COOKIE = "auth0_txn"
TRANSACTION_LIFETIME_S = 1800


class Sessions:
    def __init__(self, store: Store, clock: Clock, lifetime_s: int) -> None:
        self.store = store
        self.clock = clock
        self.lifetime_s = lifetime_s

    def create(self, user_id: str) -> str:
        sid = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.store.write() as state:
            state["sessions"][digest(sid)] = {
                "user_id": user_id,
                "auth_time": int(now),
                "expires_at": now + self.lifetime_s,
            }
        return sid

    def get(self, sid: str | None) -> dict[str, Any] | None:
        if not sid:
            return None
        with self.store.read() as state:
            record = state["sessions"].get(digest(sid))
            if record is None or record["expires_at"] < self.clock.now():
                return None
            return dict(record)

    def end(self, sid: str | None) -> None:
        if sid:
            with self.store.write() as state:
                state["sessions"].pop(digest(sid), None)

    def begin_transaction(self, params: list[tuple[str, str]]) -> str:
        """Remember an /authorize request while the user logs in; the id is also a cookie
        (double submit), so a login form posted from another browser is refused."""
        txn = secrets.token_urlsafe(24)
        with self.store.write() as state:
            state["transactions"][digest(txn)] = {
                "params": [list(pair) for pair in params],
                "expires_at": self.clock.now() + TRANSACTION_LIFETIME_S,
            }
        return txn

    def transaction(self, txn: str | None) -> list[tuple[str, str]] | None:
        if not txn:
            return None
        with self.store.read() as state:
            record = state["transactions"].get(digest(txn))
            if record is None or record["expires_at"] < self.clock.now():
                return None
            return [(str(k), str(v)) for k, v in record["params"]]

    def end_transaction(self, txn: str) -> None:
        with self.store.write() as state:
            state["transactions"].pop(digest(txn), None)


def cookie_header(name: str, value: str, max_age: int | None = None) -> tuple[str, str]:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return ("Set-Cookie", "; ".join(parts))


def clear_cookie(name: str) -> tuple[str, str]:
    return cookie_header(name, "", max_age=0)
