"""Failed-login throttling: an attempt is reserved before the provider hears the password.

Three limits per fixed window (`LOGIN_THROTTLE_WINDOW_SECONDS`):
- per (account, client IP): `LOGIN_THROTTLE_ACCOUNT_MAX`, so guessing from one place stops soon;
- per client IP, across accounts: `LOGIN_THROTTLE_IP_MAX`;
- per account, across every IP: `LOGIN_THROTTLE_ACCOUNT_GLOBAL_MAX`, much higher, so a stranger
  elsewhere cannot lock the owner out of the password form while guessing stays bounded.

Each limit is a set of numbered slots in the session store, and an attempt holds one slot of each
before the provider is called. A slot is taken with the store's `add` (an atomic create-if-absent
on Redis, the database cache and the local-memory cache alike), so N parallel attempts can never
hold more slots than the limit: unlike a read-then-increment counter, which Django's database
cache does not do atomically. A refused password keeps its slots until the window ends; a success
or a provider failure gives them back. Unknown accounts are counted exactly like known ones, so
the answers never reveal whether an account exists. The hosted-login (code) flow never calls this.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from auth0client import store
from auth0client.errors import LoginThrottledError
from auth0client.sessions import digest

THROTTLED_MESSAGE = "Too many failed sign-in attempts: wait before trying again."


@dataclass(frozen=True)
class Reservation:
    """The slots one password attempt holds, one per limit, and its account's pair slots."""

    slots: tuple[str, ...]
    pair_slots: tuple[str, ...]


def _window(now: float) -> tuple[int, int]:
    """(window index, seconds until it ends)."""
    size = settings.LOGIN.throttle_window_s
    index = int(now // size)
    return index, int((index + 1) * size - now) + 1


def _account(username: str) -> str:
    return digest(username.strip().lower())


def _slots(kind: str, ident: str, limit: int) -> tuple[str, ...]:
    return tuple(store.key(kind, f"{ident}:{number}") for number in range(limit))


def _limits(username: str, ip: str, index: int) -> list[tuple[str, ...]]:
    """The slot keys of each limit, the (account, IP) pair first."""
    login = settings.LOGIN
    account, address = _account(username), digest(ip)
    return [
        _slots("throttle-pair", f"{index}:{account}:{address}", login.throttle_account_max),
        _slots("throttle-ip", f"{index}:{address}", login.throttle_ip_max),
        _slots("throttle-account", f"{index}:{account}", login.throttle_account_global_max),
    ]


def _claim(candidates: list[str], ttl_s: int) -> str | None:
    """The first of these free-looking slots that this attempt manages to take, if any."""
    for slot in candidates:
        if store.add(slot, 1, ttl_s):
            return slot
    return None


def _give_back(slots: tuple[str, ...]) -> None:
    for slot in slots:
        store.delete(slot)


def login_throttle_reserve(*, username: str, ip: str, now: float | None = None) -> Reservation:
    """Takes one slot of every limit, or raises 429 with Retry-After (holding nothing)."""
    index, retry_after = _window(now or time.time())
    limits = _limits(username, ip, index)
    taken = store.get_many([slot for slots in limits for slot in slots])
    held: list[str] = []
    for slots in limits:
        slot = _claim([slot for slot in slots if slot not in taken], retry_after)
        if slot is None:
            _give_back(tuple(held))
            raise LoginThrottledError(THROTTLED_MESSAGE, headers={"Retry-After": str(retry_after)})
        held.append(slot)
    return Reservation(slots=tuple(held), pair_slots=limits[0])


def login_throttle_release(reservation: Reservation) -> None:
    """The attempt was not a refused password (a provider failure): it does not count."""
    _give_back(reservation.slots)


def login_throttle_success(reservation: Reservation) -> None:
    """The password was right: the attempt does not count, and neither do the earlier failures
    of this account from this IP (those from other IPs and the IP's own count stay)."""
    _give_back(reservation.slots)
    _give_back(tuple(slot for slot in reservation.pair_slots if slot not in reservation.slots))
