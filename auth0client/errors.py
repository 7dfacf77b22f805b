"""auth0client's errors: what a login, a token or a session can fail with."""

from __future__ import annotations

from authgw.errors import (
    BadGatewayError,
    BadRequestError,
    ForbiddenError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
)


class UnknownClientError(UnauthorizedError):
    pass


class NotAuthenticatedError(UnauthorizedError):
    """No valid session or token: the caller must sign in (again)."""


class TokenInvalidError(UnauthorizedError):
    """A token failed validation (signature, algorithm, issuer, audience, expiry, nonce, size)."""


class LoginStateError(BadRequestError):
    """The callback's state is missing, unknown, expired, replayed or from another browser."""


class LoginRequestError(BadRequestError):
    pass


class InvalidGrantError(ForbiddenError):
    """The provider refused the grant (wrong password, used code, revoked refresh token)."""


class ForeignOriginError(ForbiddenError):
    pass


class LoginThrottledError(TooManyRequestsError):
    pass


class UserinfoBudgetExceededError(TooManyRequestsError):
    """One address sent more unknown tokens than the provider is asked about per minute."""


class Auth0UnavailableError(ServiceUnavailableError):
    """The provider did not answer (connection error, timeout) or its keys are unavailable."""


class Auth0BadGatewayError(BadGatewayError):
    """The provider answered with a 5xx or something that is not a protocol answer."""


class SessionStoreUnavailableError(ServiceUnavailableError):
    """The session store (Redis or the database cache) failed: fail closed, keep the cookie."""


class IssuerMismatchError(BadGatewayError):
    """The discovery document names an issuer other than auth0Url (OIDC Discovery §4.3)."""
