"""Django app configuration for auth0emulator."""

from django.apps import AppConfig


class Auth0EmulatorConfig(AppConfig):
    name = "auth0emulator"
