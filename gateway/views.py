"""The gateway's one view: after authgw's own routes, any path an endpoint covers is proxied.

The acl middleware has already decided (401/403/302 to the login page never get here), on the
same normalised path this view matches.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from authgw.errors import ApiError, api_error_response, page_not_found
from gateway.proxy import forward
from gateway.registry import current_routes


# The upstream owns its forms: cross-site writes carrying `sid` are refused before the acl
# (auth0client.middleware.SessionCookieMiddleware), and `sid` never reaches the upstream.
@csrf_exempt
def proxy(request: HttpRequest, path: str = "") -> HttpResponse | StreamingHttpResponse:
    target = "/" + path
    endpoint = current_routes().match(target)
    if endpoint is None:
        return page_not_found(request)
    try:
        return forward(request, endpoint, target)
    except ApiError as exc:
        return api_error_response(request, exc)
