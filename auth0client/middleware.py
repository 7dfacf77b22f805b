"""Session-cookie guards on every product route: cross-site writes refused, dead cookies cleared.

Runs before the acl middleware. A state-changing request that the `sid` cookie would authenticate
is refused with 403 when it comes from another origin (CSRF; OAuth 2.0 for Browser-Based Apps
§6.1.3.2: SameSite alone does not stop same-site, cross-origin pages). After the request, a cookie
whose session turned out to be gone (expired, revoked, logged out elsewhere) is cleared, so the
browser stops presenting it and a refused renewal never turns into a redirect loop.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from acl.paths import normalise_path
from auth0client.errors import ForeignOriginError
from auth0client.redirects import refuse_foreign_origin
from auth0client.web import (
    SESSION_COOKIE,
    clear_session_cookie,
    credentials_of,
    no_store,
    session_was_refused,
)
from authgw.errors import api_error_response
from authgw.middleware import GetResponse

# RFC 9110 §9.2.1: every other method may change state.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Forward-auth decides about *another* request (its method and origin come in X-Original-*
# headers); the acl's forward-auth endpoint judges those itself.
FORWARD_AUTH_PATH = "/auth"


def cookie_authenticated_write(request: HttpRequest) -> bool:
    """A state-changing request whose credential is the session cookie (not a bearer token)."""
    if (request.method or "GET").upper() in SAFE_METHODS or _is_forward_auth(request):
        return False
    credentials = credentials_of(request)
    return bool(credentials.sid) and not credentials.bearer


def _is_forward_auth(request: HttpRequest) -> bool:
    # The normal form the acl will route on: `/auth/../users` is `/users`, not forward-auth.
    path = normalise_path(request.path_info, decode=False)
    prefix = f"/{settings.SERVICE_PREFIX}" if settings.SERVICE_PREFIX else ""
    if prefix and (path == prefix or path.startswith(f"{prefix}/")):
        path = path[len(prefix) :] or "/"
    return path == FORWARD_AUTH_PATH or path.startswith(f"{FORWARD_AUTH_PATH}/")


class SessionCookieMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if cookie_authenticated_write(request):
            try:
                refuse_foreign_origin(request)
            except ForeignOriginError as exc:
                return no_store(api_error_response(request, exc))
        response = self.get_response(request)
        if session_was_refused(request) and SESSION_COOKIE not in response.cookies:
            clear_session_cookie(request, response)
        return response
