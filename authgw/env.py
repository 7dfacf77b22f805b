"""Typed readers of the process environment: the only module that touches os.environ.

Each app reads its own variables through these in its `config.py` (`from_env()`), once, at start.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return value.strip()


def _bad(name: str, raw: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={raw!r}: expected {expected}")


def env_str(name: str, default: str = "") -> str:
    raw = _raw(name)
    return default if raw is None or raw == "" else raw


def env_optional(name: str) -> str | None:
    raw = _raw(name)
    return raw or None


def env_path(name: str) -> Path | None:
    """A file or directory path; None when unset or empty."""
    raw = env_optional(name)
    return Path(raw) if raw else None


def env_bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _bad(name, raw, "true or false")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, raw, "an integer") from None
    if minimum is not None and value < minimum:
        raise _bad(name, raw, f"an integer >= {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _bad(name, raw, "a number") from None
    if minimum is not None and value < minimum:
        raise _bad(name, raw, f"a number >= {minimum}")
    return value


def env_list(name: str, default: Sequence[str] = ()) -> tuple[str, ...]:
    """A comma-separated list; blank entries are dropped."""
    raw = _raw(name)
    if raw is None:
        return tuple(default)
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def env_choice(name: str, default: str, choices: Sequence[str]) -> str:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    value = raw.lower()
    if value not in choices:
        raise _bad(name, raw, "one of " + "|".join(choices))
    return value


def env_url(name: str, default: str | None, schemes: Sequence[str]) -> str | None:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise _bad(name, _mask_password(raw), "a URL with scheme " + " or ".join(schemes))
    return raw


def _mask_password(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url
