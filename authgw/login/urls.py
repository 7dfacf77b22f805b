"""URLs of the login site."""

from django.urls import path

from authgw.login import views

app_name = "login"

urlpatterns = [
    path("web-login", views.web_login, name="web-login"),
    path("web-login/callback", views.web_login_callback, name="callback"),
]
