"""Which UserResolver answers "who is calling": trusted Mia headers, USERINFO_URL or in-process."""

from __future__ import annotations

import json
import logging
import threading

from django.http import HttpRequest
from django.utils.module_loading import import_string

from acl.config import AclSettings
from acl.identity import Identity, UserResolver

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_resolvers: dict[tuple[AclSettings, str], UserResolver] = {}


class AnonymousUserResolver:
    """The default until a real resolver is configured: every caller is anonymous."""

    def resolve(self, request: HttpRequest) -> Identity | None:
        return None


class TrustedHeadersResolver:
    """TRUST_MIA_USER_HEADERS=true: an Edge Gateway in front already resolved the user."""

    def __init__(self, config: AclSettings) -> None:
        self.config = config

    def resolve(self, request: HttpRequest) -> Identity | None:
        user_id = request.headers.get(self.config.userid_header_key, "").strip()
        if not user_id:
            return None
        groups = request.headers.get(self.config.groups_header_key, "")
        return Identity(
            user_id=user_id,
            groups=frozenset(group.strip() for group in groups.split(",") if group.strip()),
            properties=_properties(request.headers.get(self.config.user_properties_header_key)),
        )


def _properties(raw: str | None) -> dict[str, object]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        logger.warning("ignoring user properties header: not JSON")
        return {}
    return value if isinstance(value, dict) else {}


def resolver_for(config: AclSettings, *, is_backoffice: bool) -> UserResolver:
    """The resolver for one request; built once per configuration and kind."""
    kind = "backoffice" if is_backoffice else "frontend"
    cache_key = (config, kind)
    resolver = _resolvers.get(cache_key)
    if resolver is None:
        with _lock:
            resolver = _resolvers.get(cache_key) or _build(config, is_backoffice=is_backoffice)
            _resolvers[cache_key] = resolver
    return resolver


def _build(config: AclSettings, *, is_backoffice: bool) -> UserResolver:
    if config.trust_mia_user_headers:
        return TrustedHeadersResolver(config)
    if config.userinfo_url:
        from acl.userinfo import UserinfoResolver

        url = config.backoffice_userinfo_url if is_backoffice else None
        return UserinfoResolver(config, url=url or config.userinfo_url)
    return load_in_process_resolver(config.user_resolver)


def load_in_process_resolver(dotted_path: str) -> UserResolver:
    """ACL_USER_RESOLVER: a class (built without arguments) or a ready instance."""
    target = import_string(dotted_path)
    resolver: UserResolver = target() if isinstance(target, type) else target
    if not callable(getattr(resolver, "resolve", None)):
        raise TypeError(f"ACL_USER_RESOLVER={dotted_path!r}: has no resolve(request) method")
    return resolver


def forget_resolvers() -> None:
    """Drop the built resolvers (settings changed)."""
    with _lock:
        _resolvers.clear()
