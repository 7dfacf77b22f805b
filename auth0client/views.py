"""The Auth0 Client endpoints: /authorize, /oauth/token, /refreshtoken, /userinfo, /logout."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from auth0client.cross_site import cross_site_signal
from auth0client.errors import LoginRequestError, NotAuthenticatedError, TokenInvalidError
from auth0client.redirects import (
    client_ip,
    external_origin,
    refuse_foreign_origin,
    safe_redirect_path,
)
from auth0client.services.authenticate import session_find
from auth0client.services.login import LoginResult, login_complete, login_start, password_login
from auth0client.services.logout import logout
from auth0client.services.refresh import session_from_refresh_token, session_refresh
from auth0client.web import (
    BINDING_COOKIE,
    SESSION_COOKIE,
    clear_session_cookie,
    client_of,
    credentials_of,
    no_store,
    request_authentication,
    request_client_type,
    set_binding_cookie,
    token_response,
)
from authgw.errors import ApiError, error_response
from authgw.login.logout_page import render_logout_confirmation
from authgw.login.pages import render_login

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PASSWORD_GRANTS = frozenset({"password", "http://auth0.com/oauth/grant-type/password-realm"})


@never_cache
@require_GET
def authorize(request: HttpRequest) -> HttpResponse:
    """Starts the code flow: state, PKCE and nonce stored server-side; 302 to the provider."""
    started = login_start(
        client=client_of(request),
        redirect=safe_redirect_path(request.GET.get("redirect")),
        state=request.GET.get("state"),
        connection=request.GET.get("connection"),
        prompt=request.GET.get("prompt"),
        binding=request.COOKIES.get(BINDING_COOKIE),
    )
    response = HttpResponseRedirect(started.url)
    set_binding_cookie(request, response, started.binding)
    return response


class OAuthTokenApi(APIView):
    """POST /oauth/token: the code exchange (code + state) or grant_type=password."""

    class InputSerializer(serializers.Serializer[None]):
        grant_type = serializers.CharField(required=False, max_length=128)
        code = serializers.CharField(required=False, max_length=2048)
        state = serializers.CharField(required=False, max_length=512)
        iss = serializers.CharField(required=False, max_length=2048)  # RFC 9207, forwarded
        username = serializers.CharField(required=False, max_length=512)
        password = serializers.CharField(required=False, max_length=1024, trim_whitespace=False)
        connection = serializers.CharField(required=False, max_length=128)
        redirect = serializers.CharField(required=False, max_length=2048, allow_blank=True)

    def post(self, request: Request) -> HttpResponse:
        body = _body(request)
        # The login page's form (a browser): answers are pages and redirects, not JSON.
        form = "redirect" in body and request.content_type.startswith(_FORM_TYPES)
        raw_redirect = body.get("redirect")
        redirect = safe_redirect_path(raw_redirect if isinstance(raw_redirect, str) else None)
        try:
            refuse_foreign_origin(request)
            result = self._login(request, redirect)
        except ApiError as exc:
            if not form:
                raise
            client = settings.AUTH0_SERVICE_CONFIG.client_for(request_client_type(request))
            return render_login(
                request,
                client=client,
                redirect=redirect,
                error=exc.message,
                status=exc.status,
                headers=exc.headers,
            )
        return token_response(
            request,
            session=result.session,
            sid=result.sid,
            client=result.client,
            redirect_to=result.redirect if form else None,
        )

    def _login(self, request: Request, redirect: str) -> LoginResult:
        data = self.InputSerializer(data=_fields(request))
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = data.validated_data
        grant_type = fields.get("grant_type") or ("authorization_code" if "code" in fields else "")
        if grant_type in PASSWORD_GRANTS:
            return password_login(
                client=client_of(request),
                username=fields.get("username", ""),
                password=fields.get("password", ""),
                connection=fields.get("connection"),
                ip=client_ip(request),
                redirect=redirect,
                previous_sid=request.COOKIES.get(SESSION_COOKIE),
            )
        if grant_type == "authorization_code":
            return login_complete(
                code=fields.get("code"),
                state=fields.get("state"),
                binding=request.COOKIES.get(BINDING_COOKIE),
                previous_sid=request.COOKIES.get(SESSION_COOKIE),
                iss=fields.get("iss"),
            )
        raise LoginRequestError("grant_type must be authorization_code or password.")


def _body(request: Request) -> dict[str, Any]:
    data = request.data
    if hasattr(data, "dict"):
        return dict(data.dict())
    if isinstance(data, dict):
        return data
    raise LoginRequestError("The body must be a form or a JSON object.")


def _fields(request: Request) -> dict[str, Any]:
    # Mia's login site sends code and state in the query string; the body (form or JSON) wins.
    return {**request.query_params.dict(), **_body(request)}


class RefreshTokenApi(APIView):
    """POST /refreshtoken: new tokens for the session of the (possibly expired) token or cookie."""

    def post(self, request: Request) -> HttpResponse:
        refuse_foreign_origin(request)
        credentials = credentials_of(request)
        session = session_find(credentials)
        if session is not None:
            refreshed = session_refresh(session, force=True, presented_token=credentials.bearer)
            configured = settings.AUTH0_SERVICE_CONFIG.clients.get(refreshed.client_type)
            client = configured or client_of(request)  # a Console session (issue 16)
            return token_response(request, session=refreshed, sid=credentials.sid, client=client)
        client = client_of(request)
        body = _body(request)
        body_token = body.get("refreshToken") or body.get("refresh_token")
        if client.refresh_token_in_response and isinstance(body_token, str) and body_token:
            created, sid = session_from_refresh_token(client=client, refresh_token=body_token)
            return token_response(request, session=created, sid=sid, client=client)
        raise NotAuthenticatedError("No session for these credentials: sign in again.")


class UserinfoApi(APIView):
    """GET /userinfo (and the legacy /users/me): the signed-in user, 401 without a session."""

    def get(self, request: Request) -> HttpResponse:
        credentials = credentials_of(request)
        try:
            result = request_authentication(request)
        except (NotAuthenticatedError, TokenInvalidError) as exc:
            return _unauthenticated(request, exc.message, credentials.sid)
        if result is None:
            return _unauthenticated(request, "Sign in first.", credentials.sid)
        return no_store(JsonResponse(result.user))


def _unauthenticated(request: HttpRequest, message: str, sid: str | None) -> HttpResponse:
    response = error_response(request, HTTPStatus.UNAUTHORIZED, message, html=False)
    if sid:
        clear_session_cookie(request, response)
    return no_store(response)


# The login site's CSRF defence (as on /oauth/token): refuse_foreign_origin on the POST; the
# SessionCookieMiddleware also refuses a cookie-carrying cross-origin POST before this view.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET (existing clients) or POST (the confirmation page's button): sign out.

    A GET that another site made the browser send (a `sid` cookie plus a cross-site signal) only
    gets a confirmation page. Without a `sid` cookie there is no browser session a foreign page
    could end: bearer-token clients are signed out at once, whatever their headers say.
    """
    if request.method == "POST":
        refuse_foreign_origin(request)
        raw_redirect = request.POST.get("redirect", request.GET.get("redirect"))
        return _sign_out(request, raw_redirect, status=HTTPStatus.SEE_OTHER)
    raw_redirect = request.GET.get("redirect")
    if credentials_of(request).sid and cross_site_signal(request):
        return render_logout_confirmation(
            request,
            action=reverse("auth0client:logout"),
            redirect=safe_redirect_path(raw_redirect) if raw_redirect else None,
            stay_url=safe_redirect_path(None),
        )
    return _sign_out(request, raw_redirect, status=HTTPStatus.FOUND)


def _sign_out(request: HttpRequest, raw_redirect: str | None, *, status: int) -> HttpResponse:
    """Ends the session everywhere, clears the cookie, and sends the browser to the provider."""
    credentials = credentials_of(request)
    session = session_find(credentials)
    client = (
        settings.AUTH0_SERVICE_CONFIG.clients.get(session.client_type) if session else None
    ) or client_of(request)
    return_to = (
        f"{external_origin(request)}{safe_redirect_path(raw_redirect)}" if raw_redirect else None
    )
    response = HttpResponseRedirect(logout(session=session, client=client, return_to=return_to))
    response.status_code = status
    clear_session_cookie(request, response)
    return response
