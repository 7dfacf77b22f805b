"""Server-side sessions: records, the access-token and per-user indexes, encrypted refresh tokens.

A session is stored under the SHA-256 of its id (`handle`): the store never holds a usable cookie
value. Refresh tokens are encrypted at rest with a Fernet key derived from SECRET_KEY (HKDF).

Every access token issued through a session keeps its index entry (token digest -> handle) until
the token expires, including after the session ends: a bearer token whose session is gone is
refused on every route and in every process sharing the store, instead of falling through to
"a JWT from Auth0, validate locally" (issue 12 item 2). The entry is the revocation list.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from authlib.common.security import generate_token
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from joserfc import jws
from joserfc.errors import JoseError

from auth0client import session_cache, store
from auth0client.tokens import LEEWAY_S

SID_LENGTH = 43  # generate_token(43): ~256 bits from a CSPRNG (ASVS v5 V7.2.3)
_SID_RE = re.compile(rf"^[A-Za-z0-9]{{{SID_LENGTH}}}$")
_TOUCH_INTERVAL_S = 60
_USER_INDEX_LOCK_S = 5
# handle -> user id of the sessions this process has read. A session's user never changes, so
# this only names the keys read in the same round trip as the session (store.read_ahead); a hint
# that disagrees with the session read is unused. (What a process may keep of the session itself
# is session_cache's, for at most a second.)
_USER_HINTS_MAX = 10_000
_user_hints: dict[str, str] = {}
# Bounds a token's own `exp` claim when it says how long the token stays revoked (Auth0 allows
# 30 days at most): an absurd claim cannot make a store entry that outlives every cache.
_MAX_TOKEN_LIFETIME_S = 366 * 86400


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def sid_is_well_formed(sid: str) -> bool:
    """Checked before any store access: junk cookies cost no round trip (CVE-2024-24814)."""
    return bool(_SID_RE.match(sid))


# --- refresh-token encryption ---------------------------------------------------------------


def _fernet_key(secret: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"authgw.auth0client",
        info=b"refresh-token-encryption",
    )
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8")))


@functools.cache
def _cipher(secret: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in (secret, *fallbacks)])


def _current_cipher() -> MultiFernet:
    return _cipher(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def encrypt(value: str | None) -> str | None:
    return _current_cipher().encrypt(value.encode()).decode() if value else None


def decrypt(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return _current_cipher().decrypt(value.encode()).decode()
    except InvalidToken:
        return None  # SECRET_KEY rotated away: the session can no longer refresh


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """One signed-in browser or API client. `user` is the userinfo answer (sub, groups, ...)."""

    handle: str
    client_type: str
    user: dict[str, Any]
    access_token: str
    expires_at: int
    id_token: str | None
    sealed_refresh_token: str | None  # Fernet-encrypted; decrypted only when it is used
    created_at: int
    last_seen: int
    generation: int = 0
    refresh_failed_at: int = 0
    # The digest of the access token this one replaced, and when: concurrent /refreshtoken
    # callers holding it get the new tokens for a short grace period, not a 401.
    previous_token: str | None = None
    refreshed_at: int = 0

    @property
    def user_id(self) -> str:
        return str(self.user["sub"])

    @property
    def refresh_token(self) -> str | None:
        return decrypt(self.sealed_refresh_token)


def _record(session: Session) -> dict[str, Any]:
    return asdict(session)


def _session(record: Any) -> Session | None:
    if not isinstance(record, dict):
        return None
    try:
        return Session(**record)
    except TypeError:
        return None  # a record from an incompatible version: treat as signed out


def _remaining_s(session: Session, now: int) -> int:
    sessions = settings.AUTH0_SESSIONS
    absolute = session.created_at + sessions.duration_s - now
    idle = session.last_seen + sessions.idle_s - now
    return min(absolute, idle)


def _session_key(handle: str) -> str:
    return store.key("session", handle)


def _token_key(access_token: str) -> str:
    return store.key("at", digest(access_token))


def _user_key(user_id: str) -> str:
    return store.key("user", digest(user_id))


def _token_ttl_s(session: Session, now: int) -> int:
    """Until local JWT validation (exp plus its leeway) would refuse the token by itself."""
    expires = max(session.expires_at, _claimed_exp(session.access_token, now))
    return max(expires + LEEWAY_S - now, 1)


def _claimed_exp(access_token: str, now: int) -> int:
    """A JWT's own `exp`, which may be later than `expires_in` said (clock skew, or an answer
    without it). Read unverified: the token came from the provider, and it only lengthens how
    long the token is refused. 0 for an opaque token."""
    try:
        claims = json.loads(jws.extract_compact(access_token.encode("ascii")).payload)
    except (JoseError, ValueError, UnicodeError):
        return 0
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, int) or isinstance(exp, bool):
        return 0
    return min(exp, now + _MAX_TOKEN_LIFETIME_S)


# --- operations -----------------------------------------------------------------------------


def session_create(
    *, client_type: str, user: dict[str, Any], tokens: Any, now: int | None = None
) -> tuple[str, Session]:
    """A new session with a new id (no fixation); returns (sid, session)."""
    now = int(now or time.time())
    sid = generate_token(SID_LENGTH)
    session = Session(
        handle=digest(sid),
        client_type=client_type,
        user=user,
        access_token=tokens.access_token,
        expires_at=tokens.expires_at,
        id_token=tokens.id_token,
        sealed_refresh_token=encrypt(tokens.refresh_token),
        created_at=now,
        last_seen=now,
    )
    _session_write(session, now)
    _user_index_add(session.user_id, session.handle)
    return sid, session


def session_save(session: Session, *, now: int | None = None) -> None:
    """Writes a changed session; no process answers from its earlier value afterwards."""
    _session_write(session, int(now or time.time()))
    session_cache.invalidate(handles=[session.handle])


def _session_write(session: Session, now: int) -> None:
    store.put(_session_key(session.handle), _record(session), _remaining_s(session, now))
    # The index lives as long as the session may (idle time is enforced by the session itself)
    # and at least as long as the token: outliving its session, it is the token's revocation.
    absolute = session.created_at + settings.AUTH0_SESSIONS.duration_s - now
    index = {"h": session.handle, "exp": session.expires_at}
    store.put(_token_key(session.access_token), index, max(absolute, _token_ttl_s(session, now)))


def session_refresh_failed(
    current: Session, now: int, error: Exception, *, rotated: str | None
) -> Session:
    """A transient provider failure: a still-valid session goes on and retries later; an
    expired one raises `error` (502/503) and keeps its cookie (the session is not lost). A
    refresh token the provider already rotated is kept."""
    sealed = encrypt(rotated) if rotated else current.sealed_refresh_token
    failed = replace(current, refresh_failed_at=now, sealed_refresh_token=sealed)
    session_save(failed, now=now)
    if current.expires_at <= now:
        raise error
    return failed


def session_get(handle: str, *, now: int | None = None, recent: bool = False) -> Session | None:
    """The live session, or None when unknown or past its absolute or idle limit.

    `recent`: a value this process read less than a second ago will do (`session_cache`); the
    default reads the store (refresh and logout decide on the stored value).
    """
    now = int(now or time.time())
    session = _recent_session(handle) if recent else None
    if session is None:
        session = _read_session(handle)
    if session is None:
        return None
    if _remaining_s(session, now) <= 0:
        session_delete(session)
        return None
    if now - session.last_seen >= _TOUCH_INTERVAL_S:
        session = replace(session, last_seen=now)
        store.put(_session_key(handle), _record(session), _remaining_s(session, now))
        session_cache.refresh_local(handle, session)
    return session


def _recent_session(handle: str) -> Session | None:
    """From this process's session cache, with the companions the caller reads ahead."""
    entry = session_cache.get(handle)
    if entry is None:
        return None
    wanted = store.read_ahead_keys(entry.session.user_id)
    if any(key not in entry.companions for key in wanted):
        return None
    store.keep_read_ahead({key: entry.companions[key] for key in wanted})
    return entry.session


