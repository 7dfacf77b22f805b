"""The volatile cache: short-lived answers that strangers can create, kept apart from sessions.

Sessions, login state, locks and throttle counters live in the `default` cache, which never evicts
a live entry. Anything a stranger can make us remember (token → userinfo answers, negative
results, per-address budgets) lives here instead: a bounded per-process cache whose eviction can
only cost a repeated provider call, never someone's session or lock-out counter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache import caches

VOLATILE_ALIAS = "volatile"


def volatile_get(key: str) -> Any:
    return caches[VOLATILE_ALIAS].get(key)


def volatile_set(key: str, value: Any, ttl_s: int) -> None:
    caches[VOLATILE_ALIAS].set(key, value, timeout=max(int(ttl_s), 1))


def budget_spend(key: str, *, limit: int, window_s: int) -> bool:
    """Takes one unit of a fixed, clock-aligned budget window; False once `limit` were taken."""
    cache = caches[VOLATILE_ALIAS]
    window_key = f"{key}:{int(time.time() // window_s)}"
    cache.add(window_key, 0, timeout=window_s)
    try:
        spent = cache.incr(window_key)
    except ValueError:  # evicted between add and incr: count from here
        cache.set(window_key, 1, timeout=window_s)
        spent = 1
    return spent <= limit


class SingleFlight:
    """One lock per key while someone holds it, so a burst makes one call per process."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, holders = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, holders + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, holders = self._locks[key]
                if holders == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, holders - 1)
