from __future__ import annotations

from auth0client.checks import check_no_demo_secrets
from auth0client.config import DEFAULT_SOURCE, load_service_config


def test_deploy_check_refuses_the_demo_secrets(settings):
    settings.AUTH0_SERVICE_CONFIG = load_service_config(None, {}.get)

    messages = check_no_demo_secrets()

    assert [(message.id, message.msg) for message in messages] == [
        (
            "auth0client.E001",
            f"{DEFAULT_SOURCE}: clients.web.clientSecret is the demo tenant's secret",
        ),
        (
            "auth0client.E001",
            f"{DEFAULT_SOURCE}: managementClient.clientSecret is the demo tenant's secret",
        ),
    ]


def test_deploy_check_passes_with_real_secrets(settings, tenant):
    assert check_no_demo_secrets() == []
