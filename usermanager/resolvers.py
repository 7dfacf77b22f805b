"""The acl's user resolver for the UMS: the Auth0 identity merged with the local record."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

from acl.identity import Identity, UserResolver
from usermanager.errors import MissingAuthUserIdError, NotSignedInError, UserInactiveError
from usermanager.userinfo import local_identity, merge, userinfo_body


class UmsUserResolver:
    """Wraps the resolver named by UMS_BASE_USER_RESOLVER (default: auth0client's session resolver).

    Groups come from the local record and permissions from its group and PERMISSIONS_RESOLVER.
    A user who is blocked, not PUBLIC, or not linked to a local record is anonymous to the acl.
    """

    def __init__(self, base: UserResolver | None = None) -> None:
        self._given = base
        self._loaded: tuple[str, UserResolver] | None = None

    @property
    def base(self) -> UserResolver:
        if self._given is not None:
            return self._given
        path = settings.USERMANAGER.base_user_resolver
        if self._loaded is None or self._loaded[0] != path:
            found = import_string(path)
            self._loaded = (path, found() if isinstance(found, type) else found)
        return self._loaded[1]

    def resolve(self, request: HttpRequest) -> Identity | None:
        identity = self.base.resolve(request)
        if identity is None:
            return None
        local = local_identity(identity.user_id)
        if local is None or not local.active:
            return None
        return merge(identity, local)

    def userinfo(self, request: HttpRequest) -> dict[str, Any]:
        """The body of UMS /userinfo; the errors say why there is none."""
        identity = self.base.resolve(request)
        if identity is None:
            raise NotSignedInError("Not signed in: sign in through /web-login first.")
        local = local_identity(identity.user_id)
        if local is None:
            raise MissingAuthUserIdError("Missing authUserId, user not logged")
        if not local.active:
            raise UserInactiveError("This user is blocked or not active; ask an administrator.")
        return userinfo_body(merge(identity, local))
