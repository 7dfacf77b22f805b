"""Request ids, the access log, and turning every error into the product's one error shape.

A view that relays another system's answer as it is, the gateway's proxy (gateway/proxy.py), marks
it with `mark_passthrough`: an upstream's own 404 or 5xx reaches the client unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import TypeVar

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase

from authgw.errors import RENDERED_ATTR, ApiError, api_error_response, error_response
from authgw.request_context import REQUEST_ID_HEADER, request_id_bound, request_id_from

access_logger = logging.getLogger("authgw.access")
error_logger = logging.getLogger("authgw.errors")

GetResponse = Callable[[HttpRequest], HttpResponse]


Response = TypeVar("Response", bound=HttpResponseBase)


def mark_passthrough(response: Response) -> Response:
    """`response` is another system's answer: the error middleware leaves it as it is."""
    setattr(response, RENDERED_ATTR, True)
    return response


def request_id_of(request: HttpRequest) -> str:
    return getattr(request, "request_id", "")


class RequestLogMiddleware:
    """Honours or generates X-Request-Id and writes one JSON access line per request.

    The id is the current one (authgw.request_context) while the request is served, so every
    log line and every call to Auth0 or another service made meanwhile carries it.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER, ""))
        # Kept on the request for request_id_of(): a relayed body is closed after this returns.
        request.request_id = request_id  # type: ignore[attr-defined]
        with request_id_bound(request_id):
            return self._served(request, request_id)

    def _served(self, request: HttpRequest, request_id: str) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        access_logger.info(
            "request completed",
            extra={
                "request_id": request_id,
                "method": request.method,
                # The path only: query strings carry codes, states and sometimes tokens.
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            },
        )
        return response


class ErrorMiddleware:
    """Renders ApiError and unexpected view exceptions, and re-shapes Django's bare 404/405."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, RENDERED_ATTR, False) or response.streaming:
            return response
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.get("Allow", "")
            return error_response(
                request,
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"Method {request.method} is not allowed here; allowed: {allowed}.",
                headers={"Allow": allowed},
            )
        if response.status_code == HTTPStatus.NOT_FOUND:
            # Only reached in DEBUG, where Django renders its technical 404 page instead of ours.
            return error_response(request, HTTPStatus.NOT_FOUND, f"No route for {request.path}.")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ApiError):
            return api_error_response(request, exception)
        if _is_handled_by_django(exception):
            return None
        error_logger.error(
            "unhandled error in view",
            exc_info=exception,
            extra={"request_id": request_id_of(request), "path": request.path},
        )
        return error_response(
            request,
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "An unexpected error occurred; quote the X-Request-Id when reporting it.",
        )


def _is_handled_by_django(exception: Exception) -> bool:
    """Http404, PermissionDenied and bad-request errors go to our handler40x views."""
    from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
    from django.http import Http404

    return isinstance(exception, Http404 | PermissionDenied | SuspiciousOperation | BadRequest)
