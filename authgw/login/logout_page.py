"""The sign-out confirmation page shown when another site made the browser ask to sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from authgw.login.pages import CONTENT_SECURITY_POLICY, with_login_headers

_FORM_ACTION = "form-action 'self'"


def _provider_origins() -> list[str]:
    origins = set()
    for client in settings.AUTH0_SERVICE_CONFIG.clients.values():
        parts = urlsplit(client.auth0_url)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def content_security_policy() -> str:
    """The login site's CSP; the form may also end at the provider, since the sign-out answers
    with a redirect to its `/v2/logout` and browsers check `form-action` on redirects too."""
    allowed = " ".join([_FORM_ACTION, *_provider_origins()])
    return CONTENT_SECURITY_POLICY.replace(_FORM_ACTION, allowed)


def render_logout_confirmation(
    request: HttpRequest,
    *,
    action: str,
    redirect: str | None,
    stay_url: str,
    django_csrf: bool = False,
) -> HttpResponse:
    """200, no-store, no session change: a button that POSTs the sign-out to `action`.

    `redirect` must already be validated (`safe_redirect_path`); None leaves the field out.
    """
    context = {
        "action": action,
        "redirect": redirect,
        "stay_url": stay_url,
        "django_csrf": django_csrf,
    }
    content = render_to_string("login/logout.html", context, request=request)
    response = with_login_headers(HttpResponse(content))
    response["Content-Security-Policy"] = content_security_policy()
    return response
