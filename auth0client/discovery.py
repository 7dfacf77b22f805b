"""The provider's OpenID configuration (OIDC Discovery 1.0), cached per base URL like the JWKS.

The discovered `issuer` must be the configured base URL (§4.3; Auth0's trailing slash may be
there or not) and is then the one every token's `iss` is compared with, exactly. A discovery
document that cannot be read keeps the last good one (stale beats none); with none at all, the
provider is taken to be Auth0-shaped: its fixed paths under the base URL. A document naming
another issuer is never used and never replaced by the Auth0 paths: it is a configuration error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from auth0client.errors import IssuerMismatchError
from authgw.errors import ApiError

logger = logging.getLogger(__name__)

MAX_AGE_S = 3600.0
FAILURE_BACKOFF_S = 2.0  # a discovery endpoint that is down is not asked by every request
INFLIGHT_WAIT_S = 30.0  # bounded anyway by the HTTP timeouts of the download

Fetch = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class ProviderMetadata:
    """What authgw uses of a provider: its issuer and endpoints (None: not offered)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    revocation_endpoint: str | None = None
    end_session_endpoint: str | None = None
    token_endpoint_auth_methods: tuple[str, ...] = ()
    # RFC 9207 §3: the provider puts `iss` on every authorization response.
    iss_parameter_supported: bool = False
    discovered: bool = True


def auth0_metadata(base_url: str) -> ProviderMetadata:
    """Auth0's fixed paths, used only while the discovery document is unavailable."""
    return ProviderMetadata(
        issuer=base_url,
        authorization_endpoint=f"{base_url}authorize",
        token_endpoint=f"{base_url}oauth/token",
        jwks_uri=f"{base_url}.well-known/jwks.json",
        userinfo_endpoint=f"{base_url}userinfo",
        revocation_endpoint=f"{base_url}oauth/revoke",
        discovered=False,
    )


def discovery_url(base_url: str) -> str:
    # OIDC Discovery §4: the issuer, its trailing slash removed, + /.well-known/...
    return f"{base_url.rstrip('/')}/.well-known/openid-configuration"


def issuer_check(issuer: object, base_url: str) -> str:
    """The discovered issuer if it is the configured base URL (§4.3), else IssuerMismatchError."""
    if not isinstance(issuer, str) or issuer not in {base_url, base_url.rstrip("/")}:
        shown = str(issuer)[:200]
        raise IssuerMismatchError(
            f"The identity provider's discovery document names the issuer {shown!r}, but auth0Url "
            f"is {base_url!r}: they must be the same URL (OpenID Connect Discovery §4.3). "
            "Fix auth0Url in config.json."
        )
    return issuer


def _url(document: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or urlsplit(value).scheme not in {"http", "https"}:
        raise ValueError(f"the discovery document's {name} is not an http(s) URL")
    return value


def metadata_from_document(document: Mapping[str, Any], base_url: str) -> ProviderMetadata:
    """Checks the issuer first, then takes the endpoints (ValueError when unusable)."""
    issuer = issuer_check(document.get("issuer"), base_url)
    methods = document.get("token_endpoint_auth_methods_supported")
    auth_methods = (
        [method for method in methods if isinstance(method, str)]
        if isinstance(methods, list)
        else []
    )
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=str(_url(document, "authorization_endpoint", required=True)),
        token_endpoint=str(_url(document, "token_endpoint", required=True)),
        jwks_uri=str(_url(document, "jwks_uri", required=True)),
        userinfo_endpoint=_url(document, "userinfo_endpoint", required=False),
        revocation_endpoint=_url(document, "revocation_endpoint", required=False),
        end_session_endpoint=_url(document, "end_session_endpoint", required=False),
        token_endpoint_auth_methods=tuple(auth_methods),
        iss_parameter_supported=document.get("authorization_response_iss_parameter_supported")
        is True,
    )


@dataclass
class _Entry:
    metadata: ProviderMetadata | None = None
    fetched_at: float = float("-inf")
    failed_at: float = float("-inf")
    refusal: IssuerMismatchError | None = None  # the last document named another issuer
    inflight: threading.Event | None = None


class DiscoveryCache:
    """Thread-safe per-process cache: `metadata(base_url, fetch)` never answers a stale refusal.

    One download at a time per base URL, outside the lock: while it runs, callers with a cached
    document use it (stale-while-revalidate); callers with none wait for it (bounded).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def metadata(self, base_url: str, fetch: Fetch) -> ProviderMetadata:
        with self._lock:
            entry = self._entries.setdefault(base_url, _Entry())
            inflight, mine = self._claim(entry, self._clock())
        if mine and inflight is not None:
            self._download(base_url, entry, fetch, inflight)
        elif inflight is not None and entry.metadata is None and entry.refusal is None:
            inflight.wait(INFLIGHT_WAIT_S)
        with self._lock:
            if entry.refusal is not None:
                raise entry.refusal
            return entry.metadata or auth0_metadata(base_url)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @staticmethod
    def _claim(entry: _Entry, now: float) -> tuple[threading.Event | None, bool]:
        """(the download to wait for, whether this caller makes it); under the lock."""
        if entry.inflight is not None:
            return entry.inflight, False
        fresh = now - entry.fetched_at <= MAX_AGE_S
        if fresh or now - entry.failed_at < FAILURE_BACKOFF_S:
            return None, False
        entry.inflight = threading.Event()
        return entry.inflight, True

    def _download(self, base_url: str, entry: _Entry, fetch: Fetch, done: threading.Event) -> None:
        metadata: ProviderMetadata | None = None
        refusal: IssuerMismatchError | None = None
        try:
            metadata = metadata_from_document(fetch(), base_url)
        except IssuerMismatchError as exc:
            logger.error("discovery refused: %s", exc.message)
            refusal = exc
        except (ValueError, KeyError, TypeError, ApiError) as exc:
            # Keep the last good document; with none, the Auth0 paths serve meanwhile.
            logger.warning("discovery of %s unusable or unreachable: %s", base_url, exc)
        finally:
            with self._lock:
                now = self._clock()
                if metadata is not None:
                    entry.metadata, entry.fetched_at = metadata, now
                else:
                    entry.failed_at = now
                entry.refusal = refusal
                entry.inflight = None
            done.set()


discovery_cache = DiscoveryCache()
