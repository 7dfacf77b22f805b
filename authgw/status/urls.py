"""Status routes, mounted at the root whatever SERVICE_PREFIX says (probes use fixed paths)."""

from django.urls import path

from authgw.status import views

app_name = "status"

urlpatterns = [
    path("-/healthz", views.healthz, name="healthz"),
    path("-/ready", views.ready, name="ready"),
    path("-/check-up", views.check_up, name="check-up"),
]
