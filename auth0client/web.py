"""HTTP edges shared by the auth0client views and the login site: client, credentials, cookies."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

from auth0client.config import ClientConfig
from auth0client.console.config import ConsoleConfig
from auth0client.errors import NotAuthenticatedError, TokenInvalidError, UnknownClientError
from auth0client.redirects import client_ip, is_https
from auth0client.services.authenticate import Authenticated, Credentials, authenticate
from auth0client.sessions import Session
from authgw.errors import ApiError

SESSION_COOKIE = "sid"
BINDING_COOKIE = "login_binding"
_BEARER_PREFIX = "bearer "


def request_client_type(request: HttpRequest) -> str | None:
    """The clientType the acl derived from the API key (`request.acl`), if any.

    The `client-type` header itself is never trusted here: only the acl middleware may decide it.
    """
    acl = getattr(request, "acl", None)
    if acl is None:
        return None
    value = acl.get("clientType") if isinstance(acl, Mapping) else getattr(acl, "client_type", None)
    return value if isinstance(value, str) and value else None


def client_of(request: HttpRequest) -> ClientConfig:
    """The request's configured client, else `defaultClient`; unknown → 401 (Mia's behaviour)."""
    client_type = request_client_type(request)
    client = settings.AUTH0_SERVICE_CONFIG.client_for(client_type)
    if client is None:
        raise UnknownClientError(
            f"No client is configured for client type {client_type!r}."
            if client_type
            else "No client type given and no defaultClient configured."
        )
    return client


_CREDENTIALS_ATTR = "_auth0client_credentials"


def credentials_of(request: HttpRequest) -> Credentials:
    """The request's `sid`, bearer token and address, read once (middleware, resolver and view
    each ask; none of the headers they come from changes while the request is served)."""
    credentials: Credentials | None = getattr(request, _CREDENTIALS_ATTR, None)
    if credentials is None:
        credentials = _read_credentials(request)
        setattr(request, _CREDENTIALS_ATTR, credentials)
    return credentials


def _read_credentials(request: HttpRequest) -> Credentials:
    authorization = request.headers.get("Authorization", "")
    bearer = None
    if authorization[: len(_BEARER_PREFIX)].lower() == _BEARER_PREFIX:
        bearer = authorization[len(_BEARER_PREFIX) :].strip() or None
    return Credentials(
        sid=request.COOKIES.get(SESSION_COOKIE) or None, bearer=bearer, ip=client_ip(request)
    )


_MEMO_ATTR = "_auth0client_authentication"


def request_authentication(request: HttpRequest) -> Authenticated | None:
    """The caller of this request, worked out once (the acl's resolver and the view share it).

    Raises NotAuthenticatedError/TokenInvalidError for refused credentials, and 503s when the
    store or the provider cannot tell. Both are memoized: one request never tries a refresh twice
    (a second try would present a refresh token the provider may already have rotated).
    """
    memo = getattr(request, _MEMO_ATTR, None)
    if memo is None:
        client = settings.AUTH0_SERVICE_CONFIG.client_for(request_client_type(request))
        try:
            memo = (authenticate(credentials_of(request), client=client), None)
        except ApiError as exc:
            memo = (None, exc)
        setattr(request, _MEMO_ATTR, memo)
    result, error = memo
    if error is not None:
        raise error
    return result


def session_was_refused(request: HttpRequest) -> bool:
    """True when this request's `sid` cookie was looked at and names no live session.

    Never after a 503: a store or provider that cannot tell keeps the cookie.
    """
    memo = getattr(request, _MEMO_ATTR, None)
    if memo is None:
        return False
    credentials = credentials_of(request)
    result, error = memo
    refused = error is None or isinstance(error, NotAuthenticatedError | TokenInvalidError)
    return bool(credentials.sid) and not credentials.bearer and result is None and refused


def set_session_cookie(
    request: HttpRequest, response: HttpResponse, sid: str, client: ClientConfig | ConsoleConfig
) -> None:
    """`sid=…; HttpOnly; Path=/; Max-Age=SESSION_DURATION_SECONDS; SameSite=…` (+ Secure)."""
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=settings.AUTH0_SESSIONS.duration_s,
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite=client.same_site,
    )


def clear_session_cookie(request: HttpRequest, response: HttpResponse) -> None:
    # Mia auth0-client 2.0.0: the deletion cookie carries an Expires in the past and no Max-Age.
    response.set_cookie(
        SESSION_COOKIE,
        "",
        expires="Thu, 01 Jan 1970 00:00:00 GMT",
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="Lax",
    )


def set_binding_cookie(request: HttpRequest, response: HttpResponse, binding: str) -> None:
    # Lax: sent on the provider's top-level redirect back to the callback, never on sub-requests.
    response.set_cookie(
        BINDING_COOKIE,
        binding,
        max_age=600,
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="Lax",
    )


def no_store(response: HttpResponse) -> HttpResponse:
    # RFC 6749 §5.1: token answers are never cached.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def token_body(session: Session, client: ClientConfig) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accessToken": session.access_token,
        "idToken": session.id_token,
        "expireAt": session.expires_at,
    }
    if client.refresh_token_in_response and session.refresh_token:
        body["refreshToken"] = session.refresh_token
    return body


def token_response(
    request: HttpRequest,
    *,
    session: Session,
    sid: str | None,
    client: ClientConfig,
    redirect_to: str | None = None,
) -> HttpResponse:
    """Item 3's answer: `website` → empty body + `sid` cookie; others → the token JSON."""
    if client.website:
        response: HttpResponse = (
            HttpResponseRedirect(redirect_to, status=HTTPStatus.SEE_OTHER)
            if redirect_to
            else HttpResponse(b"", status=HTTPStatus.OK)
        )
        if sid:
            set_session_cookie(request, response, sid, client)
        return no_store(response)
    return no_store(JsonResponse(token_body(session, client)))
