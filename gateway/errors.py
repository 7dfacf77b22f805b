"""The gateway's API errors: what a proxied request can fail with before or instead of an answer."""

from __future__ import annotations

from http import HTTPStatus

from authgw.errors import ApiError, BadGatewayError


class UpstreamUnavailableError(BadGatewayError):
    """Refused, unreachable, or the connection broke before an answer."""


class UpstreamTimeoutError(ApiError):
    status = HTTPStatus.GATEWAY_TIMEOUT


class BodyTooLargeError(ApiError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class LengthRequiredError(ApiError):
    status = HTTPStatus.LENGTH_REQUIRED


class ClientBodyError(ApiError):
    """The client stopped sending before the body it announced was complete."""

    status = HTTPStatus.BAD_REQUEST
