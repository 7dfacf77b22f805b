"""The sign-in page (GET /web-login) and the provider's callback (GET /web-login/callback)."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from auth0client.config import ClientConfig
from auth0client.redirects import safe_redirect_path
from auth0client.services.login import login_complete
from auth0client.web import (
    BINDING_COOKIE,
    SESSION_COOKIE,
    request_client_type,
    set_session_cookie,
)
from authgw.errors import ApiError
from authgw.login.pages import render_login, with_login_headers

_MAX_PROVIDER_TEXT = 300


@require_GET
def web_login(request: HttpRequest) -> HttpResponse:
    client = settings.AUTH0_SERVICE_CONFIG.client_for(request_client_type(request))
    redirect = safe_redirect_path(request.GET.get("redirect"))
    return render_login(request, client=client, redirect=redirect)


@require_GET
def web_login_callback(request: HttpRequest) -> HttpResponse:
    """Checks state, exchanges the code, creates the session, goes to the saved redirect."""
    client = settings.AUTH0_SERVICE_CONFIG.client_for(request_client_type(request))
    provider_error = request.GET.get("error")
    if provider_error:
        return _provider_error(request, client, provider_error)
    try:
        result = login_complete(
            code=request.GET.get("code"),
            state=request.GET.get("state"),
            binding=request.COOKIES.get(BINDING_COOKIE),
            previous_sid=request.COOKIES.get(SESSION_COOKIE),
        )
    except ApiError as exc:
        page = render_login(
            request, client=client, redirect="/", error=exc.message, status=exc.status
        )
        return with_login_headers(page, referrer_policy="no-referrer")
    # PRG (RFC 9700 §4.2): the code and state leave the address bar at once.
    response = HttpResponseRedirect(result.redirect)
    set_session_cookie(request, response, result.sid, result.client)
    return with_login_headers(response, referrer_policy="no-referrer")


def _provider_error(request: HttpRequest, client: ClientConfig | None, error: str) -> HttpResponse:
    # Shown HTML-escaped by the template (mod_auth_openidc CVE-2019-1010247).
    description = request.GET.get("error_description") or error
    message = f"The sign-in was refused: {description[:_MAX_PROVIDER_TEXT]}"
    status = HTTPStatus.FORBIDDEN if error == "access_denied" else HTTPStatus.BAD_REQUEST
    return render_login(request, client=client, redirect="/", error=message, status=status)
