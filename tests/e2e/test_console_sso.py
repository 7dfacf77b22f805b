"""Console SSO end to end (issue 16): the product (live_server) and the emulator's Console mode
over real sockets: entry point → Console → callback → signed in → a page auth.json allows to the
token's groups → logout; the refusals; the Console down at the callback and at a JWKS refresh.
"""

from __future__ import annotations

import json
import threading
import time
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from joserfc.jwk import RSAKey

from auth0client.console.tests.support import (
    AREA,
    console_claims,
    console_settings,
    forge_hs256_with_public_key,
    forge_unsigned,
    sign,
)
from auth0client.jwks import jwks_cache
from auth0client.sessions import session_get_by_sid
from auth0emulator.testing import EmulatorProcess, demo_seed, start_emulator
from tests.e2e.login_support import product_config
from tests.hostile_idp import new_key

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_jwks_cache"),
]


def console_seed(product_url: str) -> dict:
    """The demo tenant; its admin is also in the Console group the extension's page wants."""
    seed = demo_seed(product_url)
    seed["users"][0]["app_metadata"]["groups"] = ["admin", "extension-admins"]
    return seed


def start_console(live_server, settings, tmp_path, **console: object) -> EmulatorProcess:
    emulator = start_emulator(
        console_seed(live_server.url), console={"extension_url": live_server.url, **console}
    )
    settings.AUTH0_SERVICE_CONFIG = product_config(emulator, live_server.url)
    console_settings(
        settings,
        tmp_path,
        url=emulator.url,
        extension_url=live_server.url,
        tenant_id="demo-tenant",
        extension_id="authgw-extension",
    )
    return emulator


@pytest.fixture
def console(live_server, settings, tmp_path):
    with start_console(live_server, settings, tmp_path) as emulator:
        yield emulator


@pytest.fixture
def product(live_server, console):
    return live_server.url


def console_login(product: str, browser: requests.Session | None = None) -> requests.Session:
    """The browser walks entry point → Console → callback and stops before the final page."""
    browser = browser or requests.Session()
    to_console = browser.get(
        f"{product}/console-login", params={"redirect": AREA}, allow_redirects=False, timeout=10
    )
    assert to_console.status_code == HTTPStatus.FOUND
    to_callback = browser.get(to_console.headers["Location"], allow_redirects=False, timeout=10)
    assert to_callback.status_code == HTTPStatus.FOUND
    browser.callback_url = to_callback.headers["Location"]  # type: ignore[attr-defined]
    return browser


def callback(browser: requests.Session) -> requests.Response:
    return browser.get(browser.callback_url, allow_redirects=False, timeout=10)  # type: ignore[attr-defined]


def console_key(emulator: EmulatorProcess) -> RSAKey:
    """The emulator's current signing key (its data file), to sign deliberately wrong claims."""
    state = json.loads((emulator.workdir / "auth0emulator.json").read_text(encoding="utf-8"))
    return RSAKey.import_key(state["keys"][0])


