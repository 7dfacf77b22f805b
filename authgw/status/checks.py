"""Readiness checks: each answers None when healthy, or a short reason when not."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

Check = Callable[[], str | None]

# Extra checks for /-/check-up (e.g. the identity provider), registered by apps in ready().
_checkup_checks: dict[str, Check] = {}


def register_checkup(name: str, check: Check) -> None:
    _checkup_checks[name] = check


def _failure(name: str, exc: Exception) -> str:
    # The type and a short text only: connection errors can carry URLs with credentials.
    logger.warning("status check failed", extra={"check": name, "reason": type(exc).__name__})
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return _failure("database", exc)
    return None


def check_cache() -> str | None:
    key = f"authgw:ready:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        value = cache.get(key)
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return _failure("cache", exc)
    return None if value == "1" else "the cache did not return what was written"


def check_not_draining() -> str | None:
    flag = settings.DRAIN_FLAG_FILE
    if flag and Path(flag).exists():
        return "shutting down"
    return None


def run_checks(*, include_checkup: bool) -> dict[str, str | None]:
    checks: dict[str, Check] = {
        "server": check_not_draining,
        "database": check_database,
        "cache": check_cache,
    }
    if include_checkup:
        checks |= _checkup_checks
    return {name: check() for name, check in checks.items()}
