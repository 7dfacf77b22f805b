"""The tenant's configuration (clients, APIs, grants, connections, roles), read from the seed."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from authlib.oauth2.rfc6749 import ClientMixin

PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105 - a URI
MANAGEMENT_SCOPES = (
    "read:users", "update:users", "delete:users", "create:users",
    "read:users_app_metadata", "update:users_app_metadata", "create:users_app_metadata",
    "delete:users_app_metadata", "read:roles", "create:roles", "update:roles", "delete:roles",
    "read:role_members", "create:role_members", "delete:role_members", "create:user_tickets",
)  # fmt: skip
_MANAGEMENT_AUDIENCE = re.compile(r"^https?://[^/]+/api/v2/$")


@dataclass(frozen=True)
class Client(ClientMixin):
    """An Auth0 application, as Authlib's server expects a client model."""

    client_id: str
    name: str
    client_secret: str | None
    app_type: str
    callbacks: tuple[str, ...]
    allowed_logout_urls: tuple[str, ...]
    grant_types: tuple[str, ...]
    token_endpoint_auth_method: str
    rotating_refresh_tokens: bool
    refresh_token_lifetime: int
    refresh_token_leeway: int
    client_metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # Auth0 requires redirect_uri on /authorize.

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.callbacks

    def check_client_secret(self, client_secret: str) -> bool:
        if self.client_secret is None:
            return False
        return hmac.compare_digest(self.client_secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if method == "none":
            return self.token_endpoint_auth_method == "none"  # noqa: S105 - a method name
        return self.client_secret is not None

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass(frozen=True)
class ResourceServer:
    identifier: str
    scopes: tuple[str, ...]
    enforce_policies: bool
    token_lifetime: int
    allow_offline_access: bool


@dataclass(frozen=True)
class Connection:
    name: str
    enabled_clients: tuple[str, ...] | None
    password_policy: str

    def enabled_for(self, client_id: str) -> bool:
        return self.enabled_clients is None or client_id in self.enabled_clients


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    description: str
    permissions: tuple[tuple[str, str], ...]  # (resource server identifier, permission)


@dataclass(frozen=True)
class Tenant:
    issuer: str
    clients: dict[str, Client]
    resource_servers: dict[str, ResourceServer]
    client_grants: dict[tuple[str, str], tuple[str, ...]]
    connections: dict[str, Connection]
    roles: dict[str, Role]
    namespaces: tuple[str, ...]
    default_directory: str
    default_audience: str | None
    allowed_logout_urls: tuple[str, ...]
    session_lifetime_s: int

    @property
    def management_audience(self) -> str:
        return f"{self.issuer}api/v2/"

    def role_by_name(self, name: str) -> Role | None:
        return next((role for role in self.roles.values() if role.name == name), None)


def role_id(name: str) -> str:
    """Stable across restarts, in Auth0's shape (`rol_` + 16 characters)."""
    return "rol_" + hashlib.sha256(name.encode()).hexdigest()[:16]


def build_tenant(seed: dict[str, Any], issuer: str) -> Tenant:
    settings = seed.get("tenant", {})
    connections = {c["name"]: _connection(c) for c in seed["connections"]}
    return Tenant(
        issuer=issuer,
        clients={c["client_id"]: _client(c) for c in seed["clients"]},
        resource_servers=_resource_servers(seed, issuer),
        client_grants=_client_grants(seed, issuer),
        connections=connections,
        roles={role_id(r["name"]): _role(r) for r in seed.get("roles", [])},
        namespaces=tuple(seed.get("namespaces", [])),
        default_directory=settings.get("default_directory") or next(iter(connections)),
        default_audience=settings.get("default_audience"),
        allowed_logout_urls=tuple(settings.get("allowed_logout_urls", [])),
        session_lifetime_s=int(settings.get("session_lifetime", 72)) * 3600,
    )


def _client(data: dict[str, Any]) -> Client:
    secret = data.get("client_secret")
    method = data.get("token_endpoint_auth_method") or ("client_secret_post" if secret else "none")
    refresh = data.get("refresh_token", {})
    return Client(
        client_id=data["client_id"],
        name=data["name"],
        client_secret=secret,
        app_type=data.get("app_type", "regular_web"),
        callbacks=tuple(data.get("callbacks", [])),
        allowed_logout_urls=tuple(data.get("allowed_logout_urls", [])),
        grant_types=tuple(data.get("grant_types", ["authorization_code", "refresh_token"])),
        token_endpoint_auth_method=method,
        rotating_refresh_tokens=refresh.get("rotation_type", "rotating") == "rotating",
        refresh_token_lifetime=int(refresh.get("token_lifetime", 2592000)),
        refresh_token_leeway=int(refresh.get("leeway", 0)),
    )


def _resource_servers(seed: dict[str, Any], issuer: str) -> dict[str, ResourceServer]:
    servers = {
        rs["identifier"]: ResourceServer(
            identifier=rs["identifier"],
            scopes=tuple(s["value"] for s in rs.get("scopes", [])),
            enforce_policies=bool(rs.get("enforce_policies", False)),
            token_lifetime=int(rs.get("token_lifetime", 86400)),
            allow_offline_access=bool(rs.get("allow_offline_access", True)),
        )
        for rs in seed.get("resource_servers", [])
    }
    management = f"{issuer}api/v2/"
    servers[management] = ResourceServer(management, MANAGEMENT_SCOPES, False, 86400, False)
    return servers


def _client_grants(seed: dict[str, Any], issuer: str) -> dict[tuple[str, str], tuple[str, ...]]:
    # Auth0's Management API is always `https://<tenant>/api/v2/`; a seed written for one port
    # (`http://127.0.0.1:3001/api/v2/`) grants this emulator's Management API on any port.
    grants = {}
    for grant in seed.get("client_grants", []):
        audience = grant["audience"]
        if _MANAGEMENT_AUDIENCE.match(audience):
            audience = f"{issuer}api/v2/"
        grants[(grant["client_id"], audience)] = tuple(grant["scope"])
    return grants


def _connection(data: dict[str, Any]) -> Connection:
    enabled = data.get("enabled_clients")
    return Connection(
        name=data["name"],
        enabled_clients=tuple(enabled) if enabled is not None else None,
        password_policy=data.get("options", {}).get("passwordPolicy", "good"),
    )


def _role(data: dict[str, Any]) -> Role:
    return Role(
        id=role_id(data["name"]),
        name=data["name"],
        description=data.get("description", ""),
        permissions=tuple(
            (p["resource_server_identifier"], p["permission_name"])
            for p in data.get("permissions", [])
        ),
    )


def url_without_query(url: str) -> str:
    """Auth0 ignores the query string of `returnTo` when matching allowed logout URLs."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
