"""From token claims to the userinfo answer and the acl's Identity (namespaced custom claims)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from acl.identity import Identity

# Standard OIDC claims passed through to /userinfo (OIDC Core §5.1).
STANDARD_CLAIMS = (
    "sub",
    "email",
    "email_verified",
    "name",
    "nickname",
    "given_name",
    "family_name",
    "picture",
    "locale",
    "updated_at",
)
_NOT_PROPERTIES = frozenset({"sub", "groups", "permissions"})


def namespaced_name(claim: str, namespaces: Iterable[str]) -> str | None:
    """`https://ns/app_metadata` → `app_metadata`, for a namespace `https://ns/` or the full name.

    config.json lists either namespaces (ending in '/') or full claim names (the seed's
    `{{MIA_NAMESPACE}}app_metadata`); both forms are accepted.
    """
    for namespace in namespaces:
        if namespace.endswith("/") and claim.startswith(namespace) and claim != namespace:
            return claim[len(namespace) :]
        if claim == namespace:
            return namespace.rstrip("/").rsplit("/", 1)[-1] or None
    return None


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def userinfo_from_claims(
    claims: Mapping[str, Any], *, namespaces: Iterable[str], permissions: Iterable[str] = ()
) -> dict[str, Any]:
    """`{"sub","email","name","picture","groups","permissions", app_metadata, user_metadata, …}`."""
    namespaces = tuple(namespaces)
    user: dict[str, Any] = {name: claims[name] for name in STANDARD_CLAIMS if name in claims}
    for claim, value in claims.items():
        local = namespaced_name(claim, namespaces)
        if local and local not in STANDARD_CLAIMS:
            user[local] = value
    app_metadata = user.get("app_metadata")
    groups = user.get("groups")
    if groups is None and isinstance(app_metadata, dict):
        groups = app_metadata.get("groups")
    user["groups"] = _strings(groups)
    user["permissions"] = sorted(set(permissions))
    return user


def permissions_of(access_claims: Mapping[str, Any]) -> list[str]:
    """Auth0 RBAC puts the API permissions in the access token's `permissions` claim."""
    return _strings(access_claims.get("permissions"))


def identity_from_userinfo(user: Mapping[str, Any]) -> Identity:
    return Identity(
        user_id=str(user["sub"]),
        groups=frozenset(_strings(user.get("groups"))),
        permissions=frozenset(_strings(user.get("permissions"))),
        properties={key: value for key, value in user.items() if key not in _NOT_PROPERTIES},
    )
