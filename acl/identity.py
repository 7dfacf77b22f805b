"""Who is calling: the identity the acl evaluates, and the resolver interface that provides it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.http import HttpRequest


@dataclass(frozen=True)
class Identity:
    """A signed-in user as the acl sees it. Anonymous callers have no Identity (None)."""

    user_id: str
    groups: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    # Every other field of the user (email, name, customerId, ...): USER_PROPERTIES_TO_PROXY.
    properties: Mapping[str, object] = field(default_factory=dict)


class UserResolver(Protocol):
    """Finds the user behind a request (session cookie, bearer token, userinfo service, ...).

    Returns None for an anonymous caller. Raises `authgw.errors.ServiceUnavailableError` (or another
    ApiError) when it cannot tell, e.g. the session store is down: the request then fails closed.
    """

    def resolve(self, request: HttpRequest) -> Identity | None: ...
