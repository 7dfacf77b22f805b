"""The acl's exceptions: configuration errors (not HTTP errors) and the one API error it raises."""

from __future__ import annotations

from http import HTTPStatus

from authgw.errors import ApiError, BadRequestError


class ExpressionSyntaxError(ValueError):
    """An expression that does not compile; `column` is 1-based."""

    def __init__(self, src: str, column: int, reason: str) -> None:
        super().__init__(f"{reason} at column {column}")
        self.src = src
        self.column = column
        self.reason = reason


class PolicyError(Exception):
    """A configuration file that cannot be used, e.g. `auth.json: $['/x'].GET: reason`."""

    def __init__(self, file: str, json_path: str, reason: str) -> None:
        super().__init__(f"{file}: {json_path}: {reason}")
        self.file = file
        self.json_path = json_path
        self.reason = reason


class UnknownApiKeyError(ApiError):
    status = HTTPStatus.FORBIDDEN


class OriginalRequestError(BadRequestError):
    """The forward-auth call does not say (or says twice, differently) which request it is about."""
