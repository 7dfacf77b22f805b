"""Loads the routes file when the WSGI handler is built: a bad one stops start-up.

It takes no part in serving requests (MiddlewareNotUsed): the proxy is the gateway view.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed

from acl.errors import PolicyError
from authgw.middleware import GetResponse
from gateway.registry import current_routes


class GatewayStartupMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        try:  # names the file, the JSON path and the reason
            current_routes()
        except PolicyError as exc:
            raise ImproperlyConfigured(str(exc)) from None
        raise MiddlewareNotUsed
