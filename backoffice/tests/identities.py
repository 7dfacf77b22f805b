"""The SSO identities of the back-office tests: an in-process acl resolver keyed by token."""

from __future__ import annotations

from acl.identity import Identity
from acl.testing import StaticUserResolver

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
ADMIN_TOKEN = "Bearer backoffice-admin"
USER_TOKEN = "Bearer backoffice-user"

# ACL_USER_RESOLVER for these tests; a test may add or replace identities for one run.
RESOLVER = StaticUserResolver({ADMIN_TOKEN: ADMIN, USER_TOKEN: USER})
