"""UMS configurations: one per userGroup, with the crudSchema and permissions of its users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from usermanager.documents import check_crud_schema
from usermanager.errors import (
    InvalidDocumentError,
    UMSConfigurationExistsError,
    UMSConfigurationInUseError,
)
from usermanager.models import UMSConfiguration, group_name_validator
from usermanager.selectors import ums_configuration_get

# REST field -> model attribute.
FIELDS: Mapping[str, str] = {
    "userGroup": "user_group",
    "label": "label",
    "crudSchema": "crud_schema",
    "authUserCreationDisabled": "auth_user_creation_disabled",
    "permissions": "permissions",
}


def ums_configuration_create(*, data: Mapping[str, Any]) -> UMSConfiguration:
    configuration = UMSConfiguration()
    _apply(configuration, data)
    _save(configuration, force_insert=True)
    return configuration


def ums_configuration_update(*, configuration_id: str, data: Mapping[str, Any]) -> UMSConfiguration:
    configuration = ums_configuration_get(configuration_id=configuration_id)
    renamed = "userGroup" in data and data["userGroup"] != configuration.user_group
    if renamed and configuration.users.exists():
        raise UMSConfigurationInUseError(
            f"userGroup {configuration.user_group!r} is used by users: it cannot be renamed."
        )
    _apply(configuration, data)
    _save(configuration)
    return configuration


def ums_configuration_delete(*, configuration_id: str) -> None:
    configuration = ums_configuration_get(configuration_id=configuration_id)
    try:
        configuration.delete()
    except ProtectedError:
        raise UMSConfigurationInUseError(
            f"userGroup {configuration.user_group!r} is still used by users; move or delete "
            "them first."
        ) from None


def ums_configuration_ensure(*, data: Mapping[str, Any]) -> UMSConfiguration:
    """Creates the group's configuration, or updates it to `data` (used by seed_demo)."""
    existing = UMSConfiguration.objects.filter(user_group=data["userGroup"]).first()
    if existing is None:
        return ums_configuration_create(data=data)
    return ums_configuration_update(configuration_id=existing.id, data=data)


def _apply(configuration: UMSConfiguration, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise InvalidDocumentError(
            f"Unknown fields: {', '.join(sorted(unknown))}.",
            {field: ["unknown field"] for field in sorted(unknown)},
        )
    for field, attribute in FIELDS.items():
        if field in data:
            setattr(configuration, attribute, data[field])
    _check(configuration)


def _check(configuration: UMSConfiguration) -> None:
    try:
        group_name_validator(configuration.user_group)
    except ValidationError as exc:
        raise InvalidDocumentError(
            f"userGroup: {exc.messages[0]}", {"userGroup": exc.messages}
        ) from None
    if not configuration.label:
        raise InvalidDocumentError("label: is required.", {"label": ["is required"]})
    check_crud_schema(configuration.crud_schema)
    permissions = configuration.permissions
    if not isinstance(permissions, list) or not all(isinstance(p, str) and p for p in permissions):
        raise InvalidDocumentError(
            "permissions: must be a list of non-empty strings.",
            {"permissions": ["must be a list of non-empty strings"]},
        )
    if not isinstance(configuration.auth_user_creation_disabled, bool):
        raise InvalidDocumentError(
            "authUserCreationDisabled: must be true or false.",
            {"authUserCreationDisabled": ["must be a boolean"]},
        )


def _save(configuration: UMSConfiguration, *, force_insert: bool = False) -> None:
    try:
        with transaction.atomic():
            configuration.save(force_insert=force_insert)
    except IntegrityError:
        raise UMSConfigurationExistsError(
            f"userGroup {configuration.user_group!r} already has a UMS configuration."
        ) from None
