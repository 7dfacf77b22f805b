"""Test doubles for the acl: a resolver that knows a few fixed bearer tokens.

Set `ACL_USER_RESOLVER=acl.testing.StaticUserResolver` (or `user_resolver=` in settings.ACL).
Never in production: anyone who knows these tokens is that user (`check --deploy` refuses it).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest

from acl.identity import Identity

ADMIN = Identity(
    user_id="auth0|admin",
    groups=frozenset({"admin"}),
    permissions=frozenset({"read:orders", "write:orders"}),
    properties={"email": "admin@example.com", "name": "Demo Admin"},
)
USER = Identity(
    user_id="auth0|user",
    groups=frozenset({"user"}),
    permissions=frozenset({"read:orders"}),
    properties={"email": "user@example.com", "name": "Demo User"},
)
# Authorization header value -> the identity it stands for.
USERS: dict[str, Identity] = {
    "Bearer test-admin-token": ADMIN,
    "Bearer test-user-token": USER,
}


class StaticUserResolver:
    def __init__(self, users: Mapping[str, Identity] | None = None) -> None:
        self.users = USERS if users is None else dict(users)

    def resolve(self, request: HttpRequest) -> Identity | None:
        return self.users.get(request.headers.get("Authorization", ""))
