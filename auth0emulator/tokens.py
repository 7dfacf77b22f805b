"""Tokens as Auth0 issues them: JWT access tokens for an API, opaque ones for /userinfo only,
rotating refresh tokens, and the claims an Auth0 post-login Action would add."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oauth2.rfc6749.errors import OAuth2Error
from joserfc import jwt

from auth0emulator.clock import Clock
from auth0emulator.hook import PostLoginHook
from auth0emulator.keys import SigningKeys
from auth0emulator.store import Store, digest
from auth0emulator.tenant import Client, Tenant
from auth0emulator.users import Users

OIDC_SCOPES = ("openid", "profile", "email", "address", "phone", "offline_access")
OPAQUE_LIFETIME_S = 86400
ID_TOKEN_LIFETIME_S = 36000
_GTY = {"password": "password", "client_credentials": "client-credentials"}


class AccessDeniedError(OAuth2Error):
    error = "access_denied"
    status_code = 403


@dataclass
class EndUser:
    """The resource owner of a token request: the stored record plus the hook's answer."""

    record: dict[str, Any]
    extra_app_metadata: dict[str, Any] = field(default_factory=dict)
    hooked: bool = False

    @property
    def user_id(self) -> str:
        return str(self.record["user_id"])

    def get_user_id(self) -> str:
        return self.user_id


def profile_claims(user: EndUser, scope: str | None, namespaces: tuple[str, ...]) -> dict[str, Any]:
    """`sub`, the standard claims the scope asks for, and the namespaced metadata."""
    record = user.record
    scopes = set(scope_to_list(scope) or [])
    claims: dict[str, Any] = {"sub": user.user_id}
    if "profile" in scopes:
        for key in ("name", "nickname", "given_name", "family_name", "picture", "updated_at"):
            if record.get(key) is not None:
                claims[key] = record[key]
    if "email" in scopes:
        claims["email"] = record.get("email")
        claims["email_verified"] = bool(record.get("email_verified", False))
    claims.update(namespaced_claims(user, namespaces))
    return claims


def namespaced_claims(user: EndUser, namespaces: tuple[str, ...]) -> dict[str, Any]:
    app_metadata = {**(user.record.get("app_metadata") or {}), **user.extra_app_metadata}
    user_metadata = user.record.get("user_metadata") or {}
    claims: dict[str, Any] = {}
    for namespace in namespaces:
        claims[f"{namespace}app_metadata"] = app_metadata
        claims[f"{namespace}user_metadata"] = user_metadata
    return claims


@dataclass(frozen=True)
class Issue:
    """What one token request asks for, after the grant validated it."""

    client: Client
    grant_type: str
    user: EndUser | None
    scope: str
    audience: str | None
    refresh: bool
    family: str | None = None


