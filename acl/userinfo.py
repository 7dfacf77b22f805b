"""USERINFO_URL: the user comes from an external userinfo service (auth0-client, the UMS, ...).

The only acl module that talks HTTP. An HTTP error, a timeout or an empty body means anonymous,
as in the Authorization Service. Answers are cached per credential for USERINFO_CACHE_SECONDS
(in the bounded volatile cache: strangers choose the credentials),
and concurrent requests with the same credential in one process share one call.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from urllib3.util.retry import Retry

from acl.config import AclSettings
from acl.identity import Identity
from auth0client.http import HttpSession, TransportError, build_session
from authgw.request_context import with_request_id
from authgw.volatile import SingleFlight, volatile_get, volatile_set

logger = logging.getLogger(__name__)

# Differ on every request without changing the answer: never part of the cache key.
_PER_REQUEST_HEADERS = frozenset({"x-request-id", "request-id"})
_CACHE_PREFIX = "acl:userinfo:"


def build_userinfo_session(*, retries: int = 2) -> HttpSession:
    """A pooled session retrying GET on 502/503/504 and connection errors, ignoring proxy env."""
    retry = Retry(
        total=retries,
        backoff_factor=0.1,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
    )
    # Credentials go to an internal service: never through HTTP(S)_PROXY or a .netrc.
    return build_session(retry=retry, pool_connections=4, pool_size=32, trust_env=False)


class UserinfoResolver:
    def __init__(
        self, config: AclSettings, *, url: str, session: HttpSession | None = None
    ) -> None:
        self.config = config
        self.url = url
        self.session = session or build_userinfo_session()
        self._flights = SingleFlight()

    def resolve(self, request: HttpRequest) -> Identity | None:
        if not self._has_credentials(request):
            return None
        headers = self._proxied_headers(request)
        key = self._cache_key(headers)
        cached = _cache_get(key)
        if cached is not None:
            return identity_from_cache(cached)
        with self._flights.hold(key):
            cached = _cache_get(key)
            if cached is not None:
                return identity_from_cache(cached)
            body, cacheable = self._fetch(headers)
            identity = identity_from_userinfo(body, self.config)
            if cacheable and self.config.userinfo_cache_seconds > 0:
                _cache_set(key, identity_to_cache(identity), self.config.userinfo_cache_seconds)
        return identity

    def _has_credentials(self, request: HttpRequest) -> bool:
        # AUTHORIZATION_HEADERS_TO_PROXY: without any of them there is nobody to ask about.
        names = self.config.authorization_headers_to_proxy
        return not names or any(request.headers.get(name) for name in names)

    def _proxied_headers(self, request: HttpRequest) -> dict[str, str]:
        proxied = {}
        for name in self.config.headers_to_proxy:
            value = request.headers.get(name)
            if value is not None:
                proxied[name] = value
        # The id our logs carry, also when the caller sent none (or one we did not accept).
        return with_request_id(proxied)

    def _cache_key(self, headers: Mapping[str, str]) -> str:
        material = [self.url]
        for name in sorted(headers):
            if name.lower() not in _PER_REQUEST_HEADERS:
                material.append(f"{name.lower()}:{headers[name]}")
        return _CACHE_PREFIX + hashlib.sha256("\n".join(material).encode()).hexdigest()

    def _fetch(self, headers: Mapping[str, str]) -> tuple[Any, bool]:
        """The JSON body (None = anonymous) and whether the answer may be cached."""
        try:
            response = self.session.get(
                self.url, headers=dict(headers), timeout=self.config.userinfo_timeout_s
            )
        except TransportError as exc:
            logger.warning("userinfo call failed: %s; treating the caller as anonymous", exc)
            return None, False
        if response.status_code >= 500:
            logger.warning("userinfo answered %s; caller is anonymous", response.status_code)
            return None, False
        if not response.ok or not response.content.strip():
            return None, True
        try:
            return response.json(), True
        except ValueError:
            logger.warning("userinfo answered a body that is not JSON; treating as anonymous")
            return None, False


def identity_from_userinfo(body: Any, config: AclSettings) -> Identity | None:
    """The user in a userinfo answer; None without a non-empty id at CUSTOM_USER_ID_KEY."""
    if not isinstance(body, dict):
        return None
    user_id = body.get(config.custom_user_id_key)
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    if not isinstance(user_id, str) or not user_id.strip() or not user_id.isprintable():
        return None
    own_keys = {config.custom_user_id_key, "groups", config.custom_permissions_key}
    return Identity(
        user_id=user_id,
        groups=_names(body.get("groups")),
        permissions=_names(body.get(config.custom_permissions_key)),
        properties={key: value for key, value in body.items() if key not in own_keys},
    )


def _names(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(item for item in value if isinstance(item, str) and item)


def identity_to_cache(identity: Identity | None) -> dict[str, Any]:
    if identity is None:
        return {"user_id": None}
    return {
        "user_id": identity.user_id,
        "groups": sorted(identity.groups),
        "permissions": sorted(identity.permissions),
        "properties": dict(identity.properties),
    }


def identity_from_cache(cached: Mapping[str, Any]) -> Identity | None:
    if cached.get("user_id") is None:
        return None
    return Identity(
        user_id=cached["user_id"],
        groups=frozenset(cached["groups"]),
        permissions=frozenset(cached["permissions"]),
        properties=cached["properties"],
    )


def _cache_get(key: str) -> Mapping[str, Any] | None:
    try:
        value = volatile_get(key)
    # Logged with its traceback (so BLE001 allows it): the cache only saves calls.
    except Exception:
        logger.warning("userinfo cache unavailable", exc_info=True)
        return None
    return value if isinstance(value, dict) else None


def _cache_set(key: str, value: Mapping[str, Any], seconds: int) -> None:
    try:
        volatile_set(key, value, seconds)
    except Exception:
        logger.warning("userinfo cache unavailable", exc_info=True)
