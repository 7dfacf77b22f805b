"""The product's one error shape and its renderers (JSON for APIs, a small page for browsers)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

logger = logging.getLogger(__name__)

# Marks a response built by this module, so the error middleware never re-renders it.
RENDERED_ATTR = "authgw_error_rendered"


class ApiError(Exception):
    """An error the caller can act on; subclasses set `status`."""

    status: ClassVar[HTTPStatus] = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequestError(ApiError):
    status = HTTPStatus.BAD_REQUEST


class UnauthorizedError(ApiError):
    status = HTTPStatus.UNAUTHORIZED


class ForbiddenError(ApiError):
    status = HTTPStatus.FORBIDDEN


class NotFoundError(ApiError):
    status = HTTPStatus.NOT_FOUND


class ConflictError(ApiError):
    status = HTTPStatus.CONFLICT


class TooManyRequestsError(ApiError):
    status = HTTPStatus.TOO_MANY_REQUESTS


class BadGatewayError(ApiError):
    status = HTTPStatus.BAD_GATEWAY


class ServiceUnavailableError(ApiError):
    status = HTTPStatus.SERVICE_UNAVAILABLE


def error_body(status: int, message: str) -> dict[str, Any]:
    """The body of every JSON error: `{"statusCode", "error", "message"}`."""
    return {"statusCode": int(status), "error": HTTPStatus(status).phrase, "message": message}


def wants_html(request: HttpRequest) -> bool:
    """True for a browser navigation; API callers (and anyone unsure) get JSON."""
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "application/json" not in accept


def error_response(
    request: HttpRequest,
    status: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    html: bool | None = None,
) -> HttpResponse:
    """Render the error shape, as JSON or as the small error page."""
    body = error_body(status, message)
    if wants_html(request) if html is None else html:
        content = render_to_string("error.html", body, request=request)
        response: HttpResponse = HttpResponse(content, status=status, headers=headers)
    else:
        response = JsonResponse(body, status=status, headers=headers)
    setattr(response, RENDERED_ATTR, True)
    return response


def api_error_response(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(request, exc.status, exc.message, headers=exc.headers)


def drf_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: the same shape as every other error of the product."""
    if isinstance(exc, ApiError):
        return _drf_response(exc.status, exc.message, exc.headers)
    if isinstance(exc, drf_exceptions.ValidationError):
        return _drf_response(HTTPStatus.BAD_REQUEST, _validation_message(exc.detail), {})
    if isinstance(exc, drf_exceptions.APIException):
        headers = {}
        wait = getattr(exc, "wait", None)  # Throttled's, or a subclass's
        if wait:
            headers["Retry-After"] = str(int(wait))
        return _drf_response(exc.status_code, str(exc.detail), headers)
    return None


def _drf_response(status: int, message: str, headers: dict[str, str]) -> Response:
    response = Response(error_body(status, message), status=status, headers=headers)
    setattr(response, RENDERED_ATTR, True)
    return response


def _validation_message(detail: Any, prefix: str = "") -> str:
    """Flatten DRF's nested validation errors into `field: reason; other: reason`."""
    if isinstance(detail, dict):
        parts = [_validation_message(value, f"{prefix}{key}.") for key, value in detail.items()]
        return "; ".join(parts)
    if isinstance(detail, list):
        return "; ".join(_validation_message(item, prefix) for item in detail)
    field = prefix.rstrip(".")
    return f"{field}: {detail}" if field else str(detail)


# --- Django's handlerXXX views --------------------------------------------------------------


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, HTTPStatus.BAD_REQUEST, "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, HTTPStatus.FORBIDDEN, "You are not allowed to do this.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, HTTPStatus.NOT_FOUND, f"No route for {request.path}.")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(
        request,
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "An unexpected error occurred; quote the X-Request-Id when reporting it.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(
        request, HTTPStatus.FORBIDDEN, "Cross-site request refused (missing or bad CSRF token)."
    )
