"""The forward-auth endpoint's logic: a drop-in for the Authorization Service behind a gateway.

nginx (`auth_request`), Traefik (`forwardAuth`) and Envoy (`ext_authz`, `path_prefix: /auth`) ask
about a request they hold; the answer is 200, 401 or 403 with the `mia-*` headers, never a
redirect (nginx turns a 3xx from `auth_request` into a 500): the gateway redirects browsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest

from acl.config import AclSettings
from acl.errors import OriginalRequestError, UnknownApiKeyError
from acl.headers import forward_auth_headers, is_truthy_header
from acl.identity import Identity
from acl.paths import normalise_path, split_uri
from acl.services import authorize

# Mia-Platform's names first, then nginx's and Traefik's conventions.
URI_HEADERS = ("Original-Request-Uri", "X-Original-URI", "X-Forwarded-Uri")
METHOD_HEADERS = ("Original-Request-Method", "X-Original-Method", "X-Forwarded-Method")


@dataclass(frozen=True)
class OriginalRequest:
    method: str
    path: str  # normalised


@dataclass(frozen=True)
class ForwardAuthAnswer:
    status: HTTPStatus
    message: str
    headers: dict[str, str]


def original_request(request: HttpRequest, suffix: str) -> OriginalRequest:
    """The request the gateway asks about. Headers that disagree are refused, not ranked:
    a client may have added one the gateway does not overwrite (oauth2-proxy CVE-2026-40575)."""
    uris = _values(request, URI_HEADERS)
    paths = {normalise_path(split_uri(uri)[0], decode=True) for uri in uris}
    if suffix and (suffix != "/" or not paths):
        paths.add(normalise_path(suffix, decode=False))  # Envoy: /auth/<original path>
    if not paths:
        raise OriginalRequestError("Say which request to authorise: send Original-Request-Uri.")
    methods = {value.strip().upper() for value in _values(request, METHOD_HEADERS)}
    if len(paths) > 1 or len(methods) > 1:
        raise OriginalRequestError("The original-request headers disagree; send each once.")
    method = methods.pop() if methods else (request.method or "GET")
    return OriginalRequest(method=method, path=paths.pop())


def _values(request: HttpRequest, names: tuple[str, ...]) -> list[str]:
    return [value for name in names if (value := request.headers.get(name, "").strip())]


def forward_auth_answer(request: HttpRequest, original: OriginalRequest) -> ForwardAuthAnswer:
    config: AclSettings = settings.ACL
    is_backoffice = is_truthy_header(request.headers.get(config.backoffice_header_key))
    try:
        acl = authorize(
            request,
            method=original.method,
            path=original.path,
            is_backoffice=is_backoffice,
            gateway_headers_trusted=True,
        )
    except UnknownApiKeyError as exc:
        return _answer(config, HTTPStatus.FORBIDDEN, exc.message, None)
    where = f"{original.method} {original.path}"
    status = acl.decision.status
    if status == HTTPStatus.OK:
        message = ""
    elif status == HTTPStatus.FORBIDDEN:
        message = f"You are not allowed to {where}."
    elif acl.decision.rule is None:
        message = f"No access rule covers {where}."
    else:
        message = f"Sign in to access {where}."
    return _answer(config, status, message, acl.identity)


def _answer(
    config: AclSettings, status: HTTPStatus, message: str, identity: Identity | None
) -> ForwardAuthAnswer:
    allowed = status == HTTPStatus.OK
    headers = dict(forward_auth_headers(allowed=allowed, identity=identity, config=config))
    # Non-strict mode: always 200, only mia-allowed tells (Authorization Service behaviour).
    return ForwardAuthAnswer(status if config.strict_mode else HTTPStatus.OK, message, headers)
