"""The session store: Django's cache (django-redis, or the database cache on the embedded default).

Keys are `<SESSION_SCOPE>:<kind>:<id>`. A failing store raises SessionStoreUnavailableError (503):
"cannot tell" is never read as "not logged in" (mod_auth_openidc PR #648, Pomerium #3431).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar, cast

import django_redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from redis import Redis
from redis.exceptions import RedisError
from redis.lock import Lock as RedisLock

from auth0client.errors import SessionStoreUnavailableError

logger = logging.getLogger(__name__)

T = TypeVar("T")
_STORE_ERRORS = (RedisError, DatabaseError, OSError)


def _guarded(func: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except _STORE_ERRORS as exc:
            logger.warning("session store failed: %s", type(exc).__name__)
            raise SessionStoreUnavailableError(
                "The session store is unavailable; try again shortly."
            ) from exc

    return wrapper


def key(kind: str, ident: str) -> str:
    scope = settings.AUTH0_SESSIONS.scope
    return f"{scope}:{kind}:{ident}" if scope else f"{kind}:{ident}"


def redis_client() -> Redis | None:
    """The raw client behind the store when it is Redis (django-redis); None otherwise."""
    try:
        client: Redis = django_redis.get_redis_connection("default")
    except NotImplementedError:
        return None  # the database cache (embedded default) or local memory
    return client


@_guarded
def get(store_key: str) -> Any:
    return cache.get(store_key)


@_guarded
def get_many(store_keys: list[str]) -> dict[str, Any]:
    return cache.get_many(store_keys)


@_guarded
def put(store_key: str, value: Any, ttl_s: int) -> None:
    cache.set(store_key, value, timeout=max(int(ttl_s), 1))


@_guarded
def add(store_key: str, value: Any, ttl_s: int) -> bool:
    return bool(cache.add(store_key, value, timeout=max(int(ttl_s), 1)))


@_guarded
def delete(store_key: str) -> bool:
    """True when the key existed: single-use values (login state) are consumed this way."""
    return bool(cache.delete(store_key))


@_guarded
def incr(store_key: str, ttl_s: int) -> int:
    cache.add(store_key, 0, timeout=max(int(ttl_s), 1))
    try:
        return int(cache.incr(store_key))
    except ValueError:  # expired between add and incr
        cache.set(store_key, 1, timeout=max(int(ttl_s), 1))
        return 1


# --- reads done together -------------------------------------------------------------------


class _ReadAhead:
    """The keys a caller wants read in the same round trip as a session, and what it found.

    Lives for one `read_ahead` block only, so no value outlives the request that read it; each
    value is taken once, so a read after a write in the same block goes to the store again.
    """

    def __init__(self, companions: Callable[[str], list[str]]) -> None:
        self.companions = companions
        self.found: dict[str, Any] = {}


_read_ahead: ContextVar[_ReadAhead | None] = ContextVar("auth0client_read_ahead", default=None)


@contextlib.contextmanager
def read_ahead(companions: Callable[[str], list[str]]) -> Iterator[None]:
    """Within the block, a session read also fetches `companions(user id)` (one MGET)."""
    token = _read_ahead.set(_ReadAhead(companions))
    try:
        yield
    finally:
        _read_ahead.reset(token)


def read_ahead_keys(user_id: str) -> list[str]:
    scope = _read_ahead.get()
    return scope.companions(user_id) if scope is not None else []


def keep_read_ahead(values: dict[str, Any]) -> None:
    scope = _read_ahead.get()
    if scope is not None:
        scope.found.update(values)


def take_read_ahead(store_key: str) -> tuple[bool, Any]:
    """(True, value) when this block's session read fetched `store_key` (None: not stored)."""
    scope = _read_ahead.get()
    if scope is None or store_key not in scope.found:
        return False, None
    return True, scope.found.pop(store_key)


# --- locks ----------------------------------------------------------------------------------


class _Renewer(threading.Thread):
    """Keeps a held lock alive while a slow provider call runs (oauth2-proxy PR #3456)."""

    def __init__(self, renew: Callable[[], object], every_s: float) -> None:
        super().__init__(daemon=True, name="auth0client-lock-renewer")
        self._renew = renew
        self._every_s = every_s
        self._done = threading.Event()
        # The starting request's context: the renewer's log lines carry its request id.
        self._context = contextvars.copy_context()

    def run(self) -> None:
        self._context.run(self._renew_until_stopped)

    def _renew_until_stopped(self) -> None:
        try:
            while not self._done.wait(self._every_s):
                try:
                    self._renew()
                except Exception as exc:  # noqa: BLE001 - a failed renewal only shortens the lock
                    logger.warning("lock renewal failed: %s", type(exc).__name__)
        finally:
            connections.close_all()  # this thread's own database connections (DB cache)

    def stop(self) -> None:
        self._done.set()


@contextlib.contextmanager
def lock(store_key: str, *, ttl_s: float, wait_s: float) -> Iterator[bool]:
    """A cross-process lock, renewed while held; yields False when it could not be had in time."""
    if hasattr(cache, "lock"):
        with _redis_lock(store_key, ttl_s=ttl_s, wait_s=wait_s) as acquired:
            yield acquired
    else:
        with _add_lock(store_key, ttl_s=ttl_s, wait_s=wait_s) as acquired:
            yield acquired


class _LockingCache(Protocol):
    """django-redis's cache: a redis-py lock on the prefixed key."""

    def lock(self, key: str, **options: Any) -> RedisLock: ...


@contextlib.contextmanager
def _redis_lock(store_key: str, *, ttl_s: float, wait_s: float) -> Iterator[bool]:
    redis_lock = _guarded(cast("_LockingCache", cache).lock)(
        store_key, timeout=ttl_s, blocking_timeout=wait_s, sleep=0.05, thread_local=False
    )
    if not _guarded(redis_lock.acquire)():
        yield False
        return
    renewer = _Renewer(redis_lock.reacquire, ttl_s / 3)
    renewer.start()
    try:
        yield True
    finally:
        renewer.stop()
        with contextlib.suppress(Exception):  # lost or expired: nothing left to release
            redis_lock.release()


@contextlib.contextmanager
def _add_lock(store_key: str, *, ttl_s: float, wait_s: float) -> Iterator[bool]:
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait_s
    while not add(store_key, token, int(ttl_s) + 1):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(0.05)
    renewer = _Renewer(lambda: _guarded(cache.touch)(store_key, int(ttl_s) + 1), ttl_s / 3)
    renewer.start()
    try:
        yield True
    finally:
        renewer.stop()
        with contextlib.suppress(*_STORE_ERRORS):
            if cache.get(store_key) == token:
                cache.delete(store_key)
