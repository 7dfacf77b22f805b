"""What every back-office table shares: its section's acl expression, no transaction held across
Auth0 calls, refused saves shown on the form, and history entries written after success only."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from backoffice.audit import form_change_message
from backoffice.refusals import FieldMap, FormErrors, ServiceRefusalError, needs_message
from backoffice.sections import section_allowed

_ERRORS_ATTR = "_backoffice_form_errors"


class SectionModelAdmin(admin.ModelAdmin):
    section: ClassVar[str]  # a key of settings.BACKOFFICE.section_expressions
    field_map: ClassVar[FieldMap]

    change_list_template = "backoffice/change_list.html"
    change_form_template = "backoffice/change_form.html"
    delete_confirmation_template = "backoffice/delete_confirmation.html"
    object_history_template = "backoffice/object_history.html"

    # --- who may: one expression per section, for every kind of access -----------------------

    def _allowed(self, request: HttpRequest) -> bool:
        return section_allowed(request, self.section)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    # --- saving through the services ----------------------------------------------------------

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # No transaction around the view (Django opens one): the services call Auth0 and keep
        # their own database writes short.
        try:
            return self._changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefusalError as refusal:
            errors = self.field_map.errors(refusal.error)
            if needs_message(errors):
                self.message_user(request, refusal.error.message, messages.ERROR)
            setattr(request, _ERRORS_ATTR, errors)
            # Nothing was saved: validate the same POST again, now showing the refusal.
            return self._changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        errors: FormErrors | None = getattr(request, _ERRORS_ATTR, None)
        if errors is None:
            return form
        return type(form.__name__, (form,), {"refusal": errors})

    def construct_change_message(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, add: bool = False
    ) -> Any:
        if add:
            return super().construct_change_message(request, form, formsets, add)
        return form_change_message(form)

    # --- deleting through the services ---------------------------------------------------------

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return self._delete_view(request, object_id, extra_context)
        except ServiceRefusalError as refusal:
            self.message_user(request, refusal.error.message, messages.ERROR)
            return HttpResponseRedirect(self._url("change", object_id))

    def log_deletions(self, request: HttpRequest, queryset: Any) -> list[Any]:
        # Django logs before deleting; delete_model logs once the service has succeeded.
        return []

    def _url(self, view: str, *args: Any) -> str:
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}", args=args
        )
