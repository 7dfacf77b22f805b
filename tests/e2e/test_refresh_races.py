"""Issue 9 item 3: refresh without races, over real sockets (oauth2-proxy #1992, PR #3456).

The hostile provider rotates refresh tokens with reuse detection, as Auth0 does: a second
refresh with the same token is `invalid_grant`, so any duplicate call would log the user out.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from http import HTTPStatus

import pytest
import requests
from django.core.management import call_command

from auth0client.jwks import REFETCH_INTERVAL_S
from auth0client.services import refresh
from auth0client.sessions import session_get_by_sid, session_save
from authgw.errors import error_body
from tests.e2e.hardening_support import HTML, ME, clears_session_cookie, code_flow
from tests.hostile_idp import HostileIdP

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("jwks_clock"),
]

CONCURRENCY = 20
PROVIDER_DELAY_S = 3.0
REFRESH = "refresh_token"


@pytest.fixture
def signed_in(idp, product):
    """(browser, sid) of a fresh session."""
    callback = code_flow(product)
    assert callback.response.status_code == HTTPStatus.FOUND, callback.response.text
    return callback.browser, callback.response.cookies["sid"]


def set_expiry(sid: str, seconds_from_now: int, **fields) -> None:
    session = session_get_by_sid(sid)
    expires_at = int(time.time()) + seconds_from_now
    session_save(replace(session, expires_at=expires_at, **fields))


def refresh_calls(idp: HostileIdP) -> list[str]:
    return [seen.form["refresh_token"] for seen in idp.calls("/oauth/token", grant_type=REFRESH)]


# --- twenty at once -------------------------------------------------------------------------------


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis, id="redis-lock"),
        # The add-based lock of the database cache, on PostgreSQL (SQLite's in-memory test
        # database cannot be shared by twenty request threads).
        pytest.param("database", marks=pytest.mark.postgres, id="database-cache-lock"),
    ]
)
def lock_store(request, settings):
    if request.param == "database":
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "authgw_cache",
            }
        }
        call_command("createcachetable", verbosity=0)
    return request.param


def test_twenty_concurrent_requests_on_an_expired_session_make_one_slow_refresh(
    lock_store, idp, product, signed_in, monkeypatch
):
    # A 1 s lock against a 3 s provider: only the renewal keeps the other nineteen out.
    monkeypatch.setattr(refresh, "REFRESH_LOCK_TTL_S", 1.0)
    _, sid = signed_in
    set_expiry(sid, -1)
    idp.token_delay_s = PROVIDER_DELAY_S

    def one_request(_):
        return requests.get(f"{product}{ME}", cookies={"sid": sid}, timeout=30)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        answers = list(pool.map(one_request, range(CONCURRENCY)))
    elapsed = time.monotonic() - began

    assert [answer.status_code for answer in answers] == [HTTPStatus.OK] * CONCURRENCY
    assert len(refresh_calls(idp)) == 1
    assert elapsed >= PROVIDER_DELAY_S  # the provider really was slow
    session = session_get_by_sid(sid)
    assert session.generation == 1
    assert session.expires_at > time.time() + 3000


# --- provider trouble during a refresh ------------------------------------------------------------


def test_5xx_while_the_access_token_is_still_valid_lets_the_request_through_and_retries_later(
    idp, product, signed_in
):
    browser, sid = signed_in
    set_expiry(sid, 30)  # inside the refresh window, not yet expired
    idp.token_hook = lambda form: (503, {"error": "temporarily_unavailable"})

    first = browser.get(f"{product}{ME}", timeout=10)
    second = browser.get(f"{product}{ME}", timeout=10)  # no new attempt this soon

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert "Set-Cookie" not in first.headers
    assert len(refresh_calls(idp)) == 1
    # Later (the retry delay has passed) the refresh is tried again, and now it works.
    idp.token_hook = None
    session = session_get_by_sid(sid)
    session_save(replace(session, refresh_failed_at=session.refresh_failed_at - 11))
    third = browser.get(f"{product}{ME}", timeout=10)
    assert third.status_code == HTTPStatus.OK
    assert len(refresh_calls(idp)) == 2
    assert session_get_by_sid(sid).generation == 1


def test_5xx_with_an_expired_access_token_is_502_and_keeps_the_session(idp, product, signed_in):
    browser, sid = signed_in
    set_expiry(sid, -1)
    idp.token_hook = lambda form: (503, {"error": "temporarily_unavailable"})

    answer = browser.get(f"{product}{ME}", timeout=10)

    # The provider answered, with a 5xx: a bad gateway (503 is for one that does not answer).
    assert answer.status_code == HTTPStatus.BAD_GATEWAY
    assert answer.json() == error_body(
        502, "The identity provider failed (503) during refresh; try again."
    )
    assert "Set-Cookie" not in answer.headers
    idp.token_hook = None
    assert browser.get(f"{product}{ME}", timeout=10).status_code == HTTPStatus.OK


def test_invalid_grant_ends_the_session_cleanly(idp, product, signed_in):
    browser, sid = signed_in
    set_expiry(sid, -1)
    idp.token_hook = lambda form: (403, {"error": "invalid_grant", "error_description": "revoked"})

    answer = browser.get(f"{product}{ME}", timeout=10)

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.json() == error_body(401, "The session was revoked: sign in again.")
    assert clears_session_cookie(answer)
    assert session_get_by_sid(sid) is None
    assert len(refresh_calls(idp)) == 1


def test_invalid_grant_on_a_protected_page_is_one_redirect_to_the_login_page(
    idp, product, signed_in, settings
):
    settings.ACL = replace(settings.ACL, user_resolver="auth0client.resolvers.SessionUserResolver")
    browser, sid = signed_in
    set_expiry(sid, -1)
    idp.token_hook = lambda form: (403, {"error": "invalid_grant"})

    page = browser.get(f"{product}/some/page", headers=HTML, timeout=10)

    assert [step.status_code for step in page.history] == [HTTPStatus.FOUND]
    assert clears_session_cookie(page.history[0])
    assert page.status_code == HTTPStatus.OK
    assert page.url == f"{product}/web-login?redirect=%2Fsome%2Fpage"
    assert "sid" not in browser.cookies
    assert len(refresh_calls(idp)) == 1


def test_api_call_with_a_revoked_session_is_401_json_not_a_redirect(
    idp, product, signed_in, settings
):
    # mozilla-django-oidc #363: an XHR with a dead session must get 401 JSON, not a 302.
    settings.ACL = replace(settings.ACL, user_resolver="auth0client.resolvers.SessionUserResolver")
    browser, sid = signed_in
    set_expiry(sid, -1)
    idp.token_hook = lambda form: (403, {"error": "invalid_grant"})

    answer = browser.get(
        f"{product}/some/api",
        headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
        allow_redirects=False,
        timeout=10,
    )

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.json()["statusCode"] == HTTPStatus.UNAUTHORIZED
    assert clears_session_cookie(answer)


def test_rotated_refresh_token_is_kept_when_the_new_id_token_cannot_be_checked_yet(
    idp, product, signed_in, jwks_clock
):
    # The provider rotated the refresh token, then the JWKS was down: keeping the old token
    # would make the next attempt a reuse (invalid_grant, a logout).
    browser, sid = signed_in
    set_expiry(sid, -1)
    idp.rotate("hostile-2")  # the renewal's ID token needs a JWKS refetch...
    idp.jwks_answer = (503, b"down", {})  # ...which fails

    failed = browser.get(f"{product}{ME}", timeout=10)
    idp.jwks_answer = None
    jwks_clock.now += REFETCH_INTERVAL_S
    retried = browser.get(f"{product}{ME}", timeout=10)

    assert failed.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert retried.status_code == HTTPStatus.OK, retried.text
    first, second = refresh_calls(idp)  # one attempt per request, never two
    assert first != second  # the second attempt used the rotated token
