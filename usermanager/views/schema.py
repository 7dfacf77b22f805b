"""OpenAPI pieces shared by usermanager's views: the product's error shape on every operation."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR = inline_serializer(
    "Error",
    {
        "statusCode": serializers.IntegerField(),
        "error": serializers.CharField(),
        "message": serializers.CharField(),
    },
)
_ERRORS = {
    HTTPStatus.BAD_REQUEST: "The body or query breaks a rule (fields named in the message).",
    HTTPStatus.UNAUTHORIZED: "Not signed in.",
    HTTPStatus.FORBIDDEN: "The acl policy denies it (groups.admin by default).",
    HTTPStatus.NOT_FOUND: "No such user or configuration.",
    HTTPStatus.CONFLICT: "Already exists, or still in use.",
    HTTPStatus.BAD_GATEWAY: "Auth0 failed; nothing was left half-done.",
    HTTPStatus.SERVICE_UNAVAILABLE: "Auth0 did not answer or is rate-limiting; try again.",
}


def with_errors(success: Any) -> dict[Any, Any]:
    """`responses=` for extend_schema: the success answer plus the error shape."""
    answers = dict(success) if isinstance(success, dict) else {HTTPStatus.OK: success}
    for status, description in _ERRORS.items():
        answers[status] = OpenApiResponse(ERROR, description=description)
    return answers
