"""Issue 9 item 8: the identity provider failing during sign-in, with the emulator's fault knobs.

A token endpoint that answers 5xx at the callback gives a 502 page, one that times out a 503 page;
neither leaves a half-made session behind, and the user's next attempt works (mod_auth_openidc
#86, Pomerium).
"""

from __future__ import annotations

import time
from dataclasses import replace
from html import unescape
from http import HTTPStatus

import pytest
import requests
from django.core.cache import cache
from django.db import connection

from tests.e2e.hardening_support import HTML
from tests.e2e.login_support import ADMIN, password_grant, sign_in_at_the_provider

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def product(on_module_emulator):
    """The product's URL; its provider is this module's emulator (`module_emulator`)."""
    return on_module_emulator


def stored_sessions() -> int:
    """Session records in the store, whichever backend (Redis or the database cache; the
    latter is not emptied between tests, so tests compare counts)."""
    if hasattr(cache, "keys"):
        return len(cache.keys("*:session:*")) + len(cache.keys("session:*"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authgw_cache WHERE cache_key LIKE '%session:%'")
        return int(cursor.fetchone()[0])


def sign_in_until_callback(product: str) -> tuple[requests.Session, str]:
    """Through the emulator's hosted page; returns the browser and the callback URL, not yet
    visited."""
    browser = requests.Session()
    browser.headers.update(HTML)
    answer = sign_in_at_the_provider(browser, product, ADMIN, redirect="/after")
    return browser, answer.headers["Location"]


def assert_error_page(answer: requests.Response, status: HTTPStatus) -> None:
    assert answer.status_code == status, answer.status_code
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "Location" not in answer.headers  # a page, not a redirect loop
    assert "sid" not in answer.cookies
    assert 'id="sign-in"' in answer.text  # the way to try again
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("fail_status", [500, 502, 503, 504])
def test_token_endpoint_5xx_at_the_callback_is_a_502_page_and_a_retry_works(
    product, module_emulator, fail_status
):
    browser, callback = sign_in_until_callback(product)
    before = stored_sessions()
    module_emulator.set_faults({"token": {"fail_next": 1, "fail_status": fail_status}})

    failed = browser.get(callback, allow_redirects=False, timeout=10)

    # The provider answered, with a 5xx: a bad gateway (503 is for one that does not answer).
    assert_error_page(failed, HTTPStatus.BAD_GATEWAY)
    assert stored_sessions() == before  # no half-made session
    replayed = browser.get(callback, allow_redirects=False, timeout=10)
    assert replayed.status_code == HTTPStatus.BAD_REQUEST  # that sign-in is used up: start again
    assert "start again" in unescape(replayed.text)
    browser, callback = sign_in_until_callback(product)
    retried = browser.get(callback, allow_redirects=False, timeout=10)
    assert retried.status_code == HTTPStatus.FOUND
    assert retried.headers["Location"] == "/after"
    assert stored_sessions() == before + 1


def test_token_endpoint_timing_out_at_the_callback_is_a_503_page_and_a_retry_works(
    product, module_emulator, settings
):
    settings.AUTH0_TIMEOUT_SECONDS = 1.0
    browser, callback = sign_in_until_callback(product)
    before = stored_sessions()
    module_emulator.set_faults({"token": {"latency_ms": 2500}})

    began = time.monotonic()
    failed = browser.get(callback, allow_redirects=False, timeout=30)
    elapsed = time.monotonic() - began

    assert_error_page(failed, HTTPStatus.SERVICE_UNAVAILABLE)
    assert "not reachable" in failed.text
    assert elapsed < 2.5  # one timed-out POST: a code is never sent twice
    assert stored_sessions() == before
    module_emulator.set_faults({})
    browser, callback = sign_in_until_callback(product)
    assert browser.get(callback, allow_redirects=False, timeout=10).status_code == HTTPStatus.FOUND


def test_provider_outage_during_password_logins_does_not_lock_the_account_out(
    product, module_emulator, settings
):
    settings.LOGIN = replace(settings.LOGIN, throttle_account_max=3, throttle_ip_max=50)
    module_emulator.set_faults({"token": {"fail_rate": 1.0, "fail_status": 503}})

    failures = [password_grant(product, ADMIN).status_code for _ in range(5)]
    module_emulator.set_faults({})
    after = password_grant(product, ADMIN)

    assert failures == [HTTPStatus.BAD_GATEWAY] * 5
    assert after.status_code == HTTPStatus.OK, after.text  # outages are not failed logins
