"""The Console SSO endpoints: the login entry point, the callback, and the /api/token proxy.

With CONSOLE_URL unset every one of them answers 404, as if it did not exist.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from auth0client.console.config import ConsoleConfig
from auth0client.console.errors import ConsoleTokenRequestError
from auth0client.console.services import (
    console_login_complete,
    console_login_start,
    console_token_exchange,
    console_token_rate_spend,
)
from auth0client.redirects import client_ip, refuse_foreign_origin, safe_redirect_path
from auth0client.web import (
    BINDING_COOKIE,
    SESSION_COOKIE,
    no_store,
    set_binding_cookie,
    set_session_cookie,
)
from authgw.errors import ApiError

MAX_TOKEN_REQUEST_BYTES = 4096
_TOKEN_FIELDS = frozenset({"code", "state"})


class _UnsupportedMediaTypeError(ApiError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class _TooLargeError(ApiError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def _config() -> ConsoleConfig:
    config: ConsoleConfig | None = settings.CONSOLE
    if config is None:
        raise Http404("Console SSO is off")
    return config


@never_cache
@require_GET
def console_login(request: HttpRequest) -> HttpResponse:
    """GET /console-login?redirect=/path: a new state, then 302 to the Console's authz page."""
    started = console_login_start(
        config=_config(),
        redirect=safe_redirect_path(request.GET.get("redirect")),
        binding=request.COOKIES.get(BINDING_COOKIE),
    )
    response = HttpResponseRedirect(started.url)
    set_binding_cookie(request, response, started.binding)
    return response


@never_cache
@require_GET
def console_callback(request: HttpRequest) -> HttpResponse:
    """GET <CONSOLE_CALLBACK_PATH>?code&state: a new session, then 302 to the remembered path."""
    config = _config()
    result = console_login_complete(
        config=config,
        code=request.GET.get("code"),
        state=request.GET.get("state"),
        binding=request.COOKIES.get(BINDING_COOKIE),
        previous_sid=request.COOKIES.get(SESSION_COOKIE),
    )
    response = HttpResponseRedirect(result.redirect)
    set_session_cookie(request, response, result.sid, config)
    return no_store(response)


@csrf_exempt  # no cookie is read: a foreign Origin is refused below, and the body is JSON only
@never_cache
@require_POST
def console_token(request: HttpRequest) -> HttpResponse:
    """POST /api/token: `{"code","state"}` forwarded to the Console, its answer returned."""
    config = _config()
    refuse_foreign_origin(request)
    console_token_rate_spend(config=config, ip=client_ip(request))
    fields = _token_request(request)
    return no_store(JsonResponse(console_token_exchange(**fields)))


def _token_request(request: HttpRequest) -> dict[str, str]:
    """Exactly `{"code": str, "state": str}` as JSON of at most 4 KB."""
    if request.content_type != "application/json":
        raise _UnsupportedMediaTypeError("The body must be JSON (Content-Type: application/json).")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_TOKEN_REQUEST_BYTES:
        raise _TooLargeError("The body must be at most 4 KB.")
    body = request.body
    if len(body) > MAX_TOKEN_REQUEST_BYTES:
        raise _TooLargeError("The body must be at most 4 KB.")
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        raise ConsoleTokenRequestError("The body is not valid JSON.") from None
    if not isinstance(data, dict) or set(data) != _TOKEN_FIELDS:
        raise ConsoleTokenRequestError('The body must be exactly {"code": "...", "state": "..."}.')
    if not all(isinstance(data[name], str) and data[name] for name in _TOKEN_FIELDS):
        raise ConsoleTokenRequestError("code and state must be non-empty strings.")
    return {"code": data["code"], "state": data["state"]}
