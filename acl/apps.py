"""Django app configuration for acl: system checks, SIGHUP reload, settings-change hooks."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.signals import setting_changed


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "ACL":
        from acl import registry, resolvers

        registry.forget()
        resolvers.forget_resolvers()


class AclConfig(AppConfig):
    name = "acl"

    def ready(self) -> None:
        # The policy itself loads when the middleware is built (WSGI start-up) and in
        # `manage.py check`, so `manage.py acl check OTHER.json` works even if the configured
        # file is broken.
        from acl import checks, registry

        checks.register()
        registry.install_sighup_handler()
        setting_changed.connect(_on_setting_changed, dispatch_uid="acl.setting_changed")
