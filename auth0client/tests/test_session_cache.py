"""The per-process session cache (issue 14): what it keeps, for how long, and what drops it.

Against the real Redis (the invalidation channel is Redis pub/sub). Across processes, end to end:
tests/e2e/test_revocation_latency.py and the unchanged tests/e2e/test_revocation.py.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from auth0client import session_cache, sessions, store
from auth0client.config import sessions_from_env
from auth0client.errors import SessionStoreUnavailableError
from authgw.redis_config import build_redis_cache
from tests.redis_cluster import RedisServer

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def _until(condition: Callable[[], bool], limit_s: float = 5.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def cache_on(settings) -> None:
    settings.AUTH0_SESSIONS = dataclasses.replace(settings.AUTH0_SESSIONS, local_cache_s=1.0)
    session_cache.get("warm-up")  # starts this process's subscriber
    assert _until(lambda: session_cache._current().listening)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    seen: list[str] = []
    for name in ("get", "get_many"):
        original = getattr(store, name)

        def counting(*args: Any, _name: str = name, _original: Any = original) -> Any:
            seen.append(_name)
            return _original(*args)

        monkeypatch.setattr(store, name, counting)
    return seen


def signed_in(user_id: str | None = None) -> tuple[str, sessions.Session]:
    tokens = SimpleNamespace(
        access_token=f"at-{uuid.uuid4().hex}",
        expires_at=int(time.time()) + 3600,
        id_token=None,
        refresh_token=None,
    )
    user = {"sub": user_id or f"auth0|{uuid.uuid4().hex[:8]}"}
    return sessions.session_create(client_type="web", user=user, tokens=tokens)


def test_a_session_read_once_is_served_by_the_process_for_a_second(cache_on, reads) -> None:
    sid, session = signed_in()
    assert sessions.session_get_by_sid(sid, recent=True) == session
    reads.clear()

    assert sessions.session_get_by_sid(sid, recent=True) == session

    assert reads == []


def test_every_thread_of_a_process_shares_one_subscriber_and_one_cache(cache_on) -> None:
    """Django gives each thread its own cache object and Redis client (gunicorn's gthread
    workers): the subscriber and the entries must not follow them."""
    source = session_cache._current().source
    sid, session = signed_in()
    sessions.session_get_by_sid(sid, recent=True)
    found: list[object] = []

    def read() -> None:
        found.append(session_cache.get(session.handle))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert session_cache._current().source is source
    assert session_cache._current().listening
    assert [entry.session for entry in found] == [session] * 8  # type: ignore[union-attr]


def test_refresh_and_logout_decide_on_the_stored_value_never_the_cached_one(
    cache_on, reads
) -> None:
    sid, session = signed_in()
    sessions.session_get_by_sid(sid, recent=True)
    reads.clear()

    assert sessions.session_get_by_sid(sid) == session

    assert reads == ["get"]


def test_ending_a_session_drops_it_in_every_listening_process_before_returning(
    cache_on, caplog
) -> None:
    sid, session = signed_in()
    sessions.session_get_by_sid(sid, recent=True)
    assert session_cache.get(session.handle) is not None

    with caplog.at_level(logging.WARNING, logger="auth0client.session_cache"):
        sessions.session_delete(session)

    assert session_cache.get(session.handle) is None
    assert sessions.session_get_by_sid(sid, recent=True) is None
    assert caplog.records == []  # this process's subscriber acknowledged the message


def test_a_user_change_drops_that_users_sessions_and_no_one_elses(cache_on) -> None:
    sid, session = signed_in()
    other_sid, other = signed_in()
    for each in (sid, other_sid):
        sessions.session_get_by_sid(each, recent=True)

    session_cache.invalidate(user_ids=[session.user_id])

    assert session_cache.get(session.handle) is None
    assert session_cache.get(other.handle) is not None


def test_a_value_read_while_an_invalidation_arrived_is_not_kept(cache_on) -> None:
    _, session = signed_in()
    seen = session_cache.generation()

    session_cache.invalidate(handles=["some-other-session"])
    session_cache.put(session.handle, session, {}, seen)

    assert session_cache.get(session.handle) is None


def test_an_entry_ends_with_its_age_limit(cache_on, settings) -> None:
    settings.AUTH0_SESSIONS = dataclasses.replace(settings.AUTH0_SESSIONS, local_cache_s=0.2)
    sid, session = signed_in()
    sessions.session_get_by_sid(sid, recent=True)
    assert session_cache.get(session.handle) is not None

    assert _until(lambda: session_cache.get(session.handle) is None, limit_s=0.5)


def test_a_process_whose_subscriber_lost_redis_keeps_nothing_until_it_listens_again(
    cache_on,
) -> None:
    sid, session = signed_in()
    sessions.session_get_by_sid(sid, recent=True)
    assert session_cache.get(session.handle) is not None

    store.redis_client().client_kill_filter(_type="pubsub")

    assert _until(lambda: not session_cache._current().listening, limit_s=2)
    assert session_cache.get(session.handle) is None
    assert _until(lambda: session_cache._current().listening, limit_s=5)
    assert session_cache.get(session.handle) is None  # what it had was dropped, not kept


def test_the_cache_is_off_with_zero_seconds(settings, reads) -> None:
    settings.AUTH0_SESSIONS = dataclasses.replace(settings.AUTH0_SESSIONS, local_cache_s=0)
    sid, _ = signed_in()
    sessions.session_get_by_sid(sid, recent=True)
    reads.clear()

    sessions.session_get_by_sid(sid, recent=True)

    assert reads == ["get"]


@pytest.mark.parametrize(("raw", "kept"), [("0", 0.0), ("0.25", 0.25), ("1", 1.0)])
def test_session_local_cache_seconds_is_read_from_the_environment(monkeypatch, raw, kept) -> None:
    monkeypatch.setenv("SESSION_LOCAL_CACHE_SECONDS", raw)

    assert sessions_from_env(userinfo_cache_s=10).local_cache_s == kept


def test_more_than_a_second_stops_start_up(monkeypatch) -> None:
    monkeypatch.setenv("SESSION_LOCAL_CACHE_SECONDS", "2")

    with pytest.raises(ImproperlyConfigured, match="SESSION_LOCAL_CACHE_SECONDS=2: at most 1"):
        sessions_from_env(userinfo_cache_s=10)


def test_with_the_store_down_a_signed_in_read_is_503_within_the_age_limit(
    cache_on, settings, tmp_path
) -> None:
    server = RedisServer(tmp_path).start()
    try:
        own = dataclasses.replace(settings.REDIS, url=server.url, mode="normal", hosts=())
        settings.CACHES = {**settings.CACHES, "default": build_redis_cache(own)}
        session_cache.get("warm-up")  # the subscriber moves to the test's own server
        assert _until(lambda: session_cache._current().listening)
        sid, session = signed_in()
        sessions.session_get_by_sid(sid, recent=True)
        assert session_cache.get(session.handle) is not None
        server.stop()
        stopped = time.monotonic()

        assert _until(lambda: _store_unavailable(sid), limit_s=session_cache.MAX_AGE_S)
        assert time.monotonic() - stopped <= session_cache.MAX_AGE_S
        assert _store_unavailable(sid)  # and it stays so: nothing cached answers again
    finally:
        server.kill()


def _store_unavailable(sid: str) -> bool:
    try:
        sessions.session_get_by_sid(sid, recent=True)
    except SessionStoreUnavailableError:
        return True
    return False
