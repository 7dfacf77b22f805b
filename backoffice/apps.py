"""Django app configuration for backoffice: refuse to start with a section expression that does
not compile (a typo would otherwise hide a table from everyone, or worse)."""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class BackofficeConfig(AppConfig):
    name = "backoffice"

    def ready(self) -> None:
        from backoffice.sections import expression_problems

        problems = expression_problems(settings.BACKOFFICE)
        if problems:
            raise ImproperlyConfigured("; ".join(problems))
