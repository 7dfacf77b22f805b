"""The acl's user resolver for the UMS: the Auth0 identity merged with the local record."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

from acl.identity import Identity, UserResolver
from usermanager.errors import MissingAuthUserIdError, NotSignedInError, UserInactiveError
from usermanager.userinfo import ums_identity, userinfo_body


class UmsUserResolver:
    """Wraps the resolver named by UMS_BASE_USER_RESOLVER (default: auth0client's session resolver).

    Groups come from the local record and permissions from its group and PERMISSIONS_RESOLVER.
    A user who is blocked or not PUBLIC is anonymous to the acl; one not linked to a local record
    is what UMS_UNLINKED_USERS says (`usermanager.userinfo.ums_identity`).
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
        try:
            return ums_identity(identity)
        except (MissingAuthUserIdError, UserInactiveError):
            return None

    def userinfo(self, request: HttpRequest) -> dict[str, Any]:
        """The body of UMS /userinfo; the errors say why there is none."""
        identity = self.base.resolve(request)
        if identity is None:
            raise NotSignedInError("Not signed in: sign in through /web-login first.")
        return userinfo_body(ums_identity(identity))
