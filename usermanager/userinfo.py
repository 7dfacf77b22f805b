"""The UMS view of a signed-in user: the local record's groups, fields and permissions.

Auth0's token says who the user is; the local record says what they may do now. The merged part
is cached for PERMISSIONS_CACHE_SECONDS, and every write through the services drops it at once.
An Auth0 user with no local record is whatever UMS_UNLINKED_USERS says (`ums_identity`).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.module_loading import import_string

from acl.identity import Identity
from auth0client import store
from authgw.errors import ServiceUnavailableError
from usermanager.config import UNLINKED_CLAIMS, UNLINKED_PROVISION
from usermanager.documents import user_document
from usermanager.errors import MissingAuthUserIdError, UserInactiveError
from usermanager.models import User, UserState
from usermanager.selectors import auth_user_removed, user_by_auth_user_id
from usermanager.services.mirror import forget_identity, identity_cache_key
from usermanager.services.provisioning import user_provision

logger = logging.getLogger(__name__)

PermissionsResolver = Callable[[User], Iterable[str]]


@dataclass(frozen=True)
class LocalIdentity:
    """What the local record adds to an Auth0 identity (cached by Auth0 user id)."""

    user_id: str
    active: bool
    groups: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    customer_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


def ums_identity(identity: Identity) -> Identity:
    """Who the Auth0 identity is to the acl and /userinfo; raises when it is not signed in.

    A linked user's local record rules (its groups; blocked or not PUBLIC is out). An unlinked
    one, by UMS_UNLINKED_USERS: `claims` keeps the token's groups and permissions, `provision`
    creates its record first, `anonymous` (Mia-Platform's UMS) is out.
    """
    local = local_identity(identity.user_id)
    if local is None:
        mode = settings.USERMANAGER.unlinked_users
        if mode == UNLINKED_CLAIMS:
            return identity
        if mode == UNLINKED_PROVISION:
            local = _provisioned(identity.user_id)
        if local is None:
            raise MissingAuthUserIdError("Missing authUserId, user not logged")
    if not local.active:
        raise UserInactiveError("This user is blocked or not active; ask an administrator.")
    return merge(identity, local)


def _provisioned(auth_user_id: str) -> LocalIdentity | None:
    user = user_provision(auth_user_id=auth_user_id)
    if user is None:
        return None
    forget_identity(user)  # local_identity has just cached "no linked user"
    return local_identity(auth_user_id)


def local_identity(auth_user_id: str) -> LocalIdentity | None:
    """The linked user's groups, permissions and fields; None when no user is linked.

    An Auth0 user whose record was deleted gets an inactive identity, never None: its tokens may
    outlive it, and no UMS_UNLINKED_USERS mode may bring it back.
    """
    key = identity_cache_key(auth_user_id)
    read, cached = store.take_read_ahead(key)  # fetched with the session (UmsUserResolver)
    if not read:
        cached = cache.get(key)
    if cached is not None:
        return cached or None  # an empty dict caches "no linked user"
    user = user_by_auth_user_id(auth_user_id=auth_user_id)
    found = _build(user) if user is not None else _removed(auth_user_id)
    timeout = settings.USERMANAGER.permissions_cache_s
    if timeout:
        cache.set(key, found or {}, timeout=timeout)
    return found


def merge(identity: Identity, local: LocalIdentity) -> Identity:
    """Groups from the local record, not the token (so a removed group is gone at once);
    permissions from the group and PERMISSIONS_RESOLVER, plus Auth0 RBAC's from the token."""
    return Identity(
        user_id=identity.user_id,
        groups=frozenset(local.groups),
        permissions=identity.permissions | frozenset(local.permissions),
        properties={**identity.properties, **local.properties},
    )


def userinfo_body(identity: Identity) -> dict[str, Any]:
    """The JSON of UMS /userinfo: the Auth0 fields, the chosen local fields, groups, permissions."""
    return {
        **identity.properties,
        "sub": identity.user_id,
        "groups": sorted(identity.groups),
        "permissions": sorted(identity.permissions),
    }


def post_login_claims(local: LocalIdentity) -> dict[str, Any]:
    return {
        "groups": list(local.groups),
        "permissions": list(local.permissions),
        "customerId": local.customer_id,
    }


def _removed(auth_user_id: str) -> LocalIdentity | None:
    if auth_user_id and auth_user_removed(auth_user_id=auth_user_id):
        return LocalIdentity(user_id="", active=False)
    return None


def _build(user: User) -> LocalIdentity:
    return LocalIdentity(
        user_id=user.id,
        active=user.state == UserState.PUBLIC and not user.blocked,
        groups=tuple(user.groups),
        permissions=tuple(sorted(_permissions(user))),
        customer_id=user.customer_id or None,
        properties=_properties(user),
    )


def _permissions(user: User) -> set[str]:
    granted = {str(permission) for permission in user.user_group.permissions}
    path = settings.USERMANAGER.permissions_resolver
    if not path:
        return granted
    try:
        extra = set(_resolver(path)(user))
    # Plugin code (e.g. a call to a licences backend): any failure fails closed.
    except Exception as exc:
        logger.exception("PERMISSIONS_RESOLVER %s failed for user %s", path, user.id)
        raise ServiceUnavailableError(
            "The permissions of this user cannot be resolved right now; try again shortly."
        ) from exc
    return granted | {str(permission) for permission in extra}


@functools.cache
def _resolver(path: str) -> PermissionsResolver:
    resolver: PermissionsResolver = import_string(path)
    return resolver


def _properties(user: User) -> dict[str, Any]:
    # Through JSON once, so dates become the strings /userinfo shows.
    fields: dict[str, Any] = json.loads(DjangoJSONEncoder().encode(user_document(user)))
    chosen = settings.USERMANAGER.userinfo_additional_properties
    if chosen is None:
        return fields
    return {name: fields[name] for name in chosen if name in fields}
