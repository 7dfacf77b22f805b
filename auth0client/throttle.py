"""Failed-login throttling per account and per IP address (fixed windows in the session store).

Unknown accounts are counted exactly like known ones, so the answers never reveal whether an
account exists.
"""

from __future__ import annotations

import time

from django.conf import settings

from auth0client import store
from auth0client.errors import LoginThrottledError
from auth0client.sessions import digest


def _window(now: float) -> tuple[int, int]:
    """(window index, seconds until it ends)."""
    size = settings.LOGIN.throttle_window_s
    index = int(now // size)
    return index, int((index + 1) * size - now) + 1


def _keys(username: str, ip: str, index: int) -> tuple[str, str]:
    account = store.key("throttle-account", f"{index}:{digest(username.strip().lower())}")
    address = store.key("throttle-ip", f"{index}:{digest(ip)}")
    return account, address


def login_throttle_check(*, username: str, ip: str, now: float | None = None) -> None:
    """Raises 429 with Retry-After when the account or the address has failed too often."""
    index, retry_after = _window(now or time.time())
    account_key, ip_key = _keys(username, ip, index)
    counts = store.get_many([account_key, ip_key])
    login = settings.LOGIN
    if (
        int(counts.get(account_key) or 0) >= login.throttle_account_max
        or int(counts.get(ip_key) or 0) >= login.throttle_ip_max
    ):
        raise LoginThrottledError(
            "Too many failed sign-in attempts: wait before trying again.",
            headers={"Retry-After": str(retry_after)},
        )


def login_throttle_failure(*, username: str, ip: str, now: float | None = None) -> None:
    index, retry_after = _window(now or time.time())
    for key in _keys(username, ip, index):
        store.incr(key, retry_after)


def login_throttle_success(*, username: str, now: float | None = None) -> None:
    index, _ = _window(now or time.time())
    account_key, _ = _keys(username, "", index)
    store.delete(account_key)