def bearer(product: str, token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{product}{AREA}", headers=headers, timeout=10)


# --- the whole flow -------------------------------------------------------------------------


def test_entry_point_console_callback_signed_in_allowed_by_auth_json_then_logout(product):
    browser = console_login(product)
    assert urlsplit(browser.callback_url).path == "/console-login/callback"

    signed_in = callback(browser)
    assert signed_in.status_code == HTTPStatus.FOUND
    assert signed_in.headers["Location"] == AREA
    page = browser.get(f"{product}{AREA}", timeout=10)
    assert page.status_code == HTTPStatus.OK
    assert "extension-admins" in page.json()["groups"]

    logout = browser.get(f"{product}/logout", params={"redirect": "/"}, allow_redirects=False)
    assert logout.status_code == HTTPStatus.FOUND
    assert browser.get(f"{product}{AREA}", timeout=10).status_code == HTTPStatus.UNAUTHORIZED


def test_a_console_user_outside_the_group_is_forbidden(live_server, settings, tmp_path):
    with start_console(live_server, settings, tmp_path, user="user@example.com"):
        browser = console_login(live_server.url)
        assert callback(browser).status_code == HTTPStatus.FOUND

        page = browser.get(f"{live_server.url}{AREA}", timeout=10)

    assert page.status_code == HTTPStatus.FORBIDDEN


def test_the_token_endpoint_proxies_and_its_token_works_as_bearer(product, console):
    # An extension frontend that handles tokens itself: its own state, then POST /api/token.
    authz = requests.get(
        f"{console.url}/tenants/demo-tenant/extension/authgw-extension/authz",
        params={"state": "frontend-state"},
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(authz.headers["Location"]).query)["code"][0]

    answer = requests.post(
        f"{product}/api/token", json={"code": code, "state": "frontend-state"}, timeout=10
    )

    assert answer.status_code == HTTPStatus.OK
    assert set(answer.json()) == {"accessToken", "refreshToken", "expireAt"}
    assert bearer(product, answer.json()["accessToken"]).status_code == HTTPStatus.OK


def test_a_replayed_callback_is_403_and_signs_nobody_in(product):
    browser = console_login(product)
    assert callback(browser).status_code == HTTPStatus.FOUND

    stranger = requests.Session()
    stranger.cookies.update({"login_binding": browser.cookies["login_binding"]})
    replay = stranger.get(browser.callback_url, allow_redirects=False, timeout=10)

    assert replay.status_code == HTTPStatus.FORBIDDEN
    assert "sid" not in replay.cookies


def test_concurrent_requests_on_an_expiring_session_refresh_once(live_server, settings, tmp_path):
    if connection.vendor == "sqlite":
        # SQLite's shared in-memory test database answers "table is locked" to concurrent
        # writers at once, and Django's database cache drops such a write silently: there the
        # same lock and session code runs on the local-memory cache (as test_refresh_races does).
        local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        settings.CACHES = {**settings.CACHES, "default": local}
    # Tokens that live 30 s are inside the 60 s refresh skew: every request wants a refresh.
    with start_console(live_server, settings, tmp_path, token_lifetime=30):
        browser = console_login(live_server.url)
        sid = callback(browser).cookies["sid"]
        statuses: list[int] = []

        def load() -> None:
            page = requests.get(f"{live_server.url}{AREA}", cookies={"sid": sid}, timeout=30)
            statuses.append(page.status_code)

        threads = [threading.Thread(target=load) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        # Two refreshes with one refresh token would be a reuse: the Console revokes the grant.
        assert statuses == [HTTPStatus.OK] * 8
        assert session_get_by_sid(sid).generation >= 1
        assert requests.get(
            f"{live_server.url}{AREA}", cookies={"sid": sid}, timeout=30
        ).status_code == HTTPStatus.OK


# --- refusals of tokens, over real sockets ----------------------------------------------------


def test_a_good_token_signed_by_the_console_is_accepted(product, console, settings):
    token = sign(console_claims(settings.CONSOLE), console_key(console))

    assert bearer(product, token).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c, k: sign(console_claims(c), new_key(k.kid)), id="another-key"),
        pytest.param(lambda c, k: forge_unsigned(console_claims(c)), id="alg-none"),
        pytest.param(
            lambda c, k: forge_hs256_with_public_key(console_claims(c), k), id="hs256-public-key"
        ),
        pytest.param(
            lambda c, k: sign(console_claims(c, iss=f"{c.url}/"), k), id="iss-trailing-slash"
        ),
        pytest.param(
            lambda c, k: sign(console_claims(c, iss="http://127.0.0.1:1"), k), id="iss-foreign"
        ),
        pytest.param(
            lambda c, k: sign(console_claims(c, aud=["http://127.0.0.1:2"]), k),
            id="aud-without-extension",
        ),
        pytest.param(
            lambda c, k: sign(console_claims(c, exp=int(time.time()) - 120), k), id="expired"
        ),
    ],
)
def test_a_bad_console_token_is_refused_on_a_protected_route(product, console, settings, forge):
    token = forge(settings.CONSOLE, console_key(console))

    response = bearer(product, token)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["statusCode"] == HTTPStatus.UNAUTHORIZED


# --- the Console down -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault", [{"fail_next": 1, "fail_status": 503}, {"fail_next": 1, "fail_status": 500}]
)
def test_a_console_down_at_the_callback_is_502_with_a_page(product, console, fault):
    browser = console_login(product)
    console.set_faults({"console-token": fault})

    response = browser.get(browser.callback_url, headers={"Accept": "text/html"}, timeout=10)

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.headers["Content-Type"].startswith("text/html")
    assert "try again in a moment" in response.text
    assert "sid" not in browser.cookies


def test_a_console_that_stopped_is_502_at_the_callback(product, console):
    browser = console_login(product)
    console.stop()

    response = callback(browser)

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json()["message"] == (
        "The Console is not reachable (code exchange): try again in a moment."
    )


def test_cached_keys_keep_working_while_the_console_jwks_fails(product, console, settings):
    config = settings.CONSOLE
    key = console_key(console)
    assert bearer(product, sign(console_claims(config), key)).status_code == HTTPStatus.OK
    console.set_faults({"console-jwks": {"fail_rate": 1, "fail_status": 503}})
    jwks_cache._entries[config.jwks_url].fetched_at -= 2 * 24 * 3600  # due for a refresh

    response = bearer(product, sign(console_claims(config), key))

    assert response.status_code == HTTPStatus.OK


def test_feature_off_the_console_routes_are_404_over_http(live_server, settings):
    settings.CONSOLE = None

    for path in ("/console-login", "/console-login/callback"):
        assert requests.get(f"{live_server.url}{path}", timeout=10).status_code == 404
    assert requests.post(f"{live_server.url}/api/token", json={}, timeout=10).status_code == 404
