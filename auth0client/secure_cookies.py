"""Django's own cookies (`sessionid`, `csrftoken`, `messages`) are Secure exactly when `sid` is.

Django's SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE are static, but whether the browser reached
us over HTTPS depends on the request: its own scheme, or the forwarded protocol from a
TRUSTED_PROXIES peer (`auth0client.redirects.is_https`, the rule `sid` follows in
`auth0client.web`). This middleware sits outside SessionMiddleware, CsrfViewMiddleware and
MessageMiddleware (see MIDDLEWARE), so it sees the cookies they set and marks them `Secure`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse

from auth0client.redirects import is_https
from authgw.middleware import GetResponse


def django_cookie_names() -> frozenset[str]:
    """The cookies Django itself sets: session, CSRF token, messages."""
    return frozenset(
        {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, CookieStorage.cookie_name}
    )


def mark_secure(request: HttpRequest, response: HttpResponse) -> None:
    if not is_https(request):
        return
    for name in django_cookie_names() & response.cookies.keys():
        response.cookies[name]["secure"] = True


class SecureCookiesMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        mark_secure(request, response)
        return response
