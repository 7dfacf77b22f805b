"""GET /users/me, the legacy alias of /userinfo, under the UMS rule: a blocked user is out."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from auth0client.views import UserinfoApi as SessionUserinfoApi
from usermanager.errors import UserInactiveError
from usermanager.resolvers import UmsUserResolver
from usermanager.userinfo import local_identity


class UserMeApi(SessionUserinfoApi):
    """The signed-in user as the provider describes them; 401 without a session, or when the
    user's local record is blocked or not PUBLIC (as on /userinfo)."""

    resolver = UmsUserResolver()

    def get(self, request: Request) -> HttpResponse:
        identity = self.resolver.base.resolve(request._request)
        # A user with no local record keeps the answer: the alias has always served identities
        # that only the provider knows (/userinfo, merged with the record, refuses those).
        local = local_identity(identity.user_id) if identity is not None else None
        if local is not None and not local.active:
            raise UserInactiveError("This user is blocked or not active; ask an administrator.")
        return super().get(request)