class TokenFactory:
    def __init__(
        self,
        *,
        tenant: Tenant,
        store: Store,
        keys: SigningKeys,
        clock: Clock,
        users: Users,
        hook: PostLoginHook | None,
    ) -> None:
        self.tenant = tenant
        self.store = store
        self.keys = keys
        self.clock = clock
        self.users = users
        self.hook = hook

    # --- scope and user ---------------------------------------------------------------------

    def check_audience(self, audience: str | None) -> None:
        if audience is not None and audience not in self.tenant.resource_servers:
            raise AccessDeniedError(f"Service not found: {audience}")

    def user_scope(self, requested: str | None, audience: str | None, user_id: str) -> str:
        """Auth0: OIDC scopes as asked; API scopes only if the API defines them and, with RBAC
        on, only those the user's roles grant."""
        wanted = scope_to_list(requested) or []
        final = [s for s in wanted if s in OIDC_SCOPES]
        if audience:
            api = self.tenant.resource_servers[audience]
            allowed = set(api.scopes)
            if api.enforce_policies:
                allowed &= set(self.users.permissions(user_id, audience))
            final += [s for s in wanted if s in allowed and s not in final]
        return " ".join(final)

    def enrich(self, user: EndUser) -> EndUser:
        """Run the post-login hook (if configured) once per token request."""
        if self.hook is None or user.hooked:
            return user
        answer = self.hook.call(user.user_id)
        if answer is None:
            raise AccessDeniedError("The post-login hook failed")
        user.extra_app_metadata, user.hooked = answer, True
        return user

    def wants_refresh(self, client: Client, scope: str, audience: str | None) -> bool:
        if "offline_access" not in scope.split() or not client.check_grant_type("refresh_token"):
            return False
        return audience is None or self.tenant.resource_servers[audience].allow_offline_access

    # --- issuing ------------------------------------------------------------------------------

    def issue(self, issue: Issue) -> dict[str, Any]:
        now = int(self.clock.now())
        if issue.audience:
            access, expires_in = self._jwt_access_token(issue, now), self._lifetime(issue.audience)
        else:
            access, expires_in = self._opaque_access_token(issue, now), OPAQUE_LIFETIME_S
        token: dict[str, Any] = {
            "access_token": access,
            "expires_in": expires_in,
            "token_type": "Bearer",
        }
        if issue.scope:
            token["scope"] = issue.scope
        if issue.refresh and issue.user is not None:
            token["refresh_token"] = self._refresh_token(issue, now)
        return token

    def _lifetime(self, audience: str) -> int:
        return self.tenant.resource_servers[audience].token_lifetime

    def _jwt_access_token(self, issue: Issue, now: int) -> str:
        assert issue.audience is not None  # noqa: S101 - checked by the caller
        api = self.tenant.resource_servers[issue.audience]
        audience: str | list[str] = issue.audience
        if "openid" in issue.scope.split():
            audience = [issue.audience, f"{self.tenant.issuer}userinfo"]
        claims: dict[str, Any] = {
            "iss": self.tenant.issuer,
            "sub": issue.user.user_id if issue.user else f"{issue.client.client_id}@clients",
            "aud": audience,
            "iat": now,
            "exp": now + api.token_lifetime,
            "scope": issue.scope,
            "azp": issue.client.client_id,
        }
        if issue.grant_type in _GTY:
            claims["gty"] = _GTY[issue.grant_type]
        if api.enforce_policies:
            claims["permissions"] = self._permissions(issue)
        if issue.user is not None:
            claims.update(namespaced_claims(issue.user, self.tenant.namespaces))
        return self.sign(claims)

    def _permissions(self, issue: Issue) -> list[str]:
        assert issue.audience is not None  # noqa: S101 - checked by the caller
        if issue.user is None:
            return list(self.tenant.client_grants.get((issue.client.client_id, issue.audience), ()))
        return self.users.permissions(issue.user.user_id, issue.audience)

    def sign(self, claims: dict[str, Any]) -> str:
        key = self.keys.current()
        header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
        return jwt.encode(header, claims, key, algorithms=["RS256"])

    def _opaque_access_token(self, issue: Issue, now: int) -> str:
        token = secrets.token_urlsafe(32)
        with self.store.write() as state:
            state["access_tokens"][digest(token)] = {
                "client_id": issue.client.client_id,
                "user_id": issue.user.user_id if issue.user else None,
                "scope": issue.scope,
                "expires_at": now + OPAQUE_LIFETIME_S,
                "family": issue.family,
            }
        return token

    def _refresh_token(self, issue: Issue, now: int) -> str:
        assert issue.user is not None  # noqa: S101 - checked by the caller
        token = secrets.token_urlsafe(36)
        with self.store.write() as state:
            state["refresh_tokens"][digest(token)] = {
                "client_id": issue.client.client_id,
                "user_id": issue.user.user_id,
                "scope": issue.scope,
                "audience": issue.audience,
                "family": issue.family or secrets.token_hex(8),
                "used": False,
                "revoked": False,
                "expires_at": now + issue.client.refresh_token_lifetime,
            }
        return token

    # --- revoking -----------------------------------------------------------------------------

    def revoke_family(self, family: str) -> None:
        """Reuse of a rotated refresh token, or a replayed code: everything of the grant dies."""
        with self.store.write() as state:
            for record in state["refresh_tokens"].values():
                if record.get("family") == family:
                    record["revoked"] = True
            for key in [k for k, v in state["access_tokens"].items() if v.get("family") == family]:
                del state["access_tokens"][key]
