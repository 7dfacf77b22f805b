"""Every request to the product's own routes is allowed or denied here, before URL resolution."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from acl.context import AclContext, set_request_acl
from acl.errors import PolicyError
from acl.headers import strip_untrusted_headers, untrusted_meta_keys
from acl.paths import normalise_path
from acl.registry import current_api_keys, current_policy
from acl.services import authorize, product_is_backoffice
from authgw.errors import ApiError, api_error_response, error_response, wants_html
from authgw.middleware import GetResponse

STATUS_PREFIX = "/-/"  # status routes: never behind authentication, whatever the policy says
FORWARD_AUTH_PATH = "/auth"  # decides for others; answers for itself (acl.views)
LOGIN_PATH = "/web-login"


class AclMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        try:  # a bad auth.json or API-keys file stops start-up, naming file, JSON path, reason
            current_policy()
            current_api_keys()
        except PolicyError as exc:
            raise ImproperlyConfigured(str(exc)) from None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = _normalise_request_path(request)
        relative = _product_path(path)
        forward_auth = _is_forward_auth(relative)
        config = settings.ACL
        strip_untrusted_headers(
            request, untrusted_meta_keys(config, gateway_headers_trusted=forward_auth)
        )
        set_request_acl(request, None)
        if forward_auth:
            return _forward_auth_guard(self.get_response(request))
        if path.startswith(STATUS_PREFIX):
            return self.get_response(request)
        try:
            acl = authorize(
                request,
                method=request.method or "GET",
                path=relative,
                is_backoffice=product_is_backoffice(request, relative, config),
                gateway_headers_trusted=config.trust_mia_user_headers,
            )
        except ApiError as exc:
            return _no_store(api_error_response(request, exc))
        set_request_acl(request, acl)
        if acl.decision.allowed:
            return self.get_response(request)
        return _no_store(_denied(request, relative, acl))


def forward_auth_requested(request: HttpRequest) -> bool:
    """Whether AclMiddleware will answer this request as forward-auth (authgw.lean asks first)."""
    return _is_forward_auth(_product_path(normalise_path(request.path_info, decode=False)))


def _is_forward_auth(relative: str) -> bool:
    return relative == FORWARD_AUTH_PATH or relative.startswith(FORWARD_AUTH_PATH + "/")


def _normalise_request_path(request: HttpRequest) -> str:
    """Normalise path_info in place, so the view served is the one the decision was about."""
    path = normalise_path(request.path_info, decode=False)
    if path != request.path_info:
        script_name = request.META.get("SCRIPT_NAME", "")
        request.path_info = path
        request.META["PATH_INFO"] = path
        request.path = "{}/{}".format(script_name.rstrip("/"), path.replace("/", "", 1))
    return path


def _product_path(path: str) -> str:
    """The path relative to SERVICE_PREFIX: the policy's keys are the product's own paths."""
    prefix = settings.SERVICE_PREFIX
    if not prefix:
        return path
    mount = f"/{prefix}"
    if path == mount or path.startswith(mount + "/"):
        return path[len(mount) :] or "/"
    return path


def _denied(request: HttpRequest, relative: str, acl: AclContext) -> HttpResponse:
    where = f"{request.method} {request.path}"
    if acl.decision.status == HTTPStatus.FORBIDDEN:
        return error_response(request, HTTPStatus.FORBIDDEN, f"You are not allowed to {where}.")
    # Only an anonymous browser goes to the login page: a signed-in one would loop back here.
    if acl.identity is None and wants_html(request) and not _is_login(relative):
        return HttpResponseRedirect(_login_url(request))
    if acl.decision.rule is None:
        message = f"No access rule covers {where}; ask an administrator to add one."
    else:
        message = f"Sign in to access {where}."
    return error_response(request, HTTPStatus.UNAUTHORIZED, message)


def _is_login(relative: str) -> bool:
    return relative == LOGIN_PATH or relative.startswith(LOGIN_PATH + "/")


def _login_url(request: HttpRequest) -> str:
    prefix = f"/{settings.SERVICE_PREFIX}" if settings.SERVICE_PREFIX else ""
    return f"{prefix}{LOGIN_PATH}?{urlencode({'redirect': request.get_full_path()})}"


def _forward_auth_guard(response: HttpResponse) -> HttpResponse:
    """Whatever answered /auth (the view, or the error handler after a crash): never cached,
    never a pass unless the view said so (issue 9 item 6)."""
    if "mia-allowed" not in response:
        response["mia-allowed"] = "0"
    return _no_store(response)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
