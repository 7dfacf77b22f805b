"""The REST shape of a user (`_id`, `userGroup`, ...) and its validation against a crudSchema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.validators import validator_for

from usermanager.errors import InvalidCrudSchemaError, InvalidDocumentError
from usermanager.models import UMSConfiguration, User

# REST field -> model attribute, for the fields every user has.
CORE_FIELDS: Mapping[str, str] = {
    "userGroup": "user_group_id",
    "username": "username",
    "email": "email",
    "name": "name",
    "blocked": "blocked",
    "customerId": "customer_id",
}
# Kept by the service itself: a body may not set them.
SYSTEM_FIELDS = frozenset({"_id", "authUserId", "state", "createdAt", "updatedAt"})
# Mia-Platform's timer fields are not supported (and `expirationId` was always refused); a
# password only ever goes to Auth0 (POST /users, /users/register, /users/change-password).
REFUSED_FIELDS = frozenset({"expirationId", "__STATE__", "password"})
REQUIRED_FIELDS = frozenset({"userGroup", "email"})
OPTIONAL_CORE_FIELDS = frozenset({"username", "name", "customerId"})
# authgw's own: never validated against a group's crudSchema (issue 12 item 6).
OWN_FIELDS = SYSTEM_FIELDS | {"blocked"}


def user_document(user: User) -> dict[str, Any]:
    """The user as the REST API shows it: core fields, then the extra fields."""
    return {
        "_id": user.id,
        "userGroup": user.user_group_id,
        "authUserId": user.auth_user_id or None,
        "username": user.username or None,
        "email": user.email,
        "name": user.name,
        "blocked": user.blocked,
        "state": user.state,
        "customerId": user.customer_id or None,
        **user.extra,
        "createdAt": user.created_at,
        "updatedAt": user.updated_at,
    }


def crud_document(user: User) -> dict[str, Any]:
    """The stored user as its group's crudSchema sees it (see `crud_fields`)."""
    return crud_fields(
        {
            "userGroup": user.user_group_id,
            "email": user.email,
            "username": user.username,
            "name": user.name,
            "customerId": user.customer_id,
            **user.extra,
        }
    )


def crud_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a crudSchema judges, as the caller sent them: authgw's own fields (`blocked`,
    `state`, `authUserId`, the dates) are never part of the contract, and an empty optional core
    field means "not set"."""
    return {
        field: value
        for field, value in document.items()
        if field not in OWN_FIELDS
        and field not in REFUSED_FIELDS
        and not (field in OPTIONAL_CORE_FIELDS and value in ("", None))
    }


def apply_fields(
    user: User, values: Mapping[str, Any], unset: frozenset[str] = frozenset()
) -> None:
    """Sets REST fields on an (unsaved) model instance; unknown fields go to `extra`."""
    refused = (set(values) | unset) & (SYSTEM_FIELDS | REFUSED_FIELDS)
    if refused:
        raise InvalidDocumentError(
            f"These fields cannot be set: {', '.join(sorted(refused))}.",
            {field: ["cannot be set"] for field in sorted(refused)},
        )
    missing = unset & REQUIRED_FIELDS
    if missing:
        raise InvalidDocumentError(
            f"These fields cannot be removed: {', '.join(sorted(missing))}.",
            {field: ["cannot be removed"] for field in sorted(missing)},
        )
    extra = dict(user.extra)
    for field in unset:
        if field in CORE_FIELDS:
            setattr(user, CORE_FIELDS[field], False if field == "blocked" else "")
        extra.pop(field, None)
    for field, value in values.items():
        if field in CORE_FIELDS:
            setattr(user, CORE_FIELDS[field], _core_value(field, value))
        else:
            extra[field] = value
    user.extra = extra


def _core_value(field: str, value: Any) -> Any:
    if field == "blocked":
        if not isinstance(value, bool):
            raise InvalidDocumentError(
                "blocked: must be true or false.", {"blocked": ["must be a boolean"]}
            )
        return value
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidDocumentError(f"{field}: must be a string.", {field: ["must be a string"]})
    return value.strip().lower() if field == "email" else value.strip()


def check_crud_schema(schema: Any) -> None:
    """A crudSchema must itself be a valid JSON Schema object (draft 7 unless `$schema` says)."""
    if not isinstance(schema, dict):
        raise InvalidCrudSchemaError("crudSchema: must be a JSON Schema object.")
    try:
        validator_for(schema, default=Draft7Validator).check_schema(schema)
    except SchemaError as exc:
        raise InvalidCrudSchemaError(
            f"crudSchema: not a valid JSON Schema at {exc.json_path}: {exc.message}"
        ) from None


def validate_fields(document: Mapping[str, Any], configuration: UMSConfiguration) -> None:
    """Raises InvalidDocumentError naming every field of `document` (the user as the caller sent
    it; see `crud_fields`) that breaks the group's crudSchema."""
    schema = configuration.crud_schema or {}
    validator = validator_for(schema, default=Draft7Validator)(
        schema, format_checker=FormatChecker()
    )
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(crud_fields(document)), key=_error_order):
        errors.setdefault(_field_of(error), []).append(error.message)
    if errors:
        errors = dict(sorted(errors.items()))
        details = "; ".join(f"{field}: {', '.join(reasons)}" for field, reasons in errors.items())
        raise InvalidDocumentError(
            f"The user does not match the crudSchema of group {configuration.user_group!r}: "
            f"{details}",
            errors,
        )


def _field_of(error: ValidationError) -> str:
    if error.path:
        return ".".join(str(part) for part in error.path)
    if (
        error.validator == "required"
        and isinstance(error.instance, dict)
        and isinstance(error.validator_value, list)
    ):
        missing = [
            name
            for name in error.validator_value
            if name not in error.instance and repr(name) in error.message
        ]
        if missing:
            return str(missing[0])
    return "$"


def _error_order(error: ValidationError) -> tuple[str, str]:
    return (".".join(str(part) for part in error.path), error.message)
