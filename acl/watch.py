"""A configuration file kept current: re-read when it changes (checked at most once per interval)
or when asked (SIGHUP), validated, and swapped in whole; a bad new file keeps the old value.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from acl.errors import PolicyError

logger = logging.getLogger(__name__)

T = TypeVar("T")
Signature = tuple[int, int, int] | None


def _signature(path: Path) -> Signature:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class WatchedFile(Generic[T]):
    def __init__(
        self,
        path: Path,
        loader: Callable[[Path], T],
        *,
        interval_s: float = 1.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._loader = loader
        self._interval_s = interval_s
        self._now = now
        self._signature = _signature(path)
        self._value = loader(path)  # a bad file at start-up raises: the process must not start
        self._next_check = now() + interval_s
        self._reload_requested = False
        self._lock = threading.Lock()

    def current(self) -> T:
        """The latest good value. One reference read: a caller never sees a half-loaded file."""
        if self._reload_requested or self._now() >= self._next_check:
            self._refresh()
        return self._value

    def request_reload(self) -> None:
        """Re-read on the next current() call even if the file looks unchanged (SIGHUP)."""
        self._reload_requested = True

    def _refresh(self) -> None:
        # One thread re-reads; the others go on with the current value instead of waiting.
        if not self._lock.acquire(blocking=False):
            return
        try:
            forced, self._reload_requested = self._reload_requested, False
            self._next_check = self._now() + self._interval_s
            signature = _signature(self.path)
            if forced or signature != self._signature:
                self._reload(signature)
        finally:
            self._lock.release()

    def _reload(self, signature: Signature) -> None:
        # Remember the signature even when loading fails: retry only when the file changes again.
        self._signature = signature
        try:
            value = self._loader(self.path)
        except PolicyError as exc:
            logger.error("keeping the previous configuration: %s", exc)
            return
        self._value = value
        logger.info("configuration reloaded from %s", self.path)
