"""usermanager's errors (rendered in the product's one error shape by authgw.errors)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from authgw.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)


class UserNotFoundError(NotFoundError):
    pass


class UserExistsError(ConflictError):
    pass


class Auth0UserConflictError(UserExistsError):
    """Auth0 already has a user with this email that no local user is linked to."""


class UMSConfigurationNotFoundError(NotFoundError):
    pass


class UMSConfigurationInUseError(ConflictError):
    pass


class UMSConfigurationExistsError(ConflictError):
    pass


class UnknownUserGroupError(BadRequestError):
    pass


class InvalidDocumentError(BadRequestError):
    """The body breaks a rule; `errors` maps each failing field to its reasons (for forms)."""

    def __init__(self, message: str, errors: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, list[str]] = {
            key: list(value) for key, value in (errors or {}).items()
        }


class InvalidCrudSchemaError(BadRequestError):
    pass


class InvalidStateTransitionError(BadRequestError):
    pass


class AuthUserCreationDisabledError(BadRequestError):
    pass


class MissingAuthUserIdError(UnauthorizedError):
    pass


class NotSignedInError(UnauthorizedError):
    pass


class UserInactiveError(UnauthorizedError):
    pass


class HookAuthenticationError(UnauthorizedError):
    pass


class HookDisabledError(ForbiddenError):
    pass
