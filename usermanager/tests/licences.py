"""A PERMISSIONS_RESOLVER for tests: licences kept by a "business backend" (here, a dict)."""

from __future__ import annotations

from usermanager.models import User

# customerId -> the licences the customer holds; tests change it like business data changes.
LICENCES: dict[str, set[str]] = {}
CALLS: list[str] = []


def licence_permissions(user: User) -> list[str]:
    CALLS.append(user.id)
    return [f"licences:{name}" for name in sorted(LICENCES.get(user.customer_id, set()))]


def broken(user: User) -> list[str]:
    raise ConnectionError("the licences backend is down")
