"""What every back-office table shares: its section's acl expression, no transaction held across
Auth0 calls, refused saves shown on the form, and history entries written after success only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from backoffice.audit import form_change_message
from backoffice.refusals import FieldMap, FormErrors, ServiceRefusalError, needs_message
from backoffice.sections import section_allowed

_ERRORS_ATTR = "_backoffice_form_errors"


class _SaveAccepted(Exception):  # noqa: N818 (control flow, not an error)
    """Raised by `save_model`: the form is valid; carries it out of Django's transaction."""

    def __init__(self, obj: Model, form: forms.ModelForm, change: bool) -> None:
        super().__init__()
        self.obj, self.form, self.change = obj, form, change


class _DeleteConfirmed(Exception):  # noqa: N818 (control flow, not an error)
    """Raised by `delete_model`: the deletion is confirmed; carries it out of the transaction."""

    def __init__(self, obj: Model) -> None:
        super().__init__()
        self.obj = obj


class SectionModelAdmin(admin.ModelAdmin):
    """Subclasses save and delete in `save_through_services`/`delete_through_services`.

    Django's add, change and delete views run in a database transaction (on SQLite a write lock:
    `BEGIN IMMEDIATE`), and the services call Auth0. So `save_model`/`delete_model` only carry
    the validated form out of Django's view, which rolls back having written nothing; the services
    run after it, with no transaction held across an Auth0 call, and a refusal is shown by
    running the view again on the same POST (nothing was saved).
    """

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

    @admin.display(description="last update", ordering="updated_at")
    def last_update(self, obj: Any) -> datetime:
        return obj.updated_at

    # --- saving through the services ----------------------------------------------------------

    def save_through_services(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        """Saves `obj` (the form's instance) through a service; raises ServiceRefusalError."""
        raise NotImplementedError

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self._saved_after_the_view(
            request, partial(super().add_view, request, form_url, extra_context)
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return self._saved_after_the_view(
            request, partial(super().change_view, request, object_id, form_url, extra_context)
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise _SaveAccepted(obj, form, change)

    def _saved_after_the_view(
        self, request: HttpRequest, view: Callable[[], HttpResponse]
    ) -> HttpResponse:
        try:
            return view()
        except _SaveAccepted as accepted:
            saved = accepted
        try:
            self.save_through_services(request, saved.obj, saved.form, saved.change)
        except ServiceRefusalError as refusal:
            errors = self.field_map.errors(refusal.error)
            if needs_message(errors):
                self.message_user(request, refusal.error.message, messages.ERROR)
            setattr(request, _ERRORS_ATTR, errors)
            return view()  # the same POST, now invalid: the form shows the refusal
        return self._after_save(request, saved)

    def _after_save(self, request: HttpRequest, saved: _SaveAccepted) -> HttpResponse:
        """What Django's view does after `save_model` (these tables have no inlines or m2m)."""
        change_message = self.construct_change_message(request, saved.form, [], not saved.change)
        if saved.change:
            self.log_change(request, saved.obj, change_message)
            return self.response_change(request, saved.obj)
        self.log_addition(request, saved.obj, change_message)
        return self.response_add(request, saved.obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        errors: FormErrors | None = getattr(request, _ERRORS_ATTR, None)
        if errors is None:
            return form
        return type(form.__name__, (form,), {"refusal": errors})

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        if add:
            return super().construct_change_message(request, form, formsets, add)
        return form_change_message(form)

    # --- deleting through the services ---------------------------------------------------------

    def delete_through_services(self, request: HttpRequest, obj: Any) -> None:
        """Deletes `obj` through a service and records it; raises ServiceRefusalError."""
        raise NotImplementedError

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except _DeleteConfirmed as confirmed:
            obj = confirmed.obj
        shown, pk = str(obj), obj.pk
        try:
            self.delete_through_services(request, obj)
        except ServiceRefusalError as refusal:
            self.message_user(request, refusal.error.message, messages.ERROR)
            return HttpResponseRedirect(self._url("change", object_id))
        return self.response_delete(request, shown, pk)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        raise _DeleteConfirmed(obj)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any] | list[Any]) -> Any:
        # Django logs before deleting; delete_through_services logs once the service succeeded.
        return []

    def _url(self, view: str, *args: Any) -> str:
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}", args=args
        )
