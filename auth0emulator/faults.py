"""Fault knobs for reliability tests, per endpoint family, and the Management API rate limit.

Families: `discovery`, `jwks`, `authorize` (the browser pages), `token`, `userinfo`, `revoke`,
`logout`, `management`; `authentication` stands for all of them but `management`, `*` for all.
The Console mode's: `console-authz`, `console-token`, `console-refresh`, `console-jwks`, with
`console` for the four (they are not part of `authentication`).
The most specific entry that exists applies. Each entry (all keys optional):
`{"latency_ms": 250, "fail_rate": 0.5, "fail_status": 503, "fail_next": 2, "force_429": true}`.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from auth0emulator.clock import Clock

CONSOLE_FAMILIES = ("console-authz", "console-token", "console-refresh", "console-jwks")
FAMILIES = (
    "discovery", "jwks", "authorize", "token", "userinfo", "revoke", "logout", "management",
    *CONSOLE_FAMILIES,
)  # fmt: skip
_GROUPS = ("authentication", "console", "*")
_ENTRY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "latency_ms": {"type": "integer", "minimum": 0, "maximum": 60000},
        "fail_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "fail_status": {"enum": [500, 502, 503, 504]},
        "fail_next": {"type": "integer", "minimum": 0},
        "force_429": {"type": "boolean"},
    },
}
FAULTS_SCHEMA = {
    "type": "object",
    "propertyNames": {"enum": [*FAMILIES, *_GROUPS]},
    "additionalProperties": _ENTRY,
}
_random = secrets.SystemRandom()


class FaultConfigError(ValueError):
    pass


def validate_faults(data: Any) -> dict[str, dict[str, Any]]:
    errors = list(Draft202012Validator(FAULTS_SCHEMA).iter_errors(data))
    if not errors:
        return {family: dict(entry) for family, entry in data.items()}
    error = errors[0]
    if "propertyNames" in error.schema_path:
        names = ", ".join([*FAMILIES, *_GROUPS])
        raise FaultConfigError(f"faults: $.{error.instance}: unknown family (known: {names})")
    raise FaultConfigError(f"faults: {error.json_path}: {error.message}")


@dataclass(frozen=True)
class Fault:
    latency_s: float
    status: int | None  # None: answer normally


def _group(family: str) -> str | None:
    if family in CONSOLE_FAMILIES:
        return "console"
    return "authentication" if family != "management" else None


class Faults:
    def __init__(self, config: dict[str, dict[str, Any]] | None = None) -> None:
        self._lock = threading.Lock()
        self._config = validate_faults(config or {})

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {family: dict(entry) for family, entry in self._config.items()}

    def replace(self, config: Any) -> dict[str, dict[str, Any]]:
        valid = validate_faults(config)
        with self._lock:
            self._config = valid
        return self.snapshot()

    def _entry(self, family: str) -> dict[str, Any] | None:
        for key in (family, _group(family), "*"):
            if key in self._config:
                return self._config[key]
        return None

    def decide(self, family: str) -> Fault:
        with self._lock:
            entry = self._entry(family)
            if entry is None:
                return Fault(0.0, None)
            return Fault(entry.get("latency_ms", 0) / 1000, self._status(entry))

    @staticmethod
    def _status(entry: dict[str, Any]) -> int | None:
        if entry.get("force_429"):
            return 429
        failing = int(entry.get("fail_status", 503))
        if entry.get("fail_next", 0) > 0:
            entry["fail_next"] -= 1
            return failing
        if _random.random() < float(entry.get("fail_rate", 0)):
            return failing
        return None

    @staticmethod
    def wait(fault: Fault) -> None:
        if fault.latency_s:
            time.sleep(fault.latency_s)  # the added latency is the point of the knob


class RateLimiter:
    """A fixed window per caller; every answer carries Auth0's x-ratelimit-* headers."""

    def __init__(self, clock: Clock, limit: int | None = 100, window_s: int = 1) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}
        self.configure(limit, window_s)

    def configure(self, limit: int | None, window_s: int = 1) -> None:
        with self._lock:
            self.limit = limit
            self.window_s = max(1, window_s)
            self._windows.clear()

    def hit(self, caller: str) -> tuple[bool, list[tuple[str, str]]]:
        """(allowed, headers) for one call of `caller`."""
        now = self._clock.now()
        with self._lock:
            if self.limit is None:
                return True, []
            start = int(now // self.window_s * self.window_s)
            window_start, count = self._windows.get(caller, (start, 0))
            if window_start != start:
                window_start, count = start, 0
            count += 1
            self._windows[caller] = (window_start, count)
            reset = math.ceil(window_start + self.window_s)
            headers = [
                ("x-ratelimit-limit", str(self.limit)),
                ("x-ratelimit-remaining", str(max(0, self.limit - count))),
                ("x-ratelimit-reset", str(reset)),
            ]
            return count <= self.limit, headers
