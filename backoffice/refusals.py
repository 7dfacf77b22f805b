"""When a usermanager service refuses a save: its errors on the form fields, the rest as a message.

The admin saves by calling a service from `save_model`. If the service raises, nothing was saved
(the services undo their Auth0 half); the admin then validates the same POST again, and the form
shows the refusal on the fields it names (a group's crudSchema errors) or above the form.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from authgw.errors import ApiError
from usermanager.errors import InvalidDocumentError

NOTHING_SAVED = "Nothing was saved; see the message above."

FormErrors = dict[str | None, list[str]]  # form field (None: the whole form) -> messages


class ServiceRefusalError(Exception):
    """Carries a service's ApiError out of `save_model` to the admin view."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


@contextmanager
def service_call() -> Iterator[None]:
    try:
        yield
    except ApiError as exc:
        raise ServiceRefusalError(exc) from exc


@dataclass(frozen=True)
class FieldMap:
    """Where a service's errors go on one admin form."""

    fields: Mapping[str, str]  # REST name (`userGroup`) -> form field (`user_group`)
    by_class: Mapping[type[ApiError], str] = field(default_factory=dict)  # error -> REST name
    extra_field: str | None = None  # names the form has no field for (custom schema fields)

    def errors(self, error: ApiError) -> FormErrors:
        if isinstance(error, InvalidDocumentError) and error.errors:
            return self._document_errors(error.errors)
        for kind, name in self.by_class.items():
            if isinstance(error, kind):
                return {self.fields[name]: [error.message]}
        if isinstance(error, InvalidDocumentError):
            return {None: [error.message]}
        return {None: [NOTHING_SAVED]}

    def _document_errors(self, errors: Mapping[str, list[str]]) -> FormErrors:
        found: FormErrors = {}
        for name, reasons in errors.items():
            target = self.fields.get(name.split(".")[0])
            shown = list(reasons)
            if target is None and name != "$":
                target, shown = self.extra_field, [f"{name}: {reason}" for reason in reasons]
            found.setdefault(target, []).extend(shown)
        return found


def needs_message(errors: FormErrors) -> bool:
    """Errors no field explains (Auth0 down, a conflict) are shown as an admin message."""
    return NOTHING_SAVED in errors.get(None, [])
