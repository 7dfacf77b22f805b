"""Django app configuration for the gateway: system checks, SIGHUP reload, settings-change hooks."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.signals import setting_changed


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "GATEWAY":
        from gateway import registry

        registry.forget()


class GatewayConfig(AppConfig):
    name = "gateway"

    def ready(self) -> None:
        # The routes load when the middleware is built (WSGI start-up) and in `manage.py check`,
        # so `manage.py gateway check OTHER.json` works even if the configured file is broken.
        from gateway import checks, registry

        checks.register()
        registry.listen_for_reloads()
        setting_changed.connect(_on_setting_changed, dispatch_uid="gateway.setting_changed")
