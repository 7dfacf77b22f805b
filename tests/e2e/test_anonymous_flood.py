"""Issue 12 item 1: a flood of made-up credentials evicts nobody and is not relayed to Auth0.

Runs on whichever store the run configures: the database cache of the embedded default (where
Django's default MAX_ENTRIES once culled every session) and Redis.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from http import HTTPStatus

import pytest
import requests
from django.core.cache import caches
from django.db import connection

from auth0client.client import AuthenticationClient
from tests.e2e.login_support import ADMIN, USER, Product, browser_login, password_grant

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

FLOOD = 5000
BUDGET = 40


@pytest.fixture
def product(emulated_product, settings) -> Product:
    settings.AUTH0_SESSIONS = replace(
        settings.AUTH0_SESSIONS, userinfo_calls_per_ip_per_minute=BUDGET
    )
    # Lock-out windows are clock-aligned: one that ends mid-flood would rightly forget.
    settings.LOGIN = replace(settings.LOGIN, throttle_window_s=10**9)
    return emulated_product


@pytest.fixture
def provider_userinfo_calls(monkeypatch) -> list[str]:
    """Every /userinfo call the product makes to the provider (the HTTP itself stays real)."""
    calls: list[str] = []
    real = AuthenticationClient.userinfo

    def counted(self, *, access_token):
        calls.append(access_token)
        return real(self, access_token=access_token)

    monkeypatch.setattr(AuthenticationClient, "userinfo", counted)
    return calls


def test_a_flood_of_made_up_tokens_and_cookies_evicts_no_session_and_no_lockout_counter(
    product, provider_userinfo_calls
):
    browser, _ = browser_login(product, ADMIN)
    wrong = [password_grant(product.url, (USER[0], "wrong-password")) for _ in range(5)]
    assert [answer.status_code for answer in wrong] == [HTTPStatus.FORBIDDEN] * 5
    keys_before = _session_store_keys()

    started = time.time()
    bearer_answers = _flood(product, FLOOD // 2, lambda: {"Authorization": _random_bearer()})
    windows = int(time.time() // 60) - int(started // 60) + 1
    cookie_answers = _flood(product, FLOOD // 2, lambda: {"Cookie": f"sid={_random_sid()}"})

    assert cookie_answers == {HTTPStatus.UNAUTHORIZED: FLOOD // 2}
    assert _session_store_keys() - keys_before == set()  # made-up credentials wrote nothing
    info = browser.get(f"{product.url}/userinfo", timeout=10)
    assert info.status_code == HTTPStatus.OK, info.text
    assert info.json()["email"] == ADMIN[0]
    still_locked = password_grant(product.url, USER)
    assert still_locked.status_code == HTTPStatus.TOO_MANY_REQUESTS, still_locked.text
    # A budget of BUDGET provider calls per address and clock minute; a slow machine may
    # spread the flood over more than one minute.
    calls = len(provider_userinfo_calls)
    assert BUDGET <= calls <= BUDGET * windows
    assert bearer_answers == {
        HTTPStatus.UNAUTHORIZED: calls,
        HTTPStatus.TOO_MANY_REQUESTS: FLOOD // 2 - calls,
    }


def _flood(product: Product, count: int, headers_of) -> dict[int, int]:
    tally: dict[int, int] = {}
    with requests.Session() as session:
        for _ in range(count):
            status = session.get(f"{product.url}/userinfo", headers=headers_of(), timeout=10)
            tally[status.status_code] = tally.get(status.status_code, 0) + 1
    return tally


def _random_bearer() -> str:
    return f"Bearer {secrets.token_urlsafe(24)}"  # opaque: only the provider can tell


def _random_sid() -> str:
    return secrets.token_urlsafe(32)  # the shape of a real session id


def _session_store_keys() -> set[str]:
    store = caches["default"]
    if hasattr(store, "keys"):  # django-redis, scoped to this test's key prefix
        return set(store.keys("*"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM authgw_cache")
        return {row[0] for row in cursor.fetchall()}
