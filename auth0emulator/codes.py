"""Authorization codes and refresh tokens: single use, expiry, replay and reuse detection."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin

from auth0emulator.clock import Clock
from auth0emulator.store import Store, digest
from auth0emulator.tenant import Client
from auth0emulator.tokens import TokenFactory

CODE_LIFETIME_S = 600  # RFC 6749 §4.1.2: "a maximum authorization code lifetime of 10 minutes"


@dataclass(frozen=True)
class AuthorizationCode(AuthorizationCodeMixin):
    key: str
    client_id: str
    user_id: str
    redirect_uri: str
    scope: str
    audience: str | None
    nonce: str | None
    auth_time: int
    code_challenge: str | None
    code_challenge_method: str | None
    family: str

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass(frozen=True)
class RefreshToken(TokenMixin):
    key: str
    client_id: str
    user_id: str
    scope: str
    audience: str | None
    family: str

    def check_client(self, client: Any) -> bool:
        return bool(client.client_id == self.client_id)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return False


class Codes:
    def __init__(self, store: Store, clock: Clock, tokens: TokenFactory) -> None:
        self.store = store
        self.clock = clock
        self.tokens = tokens

    def save(self, code: str, request: Any) -> None:
        data = request.payload.data
        with self.store.write() as state:
            state["codes"][digest(code)] = {
                "client_id": request.client.client_id,
                "user_id": request.user.user_id,
                "redirect_uri": request.payload.redirect_uri,
                "scope": request.scope or "",
                "audience": data.get("audience") or self.tokens.tenant.default_audience,
                "nonce": data.get("nonce"),
                "auth_time": int(request.context.get("auth_time") or self.clock.now()),
                "code_challenge": data.get("code_challenge"),
                "code_challenge_method": data.get("code_challenge_method"),
                "family": secrets.token_hex(8),
                "used": False,
                "expires_at": self.clock.now() + CODE_LIFETIME_S,
            }

    def claim(self, code: str, client_id: str) -> AuthorizationCode | None:
        """Take a code for one exchange: single use even under concurrent requests. A replayed
        code revokes what it issued (RFC 6749 §4.1.2)."""
        key = digest(code)
        with self.store.write() as state:
            record = state["codes"].get(key)
            if not record or record["client_id"] != client_id:
                return None
            if record["used"]:
                self.tokens.revoke_family(record["family"])
                return None
            if record["expires_at"] < self.clock.now():
                return None
            record["used"] = True
            fields = {k: v for k, v in record.items() if k not in ("used", "expires_at")}
        return AuthorizationCode(key=key, **fields)

    def claim_refresh_token(self, token: str, client: Client) -> RefreshToken | None:
        """A live refresh token of this client; with rotation it is used up at once, and
        presenting a used one again (after the client's reuse interval, `leeway`) revokes its
        whole family (reuse detection)."""
        key, now = digest(token), self.clock.now()
        with self.store.write() as state:
            record = state["refresh_tokens"].get(key)
            if not record or record["client_id"] != client.client_id:
                return None
            if record["revoked"] or record["expires_at"] < now:
                return None
            if record["used"] and now - record["used_at"] > client.refresh_token_leeway:
                # A rotated token came back: someone holds a stolen copy.
                self.tokens.revoke_family(record["family"])
                return None
            if client.rotating_refresh_tokens and not record["used"]:
                record.update(used=True, used_at=now)
            return _refresh_token(key, record)

    def refresh_token_record(self, token: str) -> RefreshToken | None:
        """Any refresh token this emulator issued (used or not), for revocation."""
        key = digest(token)
        with self.store.read() as state:
            record = state["refresh_tokens"].get(key)
            if record is None:
                return None
            return _refresh_token(key, record)

    def opaque_access_token(self, token: str) -> dict[str, Any] | None:
        with self.store.read() as state:
            record = state["access_tokens"].get(digest(token))
            if record is None or record["expires_at"] < self.clock.now():
                return None
            return dict(record)


def _refresh_token(key: str, record: dict[str, Any]) -> RefreshToken:
    return RefreshToken(
        key=key,
        client_id=record["client_id"],
        user_id=record["user_id"],
        scope=record["scope"],
        audience=record["audience"],
        family=record["family"],
    )
