"""A per-process cache of signed-in sessions, at most a second old, invalidated over Redis pub/sub.

A signed-in request otherwise reads its session and local identity from the store every time
(issue 14). Here a process keeps what it read for `SESSION_LOCAL_CACHE_SECONDS` (at most 1 s),
and only while its subscriber listens on the store's invalidation channel:

- whoever changes or ends a session, or changes a user, publishes the handles or the user ids and
  waits until every listening process has dropped them and said so (an acknowledgement list, up
  to `_ACK_WAIT_S`); so a logout or a block answers only once no process holds the old value;
- a value read from the store is kept only if no invalidation arrived while it was being read
  (the generation counter), so a read racing a revocation cannot bring the old value back;
- a process whose subscriber is not connected (starting, Redis down, a failover) keeps nothing,
  and drops what it had: it reads the store, which answers or gives 503, as without this cache;
- on the embedded default (database cache) there is no channel, so nothing is ever kept.

A process that misses a message (a subscriber whose connection silently died) still drops every
entry within its age limit: revocation reaches every process within 1 s in every case.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from auth0client import store

if TYPE_CHECKING:
    from auth0client.sessions import Session  # sessions imports this module

logger = logging.getLogger(__name__)

MAX_AGE_S = 1.0  # the promise: no process answers from a value older than this
_ACK_WAIT_S = 1.0
_ACK_POLL_S = 0.05  # each BLPOP stays under the Redis client's socket timeout
_RETRY_S = 0.5
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Entry:
    deadline: float
    session: Session
    companions: dict[str, Any]


@dataclass
class _State:
    pid: int
    entries: dict[str, Entry] = field(default_factory=dict)
    generation: int = 0
    listening: bool = False
    # What the subscriber listens to: the store (by its configuration) and SESSION_SCOPE's channel.
    source: _Source | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class _Source:
    """The store the subscriber listens to. Django builds a cache object (and a Redis client) per
    thread, so the store is known by its configuration, not by a client object."""

    config: dict[str, Any] = field(repr=False)  # settings.CACHES["default"], the very object
    channel: str
    client: Redis = field(repr=False)  # of the thread that started it: the same server


_state = _State(pid=-1)
_start_lock = threading.Lock()


def max_age_s() -> float:
    return min(settings.AUTH0_SESSIONS.local_cache_s, MAX_AGE_S)


def _current() -> _State:
    """This process's state; a forked worker starts from nothing (threads do not survive fork)."""
    global _state
    state = _state
    if state.pid == os.getpid():
        return state
    with _start_lock:
        if _state.pid != os.getpid():
            _state = _State(pid=os.getpid())
        return _state


def _channel() -> str:
    return store.key("session-cache", "invalidate")


# --- reads ----------------------------------------------------------------------------------


def generation() -> int:
    """Taken before a store read; `put` keeps the value only if it has not moved since."""
    return _current().generation


def get(handle: str) -> Entry | None:
    client = store.redis_client() if max_age_s() > 0 else None
    if client is None:
        return None
    state = _current()
    _ensure_subscriber(state, client)
    entry = state.entries.get(handle)
    if entry is None or not state.listening:
        return None
    if entry.deadline <= time.monotonic():
        state.entries.pop(handle, None)
        return None
    return entry


def put(handle: str, session: Session, companions: dict[str, Any], seen_generation: int) -> None:
    state = _current()
    if not state.listening:
        return
    with state.lock:
        if state.generation != seen_generation:
            return  # an invalidation arrived during the read: the value may be the old one
        if len(state.entries) >= _MAX_ENTRIES:
            state.entries.clear()
        state.entries[handle] = Entry(time.monotonic() + max_age_s(), session, companions)


def refresh_local(handle: str, session: Session) -> None:
    """This process's own write (the idle-time touch): same deadline, newer value."""
    state = _current()
    entry = state.entries.get(handle)
    if entry is not None:
        state.entries[handle] = Entry(entry.deadline, session, entry.companions)


# --- invalidation ---------------------------------------------------------------------------


