"""`manage.py check`: the routes file's errors that stop start-up, reported before it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from acl.errors import PolicyError
from gateway.routes import load_routes


def check_routes_file(**kwargs: Any) -> list[checks.CheckMessage]:
    path = settings.GATEWAY.routes_file
    if path is None:
        return []
    try:
        load_routes(path)
    except PolicyError as exc:
        return [checks.Error(str(exc), id="gateway.E001")]
    return []


def register() -> None:
    checks.register(check_routes_file, "gateway")
