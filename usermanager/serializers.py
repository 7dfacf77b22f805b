"""The REST shapes shared by usermanager's views (camelCase field names, as Mia-Platform's UMS)."""

# ruff: noqa: N815 (the field names are the REST API's own: camelCase, as Mia-Platform's UMS)

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from usermanager.errors import InvalidDocumentError
from usermanager.models import User, UserState
from usermanager.selectors import UserFilters

MAX_PAGE = 200


class StrictCharField(serializers.CharField):
    """A JSON string: a number or a boolean is refused, never turned into its text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictEmailField(serializers.EmailField, StrictCharField):
    pass


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean: `"true"`, `1` and the like are refused."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class UserFieldsSerializer(serializers.Serializer):
    """A user body: the typed core fields; every other field is kept as an extra field.

    Its value is the body as sent (core fields checked, nothing coerced or trimmed): the group's
    crudSchema judges what the caller sent, and the service normalises what it stores.
    """

    userGroup = StrictCharField(max_length=100)
    email = StrictEmailField(max_length=254)
    username = StrictCharField(max_length=150, required=False, allow_blank=True)
    name = StrictCharField(max_length=300, required=False, allow_blank=True)
    blocked = StrictBooleanField(required=False)
    customerId = StrictCharField(max_length=200, required=False, allow_blank=True, allow_null=True)

    def run_validation(self, data: Any = serializers.empty) -> dict[str, Any]:
        # A ValidationError with a bare message raised for a non-object body reaches DRF's
        # `Serializer.errors`, which cannot make a dict of it: a 500 (issue 12 item 5).
        if not isinstance(data, Mapping):
            raise InvalidDocumentError("The body must be a JSON object.")
        super().run_validation(data)
        return dict(data)


class UserCreateSerializer(UserFieldsSerializer):
    password = StrictCharField(
        required=False, write_only=True, trim_whitespace=False, max_length=128
    )


class BlankAsNullCharField(serializers.CharField):
    """A text column whose empty value means "not set": JSON null."""

    def get_attribute(self, instance: Any) -> Any:
        return super().get_attribute(instance) or None


class UserOutputSerializer(serializers.Serializer):
    """`_id`, the core fields, the extra fields of the group's crudSchema, then the dates."""

    _id = serializers.CharField(source="id")
    userGroup = serializers.CharField(source="user_group_id")
    authUserId = BlankAsNullCharField(source="auth_user_id", allow_null=True)
    username = BlankAsNullCharField(allow_null=True)
    email = serializers.EmailField()
    name = serializers.CharField()
    blocked = serializers.BooleanField()
    state = serializers.ChoiceField(choices=UserState.values)
    customerId = BlankAsNullCharField(source="customer_id", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def to_representation(self, instance: User) -> dict[str, Any]:
        fields = dict(super().to_representation(instance))
        dates = {name: fields.pop(name) for name in ("createdAt", "updatedAt")}
        # Free-form, so not in the fields: whatever else the group's crudSchema allows.
        return {**fields, **instance.extra, **dates}


class UserFilterSerializer(serializers.Serializer):
    """The query of GET /users and /users/count (and the `filter` of POST /users/state)."""

    _id = serializers.CharField(required=False)
    userGroup = serializers.CharField(required=False)
    email = serializers.CharField(required=False)
    username = serializers.CharField(required=False)
    authUserId = serializers.CharField(required=False)
    customerId = serializers.CharField(required=False)
    blocked = serializers.BooleanField(allow_null=True, default=None)
    state = serializers.CharField(required=False, help_text="One state or a comma-separated list.")
    search = serializers.CharField(
        required=False, help_text="Text in email, name, username or customerId."
    )

    def validate_state(self, value: str) -> tuple[str, ...]:
        states = tuple(part.strip() for part in value.split(",") if part.strip())
        unknown = [state for state in states if state not in UserState.values]
        if unknown:
            raise serializers.ValidationError(f"unknown state {', '.join(unknown)}")
        return states


def filters_from(data: Mapping[str, Any]) -> UserFilters:
    return UserFilters(
        ids=(data["_id"],) if "_id" in data else None,
        user_group=data.get("userGroup"),
        email=data.get("email"),
        username=data.get("username"),
        auth_user_id=data.get("authUserId"),
        customer_id=data.get("customerId"),
        blocked=data.get("blocked"),
        states=data.get("state"),
        search=data.get("search"),
    )


class PageSerializer(UserFilterSerializer):
    _l = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE, default=25, help_text="Page size."
    )
    _sk = serializers.IntegerField(min_value=0, default=0, help_text="Users to skip.")


class ConfigurationFieldsSerializer(serializers.Serializer):
    userGroup = serializers.CharField(max_length=100)
    # The stubs see Field.label here; DRF's metaclass moves declared fields off the class.
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]
    crudSchema = serializers.JSONField()
    authUserCreationDisabled = serializers.BooleanField(default=False)
    permissions = serializers.ListField(child=serializers.CharField(max_length=200), default=list)


class ConfigurationOutputSerializer(serializers.Serializer):
    _id = serializers.CharField(source="id")
    userGroup = serializers.CharField(source="user_group")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, as above
    crudSchema = serializers.JSONField(source="crud_schema")
    authUserCreationDisabled = serializers.BooleanField(source="auth_user_creation_disabled")
    permissions = serializers.ListField(child=serializers.CharField())
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
