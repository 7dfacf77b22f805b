"""URLs of the Console SSO (issue 16); the callback's path is CONSOLE_CALLBACK_PATH."""

from django.conf import settings
from django.urls import path

from auth0client.console import views
from auth0client.console.config import DEFAULT_CALLBACK_PATH

app_name = "console"

_callback = settings.CONSOLE.callback_route if settings.CONSOLE else DEFAULT_CALLBACK_PATH[1:]

urlpatterns = [
    path("console-login", views.console_login, name="login"),
    path(_callback, views.console_callback, name="callback"),
    path("api/token", views.console_token, name="token"),
]