def _read_session(handle: str) -> Session | None:
    """The stored record; with the keys `store.read_ahead` asks for, in the same round trip."""
    seen_generation = session_cache.generation()
    store_key = _session_key(handle)
    user_id = _user_hints.get(handle)
    companions = store.read_ahead_keys(user_id) if user_id is not None else []
    read_ahead: dict[str, Any] = {}
    if not companions:
        session = _session(store.get(store_key))
    else:
        found = store.get_many([store_key, *companions])
        session = _session(found.get(store_key))
        if session is not None and session.user_id == user_id:
            read_ahead = {key: found.get(key) for key in companions}
            store.keep_read_ahead(read_ahead)
    if session is not None and session.user_id != user_id:
        if len(_user_hints) >= _USER_HINTS_MAX:
            _user_hints.clear()
        _user_hints[handle] = session.user_id
    if session is not None and None not in read_ahead.values():
        session_cache.put(handle, session, read_ahead, seen_generation)
    return session


def session_get_by_sid(
    sid: str, *, now: int | None = None, recent: bool = False
) -> Session | None:
    if not sid_is_well_formed(sid):
        return None
    return session_get(digest(sid), now=now, recent=recent)


def token_index_get(access_token: str) -> dict[str, Any] | None:
    """`{"h": handle, "exp": expiry}` of an access token this product issued, else None."""
    index = store.get(_token_key(access_token))
    return index if isinstance(index, dict) and "h" in index else None