def invalidate(*, handles: Iterable[str] = (), user_ids: Iterable[str] = ()) -> None:
    """Drops the sessions and users here and in every listening process, then returns."""
    message = {"id": uuid.uuid4().hex, "handles": list(handles), "users": list(user_ids)}
    _drop(_current(), message)
    client = store.redis_client() if max_age_s() > 0 else None
    if client is None or not (message["handles"] or message["users"]):
        return
    try:
        receivers = int(client.publish(_channel(), json.dumps(message)))
        _await_acks(client, str(message["id"]), receivers)
    except RedisError as exc:
        # Nobody can have cached what the store can no longer be read for: entries end by age.
        logger.warning("session cache invalidation not published: %s", type(exc).__name__)


def _await_acks(client: Redis, message_id: str, receivers: int) -> None:
    ack_key = _ack_key(message_id)
    deadline = time.monotonic() + _ACK_WAIT_S
    acked = 0
    while acked < receivers and time.monotonic() < deadline:
        if client.blpop([ack_key], timeout=_ACK_POLL_S) is not None:
            acked += 1
    client.delete(ack_key)
    if acked < receivers:
        logger.warning(
            "session cache: %s of %s processes acknowledged; the others drop it by age",
            acked,
            receivers,
        )


def _ack_key(message_id: str) -> str:
    return f"{_channel()}:ack:{message_id}"


def _drop(state: _State, message: dict[str, Any]) -> None:
    handles = set(message.get("handles") or ())
    users = set(message.get("users") or ())
    with state.lock:
        state.generation += 1
        for handle, entry in list(state.entries.items()):
            if handle in handles or entry.session.user_id in users:
                state.entries.pop(handle, None)


def _forget_everything(state: _State) -> None:
    with state.lock:
        state.listening = False
        state.generation += 1
        state.entries.clear()


# --- the subscriber -------------------------------------------------------------------------


def _ensure_subscriber(state: _State, client: Redis) -> None:
    """One subscriber per process, on the store's current configuration and channel (tests and a
    changed SESSION_SCOPE move them; the old subscriber then stops and what it vouched for goes)."""
    source = state.source
    config = settings.CACHES["default"]
    if source is not None and source.config is config and source.channel == _channel():
        return
    with _start_lock:
        if state.source is source:
            _forget_everything(state)
            state.source = _Source(config, _channel(), client)
            subscriber = threading.Thread(
                target=_listen_forever, args=(state, state.source), name="session-cache"
            )
            subscriber.daemon = True
            subscriber.start()


def _listen_forever(state: _State, source: _Source) -> None:
    while state.pid == os.getpid() and state.source is source:
        was_listening = state.listening
        try:
            _listen(state, source)
        except (RedisError, OSError, ValueError) as exc:
            log = logger.warning if was_listening else logger.debug  # once per outage
            log("session cache subscriber lost the store: %s", type(exc).__name__)
        if state.source is source:
            _forget_everything(state)
        time.sleep(_RETRY_S)


def _listen(state: _State, source: _Source) -> None:
    pubsub = source.client.pubsub()
    try:
        pubsub.subscribe(source.channel)
        answered = time.monotonic()
        while state.source is source:
            message = pubsub.get_message(timeout=_RETRY_S)
            if message is None:
                # A connection that died without a word shows here, not only when a message is due.
                if time.monotonic() - answered > 2 * _RETRY_S + MAX_AGE_S:
                    raise RedisConnectionError("no answer to PING")
                pubsub.ping()
                continue
            answered = time.monotonic()
            if message["type"] == "subscribe":
                _forget_everything(state)
                state.listening = state.source is source
            elif message["type"] == "message":
                _handle(state, source.client, message["data"])
    finally:
        if state.source is source:
            state.listening = False
        pubsub.close()


def _handle(state: _State, client: Redis, data: bytes | str) -> None:
    message = json.loads(data)
    _drop(state, message)
    ack_key = _ack_key(str(message["id"]))
    pipe = client.pipeline(transaction=False)
    pipe.rpush(ack_key, state.pid)
    pipe.expire(ack_key, 10)
    pipe.execute()
