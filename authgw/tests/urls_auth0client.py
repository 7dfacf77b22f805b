"""The product's routes with auth0client's own /userinfo (no UMS merge), for auth0client's tests."""

from django.urls import include, path

from authgw.urls import handler400, handler403, handler404, handler500  # noqa: F401

urlpatterns = [
    path("", include("authgw.status.urls")),
    path("", include("acl.urls")),
    path("", include("auth0client.urls")),
    path("", include("usermanager.urls")),
    path("", include("authgw.login.urls")),
    path("", include("backoffice.urls")),
]
