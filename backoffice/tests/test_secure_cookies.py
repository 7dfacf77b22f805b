"""Django's own cookies (`sessionid`, `csrftoken`) are Secure exactly when `sid` is (issue 13).

Signing in to the back office sets both; `sid`'s rule (auth0client.web.set_session_cookie) is
applied to the same request, so the two can never disagree.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.conf import settings
from django.http import HttpResponse

from auth0client.web import SESSION_COOKIE, set_session_cookie

pytestmark = pytest.mark.django_db

TRUSTED_PROXY = "127.0.0.1"  # in the default TRUSTED_PROXIES
STRANGER = "203.0.113.7"


def _sid_secure(request) -> bool:
    """Whether `sid` would carry Secure on this very request."""
    response = HttpResponse()
    client = settings.AUTH0_SERVICE_CONFIG.client_for(None)
    set_session_cookie(request, response, "sid-value", client)
    return bool(response.cookies[SESSION_COOKIE]["secure"])


@pytest.mark.parametrize(
    ("request_options", "secure"),
    [
        pytest.param(
            {"REMOTE_ADDR": TRUSTED_PROXY, "HTTP_X_FORWARDED_PROTO": "https"},
            True,
            id="https-from-a-trusted-proxy",
        ),
        pytest.param({"REMOTE_ADDR": STRANGER, "secure": True}, True, id="https-direct"),
        pytest.param({"REMOTE_ADDR": TRUSTED_PROXY}, False, id="plain-http"),
        pytest.param(
            {"REMOTE_ADDR": STRANGER, "HTTP_X_FORWARDED_PROTO": "https"},
            False,
            id="forwarded-https-from-an-untrusted-peer",
        ),
    ],
)
def test_back_office_sign_in_cookies_are_secure_exactly_when_sid_is(
    admin_browser, request_options, secure
):
    response = admin_browser.get("/backoffice/", **request_options)

    assert response.status_code == HTTPStatus.OK
    session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    csrf_cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert session_cookie.value  # the back-office sign-in wrote a Django session
    assert (bool(session_cookie["secure"]), bool(csrf_cookie["secure"])) == (secure, secure)
    assert _sid_secure(response.wsgi_request) is secure
