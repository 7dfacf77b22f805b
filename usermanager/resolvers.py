"""The acl's user resolver for the UMS: the Auth0 identity merged with the local record."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

from acl.identity import Identity, UserResolver
from auth0client import store
from usermanager.errors import MissingAuthUserIdError, NotSignedInError, UserInactiveError
from usermanager.services.mirror import identity_cache_key
from usermanager.userinfo import ums_identity, userinfo_body

# (the base identity, what ums_identity made of it): the acl middleware and the view of one
# request (/userinfo) share it, so the local identity is read once per request. The middleware
# sets it on the HttpRequest first; a DRF Request reads attributes it lacks from that HttpRequest.
_MEMO_ATTR = "_usermanager_ums_identity"
Outcome = Identity | MissingAuthUserIdError | UserInactiveError


def _identity_keys(user_id: str) -> list[str]:
    """Read in the same round trip as the session: the local identity (one MGET, not two GETs)."""
    return [identity_cache_key(user_id)]


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
        outcome = self._outcome(request)
        return outcome if isinstance(outcome, Identity) else None

    def userinfo(self, request: HttpRequest) -> dict[str, Any]:
        """The body of UMS /userinfo; the errors say why there is none."""
        outcome = self._outcome(request)
        if outcome is None:
            raise NotSignedInError("Not signed in: sign in through /web-login first.")
        if not isinstance(outcome, Identity):
            raise outcome
        return userinfo_body(outcome)

    def _outcome(self, request: HttpRequest) -> Outcome | None:
        """None for anonymous; the merged identity, or why the signed-in user is not one."""
        with store.read_ahead(_identity_keys):
            identity = self.base.resolve(request)
            if identity is None:
                return None
            memo: tuple[Identity, Outcome] | None = getattr(request, _MEMO_ATTR, None)
            if memo is not None and memo[0] == identity:
                return memo[1]
            try:
                outcome: Outcome = ums_identity(identity)
            except (MissingAuthUserIdError, UserInactiveError) as exc:
                outcome = exc
        setattr(request, _MEMO_ATTR, (identity, outcome))
        return outcome
