"""The back office's forms: users and UMS configurations, JSON edited as indented text."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError

from backoffice.refusals import FormErrors
from usermanager.documents import CORE_FIELDS, REFUSED_FIELDS, SYSTEM_FIELDS, check_crud_schema
from usermanager.errors import InvalidCrudSchemaError
from usermanager.models import UMSConfiguration, User

# The REST names (`usermanager.documents`) of the user form's fields.
USER_REST_FIELDS: dict[str, str] = {
    "userGroup": "user_group",
    "email": "email",
    "name": "name",
    "username": "username",
    "customerId": "customer_id",
    "blocked": "blocked",
}
# The user form's fields: the core fields, then the group's other fields as one JSON object.
USER_FIELDS: tuple[str, ...] = (*USER_REST_FIELDS.values(), "extra")
_REST_NAME = {field: rest for rest, field in USER_REST_FIELDS.items()}
_JSON_TEXTAREA = {"rows": 14, "cols": 80, "class": "vLargeTextField", "spellcheck": "false"}


class PrettyJSONField(forms.JSONField):
    """JSON shown indented; a parse error names its line and column."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs=_JSON_TEXTAREA))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value not in self.empty_values:
            try:
                json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValidationError(
                    f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
                    code="invalid",
                ) from None
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)


class CommaListField(forms.Field):
    """A list of names typed as `a, b, c`."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        text = "" if value in self.empty_values else str(value)
        return [item.strip() for item in text.split(",") if item.strip()]


class RefusalFormMixin(forms.BaseForm):
    """Adds the errors of a refused save (set by the admin on its second pass)."""

    refusal: ClassVar[FormErrors | None] = None

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        for field, messages in (self.refusal or {}).items():
            self.add_error(field, messages)
        return cleaned


class UserChangeForm(RefusalFormMixin, forms.ModelForm):
    extra = PrettyJSONField(
        required=False,
        initial=dict,
        label="Other fields",
        help_text="Fields of the group's crudSchema beyond those above, as a JSON object.",
    )

    class Meta:
        model = User
        fields = USER_FIELDS
        labels: ClassVar[dict[str, str]] = {
            "user_group": "Group",
            "customer_id": "Customer id",
        }

    def clean_extra(self) -> dict[str, Any]:
        value = self.cleaned_data.get("extra")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise ValidationError('Must be a JSON object, e.g. {"phone": "+39 ..."}.')
        reserved = sorted(set(value) & (set(CORE_FIELDS) | SYSTEM_FIELDS | REFUSED_FIELDS))
        if reserved:
            raise ValidationError(
                f"Set {', '.join(reserved)} with the fields above or not at all, not here."
            )
        return value

    def rest_changes(self) -> tuple[dict[str, Any], frozenset[str]]:
        """What `user_update` needs: the changed fields by REST name, and the removed extras."""
        values: dict[str, Any] = {}
        unset: frozenset[str] = frozenset()
        for name in self.changed_data:
            if name != "extra":
                values[_REST_NAME[name]] = _rest_value(self.cleaned_data[name])
                continue
            before, after = self.initial.get("extra") or {}, self.cleaned_data["extra"]
            values.update({key: value for key, value in after.items() if before.get(key) != value})
            unset = frozenset(set(before) - set(after))
        return values, unset


def _rest_value(value: Any) -> Any:
    return value.user_group if isinstance(value, UMSConfiguration) else value


class UserAddForm(UserChangeForm):
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to generate a random one (then send a password-change).",
    )
    send_reset_password_email = forms.BooleanField(
        required=False, label="Send a password-change ticket once created"
    )

    class Meta(UserChangeForm.Meta):
        fields = (*UserChangeForm.Meta.fields, "password", "send_reset_password_email")

    def rest_document(self) -> dict[str, Any]:
        """What `user_create` needs: the user by REST names, custom fields included."""
        data = self.cleaned_data
        core = {rest: _rest_value(data[name]) for rest, name in USER_REST_FIELDS.items()}
        return {**core, **data["extra"]}


class UMSConfigurationForm(RefusalFormMixin, forms.ModelForm):
    crud_schema = PrettyJSONField(
        label="crudSchema",
        help_text="The JSON Schema every user of this group must satisfy.",
    )
    permissions = CommaListField(
        required=False,
        help_text="Permissions every user of this group gets, comma-separated.",
    )

    class Meta:
        model = UMSConfiguration
        fields = (
            "user_group",
            "label",
            "crud_schema",
            "auth_user_creation_disabled",
            "permissions",
        )
        labels: ClassVar[dict[str, str]] = {
            "user_group": "Group",
            "auth_user_creation_disabled": "Auth user creation disabled",
        }

    def clean_crud_schema(self) -> Any:
        schema = self.cleaned_data.get("crud_schema")
        try:
            check_crud_schema(schema)
        except InvalidCrudSchemaError as exc:
            raise ValidationError(exc.message.removeprefix("crudSchema: ")) from None
        return schema
