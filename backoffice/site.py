"""The back office: a Django admin site whose only way in is the product's SSO."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import reverse

from auth0client.cross_site import cross_site_signal
from auth0client.redirects import refuse_foreign_origin
from authgw.login.logout_page import render_logout_confirmation
from backoffice.identity import signed_in_user, sso_identity
from backoffice.sso import index_path, sign_in_url, sign_out_url, sso_sign_in

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class BackofficeSite(admin.AdminSite):
    site_url = None  # no "View site": the back office is the site
    index_template = "backoffice/index.html"
    app_index_template = "backoffice/app_index.html"

    def admin_view(self, view: View, cacheable: bool = False) -> View:
        protected = super().admin_view(view, cacheable)

        def signed_in_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            sso_sign_in(request)
            return protected(request, *args, **kwargs)

        # update_wrapper keeps the view's signature, which the type system cannot follow.
        return cast(View, update_wrapper(signed_in_view, protected))

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

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        return super().index(request, {"title": "Home", **(extra_context or {})})

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """No password here: the admin's sign-in page hands over to the SSO's /web-login."""
        sso_sign_in(request)
        if self.has_permission(request):
            return HttpResponseRedirect(index_path())
        if sso_identity(request) is not None:
            raise PermissionDenied  # signed in yet refused: sending them to sign in would loop
        return HttpResponseRedirect(sign_in_url(request.GET.get("next")))

    # django-stubs types AdminSite.logout as TemplateResponse; Django takes any response.
    def logout(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """GET: sign out unless another site sent the browser here (then confirm); POST: the
        confirmation's button (Django's CSRF token from admin_view, plus the login site's check).
        Either way the chain continues at `/logout`, same-origin, which ends the SSO session."""
        status = HTTPStatus.FOUND
        if request.method == "POST":
            refuse_foreign_origin(request)
            status = HTTPStatus.SEE_OTHER
        elif cross_site_signal(request):
            return render_logout_confirmation(
                request,
                action=reverse("backoffice:logout"),
                redirect=None,
                stay_url=index_path(),
                django_csrf=True,
            )
        logout(request)
        return HttpResponseRedirect(sign_out_url(), status=status)

    def password_change(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> NoReturn:
        raise Http404("Passwords are changed through the SSO, not here.")

    def password_change_done(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> NoReturn:
        raise Http404("Passwords are changed through the SSO, not here.")


site = BackofficeSite(name="backoffice")
# The back office's delete is a soft delete per object; no bulk hard delete anywhere.
site.disable_action("delete_selected")
