"""The back office's tables: Users and UMS configurations, saved through usermanager's services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from backoffice import actions as user_actions
from backoffice.admin_base import SectionModelAdmin
from backoffice.config import UMS_CONFIGURATIONS, USERS
from backoffice.forms import (
    USER_FIELDS,
    USER_REST_FIELDS,
    UMSConfigurationForm,
    UserAddForm,
    UserChangeForm,
)
from backoffice.refusals import FieldMap, ServiceRefusalError, service_call
from backoffice.site import site
from usermanager.errors import (
    Auth0UserConflictError,
    InvalidCrudSchemaError,
    InvalidStateTransitionError,
    UMSConfigurationExistsError,
    UMSConfigurationInUseError,
    UnknownUserGroupError,
)
from usermanager.models import UMSConfiguration, User
from usermanager.selectors import ums_configuration_list
from usermanager.services import (
    ums_configuration_create,
    ums_configuration_delete,
    ums_configuration_update,
    user_create,
    user_update,
)


def copy_into(saved: Model, shown: Model) -> None:
    """The admin keeps its own instance (for history and redirects): give it the saved state."""
    for field in saved._meta.concrete_fields:
        setattr(shown, field.attname, getattr(saved, field.attname))
    shown._state.adding = False


class GroupFilter(admin.SimpleListFilter):
    title = "group"
    parameter_name = "group"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(group.user_group, group.user_group) for group in ums_configuration_list()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        return queryset.filter(user_group_id=self.value()) if self.value() else queryset


@admin.register(User, site=site)
class UserAdmin(SectionModelAdmin):
    section = USERS
    field_map = FieldMap(
        fields=USER_REST_FIELDS,
        by_class={Auth0UserConflictError: "email", UnknownUserGroupError: "userGroup"},
        extra_field="extra",
    )
    form = UserChangeForm
    add_form = UserAddForm
    delete_confirmation_template = "backoffice/user_delete_confirmation.html"
    list_display = ("email", "name", "group", "state", "blocked", "auth0_id", "last_update")
    list_filter = (GroupFilter, "state", "blocked")
    search_fields = ("email", "name", "username")
    actions = (
        "block",
        "unblock",
        "send_password_change",
        "move_to_trash",
        "move_to_public",
        "reconcile_with_auth0",
    )

    @admin.display(description="group", ordering="user_group")
    def group(self, obj: User) -> str:
        return obj.user_group_id

    @admin.display(description="Auth0 id", ordering="auth_user_id")
    def auth0_id(self, obj: User) -> str:
        return obj.auth_user_id or "—"

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is None:
            password = ("password", "send_reset_password_email")
            return ((None, {"fields": USER_FIELDS}), ("Password", {"fields": password}))
        record = ("id", "auth_user_id", "state", "created_at", "updated_at")
        return ((None, {"fields": USER_FIELDS}), ("Record", {"fields": record}))

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        return ("id", "auth_user_id", "state", "created_at", "updated_at") if obj else ()

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        kwargs.setdefault("form", self.form if obj is not None else self.add_form)
        return super().get_form(request, obj, change, **kwargs)

    def save_through_services(
        self, request: HttpRequest, obj: User, form: Any, change: bool
    ) -> None:
        with service_call():
            if change:
                values, unset = form.rest_changes()
                saved = user_update(user_id=obj.pk, values=values, unset=unset)
            else:
                saved = user_create(
                    data=form.rest_document(),
                    password=form.cleaned_data["password"] or None,
                    send_reset_password_email=form.cleaned_data["send_reset_password_email"],
                )
        copy_into(saved, obj)

    def delete_through_services(self, request: HttpRequest, obj: User) -> None:
        """The tutorial's soft delete: TRASH here, blocked in Auth0."""
        if obj.state in (user_actions.TRASH, user_actions.DELETED):
            message = f"{obj.email} is already {obj.state}: there is nothing to delete."
            raise ServiceRefusalError(InvalidStateTransitionError(message))
        with service_call():
            user_actions.move_to(
                obj, lambda text: self.log_change(request, obj, text), user_actions.TRASH
            )

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any) -> HttpResponse:
        text = f"“{obj_display}” was moved to TRASH and blocked in Auth0."
        self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(self._url("changelist"))

    # --- actions --------------------------------------------------------------------------------

    @admin.action(description="Block in Auth0", permissions=["change"])
    def block(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_actions.run_per_user(
            self, request, queryset, "Blocked", user_actions.set_blocked(True)
        )

    @admin.action(description="Unblock in Auth0", permissions=["change"])
    def unblock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_actions.run_per_user(
            self, request, queryset, "Unblocked", user_actions.set_blocked(False)
        )

    @admin.action(description="Send a password-change", permissions=["change"])
    def send_password_change(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_actions.run_per_user(
            self, request, queryset, "Password-change sent", user_actions.send_password_change
        )

    @admin.action(description="Move to TRASH (blocks in Auth0)", permissions=["change"])
    def move_to_trash(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_actions.run_per_user(
            self, request, queryset, "Moved to TRASH", user_actions.move_to_trash
        )

    @admin.action(description="Move back to PUBLIC", permissions=["change"])
    def move_to_public(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_actions.run_per_user(
            self, request, queryset, "Moved to PUBLIC", user_actions.move_to_public
        )

    @admin.action(description="Reconcile with Auth0", permissions=["change"])
    def reconcile_with_auth0(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_actions.reconcile(self, request, queryset)


@admin.register(UMSConfiguration, site=site)
class UMSConfigurationAdmin(SectionModelAdmin):
    section = UMS_CONFIGURATIONS
    field_map = FieldMap(
        fields={
            "userGroup": "user_group",
            "label": "label",
            "crudSchema": "crud_schema",
            "authUserCreationDisabled": "auth_user_creation_disabled",
            "permissions": "permissions",
        },
        by_class={
            InvalidCrudSchemaError: "crudSchema",
            UMSConfigurationExistsError: "userGroup",
            UMSConfigurationInUseError: "userGroup",
        },
    )
    form = UMSConfigurationForm
    list_display = (
        "user_group",
        "label",
        "auth_user_creation_disabled",
        "user_count",
        "last_update",
    )
    search_fields = ("user_group", "label")
    readonly_fields = ("id", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[UMSConfiguration]:
        return super().get_queryset(request).annotate(user_count=Count("users"))

    @admin.display(description="users", ordering="user_count")
    def user_count(self, obj: Any) -> int:
        return int(getattr(obj, "user_count", 0))

    def save_through_services(
        self, request: HttpRequest, obj: UMSConfiguration, form: Any, change: bool
    ) -> None:
        data = {rest: form.cleaned_data[name] for rest, name in self.field_map.fields.items()}
        with service_call():
            if change:
                saved = ums_configuration_update(configuration_id=obj.pk, data=data)
            else:
                saved = ums_configuration_create(data=data)
        copy_into(saved, obj)

    def delete_through_services(self, request: HttpRequest, obj: UMSConfiguration) -> None:
        # No Auth0 call here, so the history entry and the delete share one transaction.
        with transaction.atomic():
            deleted = UMSConfiguration.objects.filter(pk=obj.pk)
            admin.ModelAdmin.log_deletions(self, request, deleted)
            with service_call():
                ums_configuration_delete(configuration_id=obj.pk)
