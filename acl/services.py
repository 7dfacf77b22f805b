"""Authorising one request: its client type, its user, its rule and the decision."""

from __future__ import annotations

import logging
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.request import split_domain_port

from acl.api_keys import CLIENT_KEY_COOKIE, CLIENT_KEY_HEADER
from acl.config import AclSettings
from acl.context import AclContext
from acl.decisions import AclInput, decide, needs_identity
from acl.errors import UnknownApiKeyError
from acl.headers import is_truthy_header, upstream_headers
from acl.identity import Identity
from acl.policy import Policy
from acl.registry import current_api_keys, current_policy
from acl.resolvers import resolver_for
from authgw.errors import ApiError

logger = logging.getLogger(__name__)


def client_type_of(
    request: HttpRequest, config: AclSettings, *, header_trusted: bool
) -> str | None:
    """The clientType of an API key; the client-type header only where a gateway sets it."""
    key = request.headers.get(CLIENT_KEY_HEADER) or request.COOKIES.get(CLIENT_KEY_COOKIE)
    if key:
        client_type = current_api_keys().client_type(key)
        if client_type is None:
            # Refused even on public routes, as the Mia-Platform API Gateway does.
            raise UnknownApiKeyError("The client key is not valid.")
        return client_type
    if header_trusted:
        return request.headers.get(config.client_type_header_key) or None
    return None


def product_is_backoffice(request: HttpRequest, path: str, config: AclSettings) -> bool:
    """On the product's own routes the client cannot choose: path, host, or a trusted header."""
    if config.trust_mia_user_headers and is_truthy_header(
        request.headers.get(config.backoffice_header_key)
    ):
        return True
    folded = path.lower()
    if folded == "/backoffice" or folded.startswith("/backoffice/"):
        return True
    return bool(config.backoffice_hosts) and _on_backoffice_host(request, config.backoffice_hosts)


def _on_backoffice_host(request: HttpRequest, hosts: tuple[str, ...]) -> bool:
    try:
        host = request.get_host().lower()  # validated against ALLOWED_HOSTS
    except DisallowedHost:
        return False
    return host in hosts or split_domain_port(host)[0] in hosts


def authorize(
    request: HttpRequest,
    *,
    method: str,
    path: str,
    is_backoffice: bool,
    gateway_headers_trusted: bool,
) -> AclContext:
    """Decide `method path` for the caller of `request`; raises ApiError when it cannot tell."""
    config: AclSettings = settings.ACL
    client_type = client_type_of(request, config, header_trusted=gateway_headers_trusted)
    policy = current_policy()
    anonymous = AclInput(method.upper(), path, is_backoffice, client_type)
    identity = _identity_of(request, config, policy, anonymous)
    decision = decide(policy, replace(anonymous, identity=identity))
    return AclContext(identity, client_type, is_backoffice, decision)


def _identity_of(
    request: HttpRequest, config: AclSettings, policy: Policy, anonymous: AclInput
) -> Identity | None:
    """The caller; when the resolver cannot tell (ApiError, e.g. the session store is down), the
    request fails closed, unless the rule decides the same for everyone (public and no groups or
    permissions in it): then the caller is anonymous and the view (/userinfo, /logout, ...) sees
    the trouble itself."""
    resolver = resolver_for(config, is_backoffice=anonymous.is_backoffice)
    try:
        return resolver.resolve(request)
    except ApiError as exc:
        if needs_identity(policy, anonymous):
            raise
        logger.warning("user unknown (%s); the rule does not need one", exc.message)
        return None


def upstream_headers_for(request: HttpRequest) -> dict[str, str]:
    """The identity headers to send upstream for an authorised request (empty when exempt)."""
    acl: AclContext | None = getattr(request, "acl", None)
    if acl is None:
        return {}
    return upstream_headers(acl, settings.ACL)
