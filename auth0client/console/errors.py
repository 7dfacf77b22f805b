"""The Console SSO's errors: what a Console sign-in, token request or token can fail with."""

from __future__ import annotations

from authgw.errors import (
    BadGatewayError,
    BadRequestError,
    ForbiddenError,
    TooManyRequestsError,
    UnauthorizedError,
)


class ConsoleStateError(ForbiddenError):
    """The callback's state is unknown, expired, used, or was started in another browser."""


class ConsoleRefusedError(UnauthorizedError):
    """The Console refused the code or the refresh token (a 4xx answer)."""


class ConsoleUnavailableError(BadGatewayError):
    """The Console did not answer, answered 5xx, or answered something that is no token answer."""


class ConsoleTokenRequestError(BadRequestError):
    """POST /api/token: the body is not `{"code": "...", "state": "..."}`."""


class ConsoleTokenRateError(TooManyRequestsError):
    pass
