"""The back office: a Django admin site whose only way in is the product's SSO."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect

from backoffice.identity import signed_in_user, sso_identity
from backoffice.sso import index_path, sign_in_url, sign_out_url, sso_sign_in

View = Callable[..., HttpResponse]


class BackofficeSite(admin.AdminSite):
    site_url = None  # no "View site": the back office is the site
    index_template = "backoffice/index.html"
    app_index_template = "backoffice/app_index.html"

    def admin_view(self, view: View, cacheable: bool = False) -> View:
        protected = super().admin_view(view, cacheable)

        def signed_in_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            sso_sign_in(request)
            return protected(request, *args, **kwargs)

        return update_wrapper(signed_in_view, protected)

    def has_permission(self, request: HttpRequest) -> bool:
        identity = sso_identity(request)
        user = request.user
        return (
            identity is not None
            and user.is_active
            and user.is_staff
            and user.get_username() == identity.user_id
        )

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        title = settings.BACKOFFICE.title
        identity = sso_identity(request)
        return {
            **super().each_context(request),
            "site_title": title,
            "site_header": title,
            "signed_in": signed_in_user(identity) if identity is not None else None,
            "sign_out_url": sign_out_url(),
        }

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return super().index(request, {"title": "Home", **(extra_context or {})})

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """No password here: the admin's sign-in page hands over to the SSO's /web-login."""
        sso_sign_in(request)
        if self.has_permission(request):
            return HttpResponseRedirect(index_path())
        if sso_identity(request) is not None:
            raise PermissionDenied  # signed in yet refused: sending them to sign in would loop
        return HttpResponseRedirect(sign_in_url(request.GET.get("next")))

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        logout(request)
        return HttpResponseRedirect(sign_out_url())

    def password_change(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        raise Http404("Passwords are changed through the SSO, not here.")

    def password_change_done(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        raise Http404("Passwords are changed through the SSO, not here.")


site = BackofficeSite(name="backoffice")
# The back office's delete is a soft delete per object; no bulk hard delete anywhere.
site.disable_action("delete_selected")
