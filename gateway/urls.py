"""The gateway's catch-all route: included LAST, so every route of authgw's own wins."""

from django.urls import re_path

from gateway import views

app_name = "gateway"

urlpatterns = [re_path(r"^(?P<path>.*)$", views.proxy, name="proxy")]
