"""The emulator's clock: wall time plus an offset that tests can advance (never `sleep`)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    def __init__(self, offset_s: float = 0.0) -> None:
        self._offset = offset_s
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._offset += seconds
            return self._offset

    def iso(self, timestamp: float | None = None) -> str:
        """Auth0's timestamp format: `2024-01-31T12:00:00.000Z`."""
        moment = datetime.fromtimestamp(self.now() if timestamp is None else timestamp, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
