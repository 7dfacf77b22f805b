"""Django app configuration for auth0client."""

from django.apps import AppConfig


class Auth0ClientConfig(AppConfig):
    name = "auth0client"

    def ready(self) -> None:
        from auth0client import checks
        from auth0client.status import check_identity_provider
        from authgw.status.checks import register_checkup

        checks.register()
        register_checkup("identity-provider", check_identity_provider)
