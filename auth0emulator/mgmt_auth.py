"""Management API plumbing: bearer token and scope checks, rate limit, query and body parsing."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from joserfc import jwt
from joserfc.errors import JoseError
from jsonschema import Draft202012Validator

from auth0emulator.errors import Auth0Error, bad_request
from auth0emulator.wsgi import Request

if TYPE_CHECKING:
    from auth0emulator.app import Emulator

MAX_PER_PAGE = 100
MAX_RECORDS = 1000


def _unauthorized(message: str) -> Auth0Error:
    return Auth0Error(HTTPStatus.UNAUTHORIZED, message, "invalid_token")


class ManagementAuth:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def check(
        self, request: Request, *, any_of: tuple[str, ...], all_of: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The token's claims; 401 without a valid token, 429 over the limit, 403 without scope."""
        claims = self._claims(request)
        allowed, headers = self.emulator.rate_limit.hit(str(claims.get("azp") or claims["sub"]))
        request.context.setdefault("extra_headers", []).extend(headers)
        if not allowed:
            raise Auth0Error(
                HTTPStatus.TOO_MANY_REQUESTS, "Global limit has been reached", "too_many_requests"
            )
        scopes = set(str(claims.get("scope", "")).split())
        if all_of and not set(all_of) <= scopes:
            raise _forbidden(f"Insufficient scope; expected all of: {', '.join(all_of)}")
        if any_of and not scopes & set(any_of):
            raise _forbidden(f"Insufficient scope, expected any of: {','.join(any_of)}")
        return claims

    def _claims(self, request: Request) -> dict[str, Any]:
        kind, _, token = str(request.headers.get("Authorization", "")).partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise _unauthorized("Missing authentication")
        emulator = self.emulator
        try:
            decoded = jwt.decode(token.strip(), emulator.keys.public_keyset(), algorithms=["RS256"])
        except (JoseError, ValueError):
            raise _unauthorized("Invalid token") from None
        claims = dict(decoded.claims)
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims.get("iss") != emulator.tenant.issuer:
            raise _unauthorized("Invalid token")
        if emulator.tenant.management_audience not in audiences:
            raise _unauthorized("Bad audience: " + " ".join(str(a) for a in audiences))
        if int(claims.get("exp", 0)) < emulator.clock.now():
            raise _unauthorized("Expired token received for JSON Web Token validation")
        return claims


def _forbidden(message: str) -> Auth0Error:
    return Auth0Error(HTTPStatus.FORBIDDEN, message, "insufficient_scope")


def query_error(message: str) -> Auth0Error:
    return bad_request(message, "invalid_query_string")


def _type_error(kind: str, name: str) -> str:
    return (
        f"Query validation error: 'Expected type {kind} but found type string' on property {name}"
    )


def int_param(query: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise query_error(_type_error("integer", name)) from None
    if value < low or (high is not None and value > high):
        bound = (
            f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
        )
        raise query_error(f"Query validation error: '{name} must be {bound}' on property {name}")
    return value


def bool_param(query: dict[str, str], name: str, default: bool) -> bool:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false"):
        raise query_error(_type_error("boolean", name))
    return raw.lower() == "true"


def paging(query: dict[str, str], default_per_page: int) -> tuple[int, int]:
    page = int_param(query, "page", 0, 0, None)
    per_page = int_param(query, "per_page", default_per_page, 0, MAX_PER_PAGE)
    return page, per_page


def project(record: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    """`fields` + `include_fields`: keep (or drop) the listed top-level fields."""
    fields = [f.strip() for f in query.get("fields", "").split(",") if f.strip()]
    if not fields:
        return record
    if bool_param(query, "include_fields", True):
        return {k: v for k, v in record.items() if k in fields}
    return {k: v for k, v in record.items() if k not in fields}


def json_object(request: Request) -> dict[str, Any]:
    """The body as an object (JSON, or a form as the contract also allows)."""
    if request.content_type == "application/x-www-form-urlencoded":
        return dict(request.form_items())
    try:
        data = request.json()
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Payload validation error: 'Invalid JSON'.") from None
    if not isinstance(data, dict):
        raise bad_request(
            "Payload validation error: 'Expected type object but found type "
            f"{type(data).__name__}'."
        )
    return data


def validate_body(data: dict[str, Any], schema: dict[str, Any]) -> None:
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: e.json_path)
    if not errors:
        return
    error = errors[0]
    if error.validator == "required":
        missing = next(n for n in error.validator_value if n not in error.instance)
        raise bad_request(f"Payload validation error: 'Missing required property: {missing}'.")
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        raise bad_request(
            f"Payload validation error: 'Additional properties not allowed: {','.join(extra)}'."
        )
    where = error.json_path.removeprefix("$.")
    raise bad_request(f"Payload validation error: '{error.message}' on property {where}.")
