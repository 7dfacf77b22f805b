"""auth0client's errors: what a login, a token, a session or a Management API call can fail with."""

from __future__ import annotations

from authgw.errors import (
    BadGatewayError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
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
    """Auth0 did not answer (connection error, timeout) or its keys are unavailable.

    A Management API call that ends so may or may not have been applied.
    """


class Auth0RateLimitedError(Auth0UnavailableError):
    """Every attempt of a Management API call was refused with 429: nothing was applied."""


class Auth0BadGatewayError(BadGatewayError):
    """Auth0 answered with a 5xx, something that is not a protocol answer, or refused our
    Management API credentials or scopes. A Management API call that ends so may or may not
    have been applied."""


class Auth0UserNotFoundError(NotFoundError):
    pass


class Auth0UserExistsError(ConflictError):
    pass


class Auth0RequestError(BadRequestError):
    """The Management API refused what we sent (400), with Auth0's reason."""


class SessionStoreUnavailableError(ServiceUnavailableError):
    """The session store (Redis or the database cache) failed: fail closed, keep the cookie."""


class IssuerMismatchError(BadGatewayError):
    """The discovery document names an issuer other than auth0Url (OIDC Discovery §4.3)."""
