"""The forward-auth endpoint's routes: `/auth` (nginx, Traefik) and `/auth/<path>` (Envoy)."""

from django.urls import path, re_path

from acl import views

app_name = "acl"

urlpatterns = [
    path("auth", views.forward_auth, name="forward-auth"),
    re_path(r"^auth(?P<suffix>/.*)$", views.forward_auth, name="forward-auth-prefix"),
]