def session_delete(session: Session, *, now: int | None = None) -> None:
    """Ends the session for every process sharing the store (logout, revocation, expiry)."""
    _session_end(session, int(now or time.time()))
    _user_index_remove(session.user_id, session.handle)
    session_cache.invalidate(handles=[session.handle])


def _session_end(session: Session, now: int) -> None:
    """Deletes the stored session; its access tokens stay refused until they expire.

    Their index entries name this now missing session. The current token's entry is renewed
    first, so that no moment lets it fall back to local JWT validation; earlier tokens' entries
    were written to outlive those tokens.
    """
    index = {"h": session.handle, "exp": session.expires_at}
    store.put(_token_key(session.access_token), index, _token_ttl_s(session, now))
    store.delete(_session_key(session.handle))


def user_sessions_end(user_id: str) -> int:
    """Ends every session of a user (blocked, deleted, password changed), and so refuses every
    access token issued through them until it expires; returns how many sessions ended."""
    now = int(time.time())
    ended = 0
    for handle in _user_handles(user_id):
        session = _session(store.get(_session_key(handle)))
        if session is not None:
            _session_end(session, now)
            ended += 1
    store.delete(_user_key(user_id))
    # One invalidation for all of them (each session_delete would publish and wait on its own).
    session_cache.invalidate(user_ids=[user_id])
    return ended


def _user_handles(user_id: str) -> list[str]:
    handles = store.get(_user_key(user_id))
    return [str(handle) for handle in handles] if isinstance(handles, list) else []


def _user_index_add(user_id: str, handle: str) -> None:
    with store.lock(store.key("user-lock", digest(user_id)), ttl_s=5, wait_s=_USER_INDEX_LOCK_S):
        handles = _user_handles(user_id)
        found = store.get_many([_session_key(h) for h in handles]) if handles else {}
        live = [h for h in handles if _session_key(h) in found]
        store.put(_user_key(user_id), [*live, handle], settings.AUTH0_SESSIONS.duration_s)


def _user_index_remove(user_id: str, handle: str) -> None:
    handles = _user_handles(user_id)
    if handle in handles:
        remaining = [h for h in handles if h != handle]
        store.put(_user_key(user_id), remaining, settings.AUTH0_SESSIONS.duration_s)
