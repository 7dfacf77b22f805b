"""The lean path for forward-auth (`/auth`): the same middleware, minus the layers it never needs.

A forward-auth request decides about another request; it never reads Django's session, CSRF
token, user, messages or static files, and no answer to it sets their cookies. So
`ForwardAuthFastPath`, right after `RequestLogMiddleware` in MIDDLEWARE, sends it down a chain
built by Django from the rest of the same MIDDLEWARE list without `LEAN_SKIPPED`: the same
SecurityMiddleware, ErrorMiddleware, CommonMiddleware (ALLOWED_HOSTS), SessionCookieMiddleware,
AclMiddleware (`acl.middleware.forward_auth_requested` is its own test), XFrameOptionsMiddleware,
URL resolution, view and error handlers. No security code is copied; every other request goes on
down the full chain (issue 14 item 3).
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase

from acl.middleware import forward_auth_requested
from authgw.middleware import GetResponse

FAST_PATH = "authgw.lean.ForwardAuthFastPath"
# What a forward-auth answer never needs: static files, Django's session, CSRF, user and
# messages, the Secure flag of their cookies (none is set), the gateway's start-up check.
LEAN_SKIPPED = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "auth0client.secure_cookies.SecureCookiesMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "gateway.middleware.GatewayStartupMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }
)


def lean_middleware(middleware: list[str]) -> list[str]:
    """The layers after the fast path, in MIDDLEWARE's order, without LEAN_SKIPPED."""
    after = middleware[middleware.index(FAST_PATH) + 1 :]
    return [path for path in after if path not in LEAN_SKIPPED]


class _LeanHandler(BaseHandler):
    """Django's own handler machinery (middleware wrapping, URL resolution, view middleware,
    exception handling) over the lean list."""

    def __init__(self, middleware: list[str]) -> None:
        super().__init__()
        self._lean = middleware

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler reads settings.MIDDLEWARE; lend it the lean list while the chain is built
        # (at start-up, inside the full chain's own loading).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self._lean
        try:
            super().load_middleware(is_async=is_async)
        finally:
            settings.MIDDLEWARE = full


class ForwardAuthFastPath:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.lean = _LeanHandler(lean_middleware(list(settings.MIDDLEWARE)))
        self.lean.load_middleware()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if forward_auth_requested(request):
            return self.lean.get_response(request)
        return self.get_response(request)
