"""Issue 9 item 7: Redis faults, with a redis-server of the test's own that it stops, restarts,
slows down and flushes (mod_auth_openidc PR #648, Pomerium #3431, oauth2-proxy PR #722).

"Cannot tell" is never "logged out": the store down means 503 and the cookie kept.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from http import HTTPStatus

import pytest
import requests

from authgw.errors import error_body
from authgw.redis_config import RedisSettings, build_redis_cache
from tests.e2e.hardening_support import HTML, clears_session_cookie, me, wait_for
from tests.e2e.login_support import ADMIN, password_sid
from tests.redis_cluster import RedisServer

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.redis,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

STORE_DOWN = error_body(503, "The session store is unavailable; try again shortly.")
SLOW_REDIS_S = 5


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def product(on_module_emulator, settings, redis_server):
    """The product with its cache and sessions on the test's own Redis (REDIS_TIMEOUT_SECONDS)."""
    own = RedisSettings(
        url=redis_server.url,
        mode="normal",
        hosts=(),
        master_name="",
        username=None,
        password=None,
        tls=False,
        timeout_s=settings.REDIS.timeout_s,
    )
    settings.CACHES = {
        **settings.CACHES,
        "default": build_redis_cache(own) | {"KEY_PREFIX": "faults"},
    }
    settings.ACL = replace(settings.ACL, user_resolver="auth0client.resolvers.SessionUserResolver")
    return on_module_emulator


def test_the_default_socket_timeout_is_at_most_one_second(settings):
    assert settings.REDIS.timeout_s <= 1.0
    options = build_redis_cache(replace(settings.REDIS, url="redis://x/0"))["OPTIONS"]
    assert (
        options["SOCKET_TIMEOUT"] == options["SOCKET_CONNECT_TIMEOUT"] == settings.REDIS.timeout_s
    )


def test_redis_down_fails_closed_with_503_keeps_the_cookie_and_recovers_without_restart(
    product, redis_server
):
    sid = password_sid(product)
    redis_server.stop()

    api = me(product, sid)
    page = requests.get(f"{product}/some/page", cookies={"sid": sid}, headers=HTML, timeout=30)
    decision = requests.get(
        f"{product}/auth",
        cookies={"sid": sid},
        headers={"X-Original-URI": "/some/page"},
        timeout=30,
    )

    assert (api.status_code, api.json()) == (HTTPStatus.SERVICE_UNAVAILABLE, STORE_DOWN)
    assert page.status_code == HTTPStatus.SERVICE_UNAVAILABLE  # not a redirect to the login page
    assert decision.status_code == HTTPStatus.SERVICE_UNAVAILABLE  # forward-auth never passes
    for answer in (api, page, decision):
        assert "Set-Cookie" not in answer.headers
    redis_server.start()  # same port, same data: the product is not restarted
    back = me(product, sid)
    assert back.status_code == HTTPStatus.OK, back.text
    assert back.json()["email"] == ADMIN[0]


def test_login_form_with_redis_down_says_so_and_loses_nothing_silently(product, redis_server):
    redis_server.stop()
    username, password = ADMIN

    answer = requests.post(
        f"{product}/oauth/token",
        data={
            "grant_type": "password",
            "username": username,
            "password": password,
            "redirect": "/",
        },
        headers={**HTML, "Origin": product},
        allow_redirects=False,
        timeout=30,
    )

    assert answer.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "The session store is unavailable" in answer.text
    assert "Set-Cookie" not in answer.headers


def test_ready_fails_while_redis_is_unreachable(product, redis_server):
    assert requests.get(f"{product}/-/ready", timeout=10).status_code == HTTPStatus.OK
    redis_server.stop()

    down = requests.get(f"{product}/-/ready", timeout=30)
    redis_server.start()
    up = requests.get(f"{product}/-/ready", timeout=10)

    assert down.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert down.json()["checks"]["cache"] == "KO"
    assert up.status_code == HTTPStatus.OK


def test_slow_redis_is_cut_off_by_the_socket_timeout_and_no_worker_hangs(
    product, redis_server, settings
):
    sid = password_sid(product)
    sleeper = threading.Thread(
        target=lambda: redis_server.client(timeout=SLOW_REDIS_S + 5).execute_command(
            "DEBUG", "SLEEP", SLOW_REDIS_S
        ),
        daemon=True,
    )
    began = time.monotonic()
    sleeper.start()
    asleep = wait_for(lambda: not redis_server.answers_within(0.1), seconds=2.0)
    assert asleep, "the server never went into DEBUG SLEEP"

    def timed(_):
        started = time.monotonic()
        answer = me(product, sid)
        return answer.status_code, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(timed, range(4)))
    ready = requests.get(f"{product}/-/ready", timeout=30)

    assert time.monotonic() - began < SLOW_REDIS_S, "the requests waited for the slow Redis"
    for status, seconds in results:
        assert status == HTTPStatus.SERVICE_UNAVAILABLE
        assert seconds < settings.REDIS.timeout_s + 1.0, results  # one timeout, no retries
    assert ready.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    sleeper.join(SLOW_REDIS_S + 5)
    assert me(product, sid).status_code == HTTPStatus.OK  # nothing stayed stuck


def test_flushall_simply_logs_everyone_out(product, redis_server):
    sid = password_sid(product)
    redis_server.client().flushall()

    api = me(product, sid)
    browser = requests.Session()
    browser.cookies.set("sid", sid)
    page = browser.get(f"{product}/some/page", headers=HTML, timeout=10)

    assert api.status_code == HTTPStatus.UNAUTHORIZED
    assert clears_session_cookie(api)
    assert [step.status_code for step in page.history] == [HTTPStatus.FOUND]
    assert page.url.startswith(f"{product}/web-login?redirect=")
    assert page.status_code == HTTPStatus.OK
    assert me(product, password_sid(product)).status_code == HTTPStatus.OK  # signing in works
