"""GET /users/me, the legacy alias of /userinfo, under the same rule: who is signed in."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from auth0client.views import UserinfoApi as SessionUserinfoApi
from usermanager.resolvers import UmsUserResolver
from usermanager.userinfo import ums_identity


class UserMeApi(SessionUserinfoApi):
    """The signed-in user as the provider describes them; 401 without a session, when the user's
    local record is blocked or not PUBLIC, or when UMS_UNLINKED_USERS refuses a user with no
    local record (as on /userinfo)."""

    resolver = UmsUserResolver()

    def get(self, request: Request) -> HttpResponse:
        identity = self.resolver.base.resolve(request)
        if identity is not None:
            ums_identity(identity)  # raises 401 as /userinfo does; `provision` links the user
        return super().get(request)
