"""System checks: `manage.py check --deploy` refuses the demo tenant's secrets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from auth0client.config import DEMO_SECRETS


def check_no_demo_secrets(**kwargs: Any) -> list[checks.CheckMessage]:
    config = settings.AUTH0_SERVICE_CONFIG
    secrets = {client.client_secret: f"clients.{name}" for name, client in config.clients.items()}
    if config.management_client is not None:
        secrets[config.management_client.client_secret] = "managementClient"
    return [
        checks.Error(
            f"{config.source}: {where}.clientSecret is the demo tenant's secret",
            hint="Point SERVICE_CONFIG_PATH at your tenant's config.json (see the README).",
            id="auth0client.E001",
        )
        for secret, where in secrets.items()
        if secret in DEMO_SECRETS
    ]


def register() -> None:
    checks.register(check_no_demo_secrets, checks.Tags.security, deploy=True)
