"""The provider's signing keys, cached per issuer and by `kid` (OIDC Core §10.1.1 rotation).

An unknown `kid` triggers one refetch, at most once per REFETCH_INTERVAL_S per issuer: a flood of
made-up `kid`s never turns into a flood of JWKS downloads. A failed download keeps the cached keys
(stale keys beat no keys) and is never cached itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from auth0client.errors import Auth0UnavailableError
from authgw.errors import ApiError

logger = logging.getLogger(__name__)

REFETCH_INTERVAL_S = 30.0
FAILURE_BACKOFF_S = 2.0  # a JWKS that is down is not hammered by every request
INFLIGHT_WAIT_S = 30.0  # bounded anyway by the HTTP timeouts of the download
MAX_AGE_S = 24 * 3600.0
# Only public signature keys are kept; a JWKS cannot smuggle in a symmetric ("oct") key.
_PUBLIC_KEY_TYPES = frozenset({"RSA", "EC"})

Fetch = Callable[[], dict[str, Any]]


@dataclass
class _Entry:
    keys: KeySet | None = None
    fetched_at: float = 0.0
    refetched_at: float = float("-inf")  # last refetch caused by an unknown kid
    failed_at: float = float("-inf")
    inflight: threading.Event | None = None  # set when the download under way ends
    last_download_ok: bool = False


def _import(document: dict[str, Any]) -> KeySet:
    usable = [
        key
        for key in document["keys"]
        if isinstance(key, dict)
        and key.get("kty") in _PUBLIC_KEY_TYPES
        and key.get("use", "sig") == "sig"
        and "d" not in key
    ]
    if not usable:
        raise ValueError("the JWKS holds no public signature key")
    return KeySet.import_key_set({"keys": usable})


class JwksCache:
    """Thread-safe per-process cache: `keys(issuer, fetch, kid)` returns a KeySet or raises.

    Downloads happen outside the cache's lock: while one request refetches (a slow or hanging
    JWKS), tokens signed with a known key keep validating at once (stale-while-revalidate).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def keys(self, issuer: str, fetch: Fetch, kid: str | None) -> KeySet:
        """The issuer's keys; fetched when missing or old, refetched once for an unknown kid."""
        with self._lock:
            entry = self._entries.setdefault(issuer, _Entry())
            inflight, mine = self._claim(entry, kid, self._clock())
        if mine and inflight is not None:
            self._download(issuer, entry, fetch, inflight)
        elif inflight is not None and (entry.keys is None or self._unknown(entry.keys, kid)):
            inflight.wait(INFLIGHT_WAIT_S)  # the download under way may bring this kid
        with self._lock:
            # "Unknown kid" is a refusal only on the word of a JWKS that answered; while it
            # fails, a kid we cannot find means "cannot tell" (503), never a logout.
            if entry.keys is None or (
                self._unknown(entry.keys, kid) and not entry.last_download_ok
            ):
                raise Auth0UnavailableError(
                    "The identity provider's signing keys are unavailable; try again shortly."
                )
            return entry.keys

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _claim(
        self, entry: _Entry, kid: str | None, now: float
    ) -> tuple[threading.Event | None, bool]:
        """(the download to wait for, whether this caller makes it); under the lock."""
        if entry.inflight is not None:
            return entry.inflight, False
        if entry.keys is None or now - entry.fetched_at > MAX_AGE_S:
            wanted = now - entry.failed_at >= FAILURE_BACKOFF_S
        else:
            wanted = (
                self._unknown(entry.keys, kid) and now - entry.refetched_at >= REFETCH_INTERVAL_S
            )
            if wanted:
                entry.refetched_at = now
        if not wanted:
            return None, False
        entry.inflight = threading.Event()
        return entry.inflight, True

    @staticmethod
    def _unknown(keys: KeySet, kid: str | None) -> bool:
        return kid is not None and all(key.kid != kid for key in keys.keys)

    def _download(self, issuer: str, entry: _Entry, fetch: Fetch, done: threading.Event) -> None:
        keys: KeySet | None = None
        try:
            keys = _import(fetch())
        except (ValueError, KeyError, TypeError, JoseError, ApiError) as exc:
            # Keep whatever was cached: an error answer is never taken for keys.
            logger.warning("JWKS of %s unusable or unreachable: %s", issuer, type(exc).__name__)
        finally:
            with self._lock:
                if keys is None:
                    entry.failed_at = self._clock()
                else:
                    entry.keys, entry.fetched_at = keys, self._clock()
                entry.last_download_ok = keys is not None
                entry.inflight = None
            done.set()


jwks_cache = JwksCache()
