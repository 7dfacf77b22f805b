"""The sign-in page (GET /web-login) and the provider's callback (GET /web-login/callback)."""

from __future__ import annotations

import logging
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

logger = logging.getLogger(__name__)

_MAX_PROVIDER_TEXT = 300
_MAX_PROVIDER_CODE = 64
# Our words for the provider's `error` (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6, Auth0's
# `unauthorized`). The page never shows text the provider or a crafted link chose: the
# `error_description` goes to the log only (mod_auth_openidc CVE-2019-1010247, phishing text).
_PROVIDER_ERROR_MESSAGES = {
    "access_denied": "The sign-in was refused.",
    "unauthorized": "The sign-in was refused.",
    "login_required": "You need to sign in again.",
    "consent_required": "The sign-in needs your consent: start again and accept.",
    "interaction_required": "The sign-in needs you to complete a step: start again.",
    "account_selection_required": "Choose an account to sign in with: start again.",
    "invalid_request": "The sign-in request was not valid: start again.",
    "invalid_request_uri": "The sign-in request was not valid: start again.",
    "invalid_request_object": "The sign-in request was not valid: start again.",
    "request_not_supported": "The sign-in request was not valid: start again.",
    "request_uri_not_supported": "The sign-in request was not valid: start again.",
    "registration_not_supported": "The sign-in request was not valid: start again.",
    "invalid_scope": "The sign-in asked for permissions that are not available.",
    "unauthorized_client": "This application may not sign you in this way.",
    "unsupported_response_type": "This application may not sign you in this way.",
    "server_error": "The identity provider had a problem: try again.",
    "temporarily_unavailable": "The identity provider is busy: try again in a moment.",
}
_UNKNOWN_PROVIDER_ERROR = "The sign-in could not be completed: start again."


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
            iss=request.GET.get("iss"),  # RFC 9207
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
    """Our message for the provider's error code; its (or an attacker's) description is logged."""
    logger.warning(
        "the identity provider refused the sign-in",
        extra={
            "provider_error": error[:_MAX_PROVIDER_CODE],
            "provider_error_description": request.GET.get("error_description", "")[
                :_MAX_PROVIDER_TEXT
            ],
        },
    )
    message = _PROVIDER_ERROR_MESSAGES.get(error, _UNKNOWN_PROVIDER_ERROR)
    status = HTTPStatus.FORBIDDEN if error == "access_denied" else HTTPStatus.BAD_REQUEST
    return render_login(request, client=client, redirect="/", error=message, status=status)
