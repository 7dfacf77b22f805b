"""Management API errors, rendered in Auth0's body `{statusCode, error, message, errorCode}`."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class Auth0Error(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        error_code: str,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.headers = headers or []

    def body(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "error": HTTPStatus(self.status).phrase,
            "message": self.message,
            "errorCode": self.error_code,
        }


def bad_request(message: str, error_code: str = "invalid_body") -> Auth0Error:
    return Auth0Error(HTTPStatus.BAD_REQUEST, message, error_code)


def user_not_found() -> Auth0Error:
    return Auth0Error(HTTPStatus.NOT_FOUND, "The user does not exist.", "inexistent_user")


def user_exists() -> Auth0Error:
    return Auth0Error(HTTPStatus.CONFLICT, "The user already exists.", "auth0_idp_error")


def weak_password() -> Auth0Error:
    return Auth0Error(
        HTTPStatus.BAD_REQUEST, "PasswordStrengthError: Password is too weak", "invalid_password"
    )
