"""authgw in front of a certified OpenID provider (panva's oidc-provider), in headless Chromium.

Its issuer has no trailing slash, its endpoints are not Auth0's paths, it puts `iss` on the
callback (RFC 9207), issues opaque access tokens, authenticates clients with HTTP Basic and
offers RP-initiated logout: all of it comes from its discovery document.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from auth0client.config import parse_service_config
from auth0client.sessions import session_get_by_sid
from tests.browser.test_login_browser import CHROMIUM_ARGS
from tests.oidc_provider.provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    OidcProvider,
    problem,
    start_oidc_provider,
)

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

IN_CI = os.environ.get("CI", "").lower() == "true"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS, timeout=90_000
        )
        yield chromium
        chromium.close()


@pytest.fixture
def certified_provider(live_server, settings, free_port) -> Iterator[OidcProvider]:
    """oidc-provider on a free port, and the product's only client pointed at it."""
    missing = problem()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"[oidc-provider] {missing}: CI must run this test, not skip it")
        pytest.skip(f"[oidc-provider] {missing}")
    with start_oidc_provider(
        port=free_port,
        redirect_uri=f"{live_server.url}/web-login/callback",
        post_logout_redirect_uri=f"{live_server.url}/web-login",
    ) as provider:
        document = {
            "clients": {
                "web": {
                    "auth0Url": provider.issuer,
                    "clientId": CLIENT_ID,
                    "clientSecret": CLIENT_SECRET,
                    "redirectUrl": f"{live_server.url}/web-login/callback",
                    "scopes": ["offline_access", "profile", "email", "website"],
                    "tokenEndpointAuthMethod": "client_secret_basic",
                }
            },
            "defaultClient": "web",
        }
        settings.AUTH0_SERVICE_CONFIG = parse_service_config(document, source="e2e", lookup={}.get)
        settings.LOGIN = replace(settings.LOGIN, logout_client_id_enabled=False)
        yield provider


def _loopback_only(route: Route) -> None:
    """No test traffic leaves 127.0.0.1 (oidc-provider's stock pages link a web font)."""
    if urlsplit(route.request.url).hostname in LOOPBACK:
        route.continue_()
    else:
        route.abort()


def _sign_in(page: Page, base_url: str, issuer: str) -> None:
    page.goto(f"{base_url}/web-login?redirect=/userinfo")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.wait_for_url(f"{issuer}/interaction/**")
    page.fill("input[name=login]", "alice")
    page.fill("input[name=password]", "any-password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{issuer}/interaction/**")  # the consent page (offline_access)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base_url}/userinfo")


def test_code_flow_refresh_userinfo_and_logout_at_a_certified_provider(
    browser, live_server, certified_provider
):
    base_url, issuer = live_server.url, certified_provider.issuer
    context = browser.new_context()
    context.route("**/*", _loopback_only)
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))

    _sign_in(page, base_url, issuer)

    callback = urlsplit(next(url for url in seen if "/web-login/callback?" in url))
    assert parse_qs(callback.query)["iss"] == [issuer]  # RFC 9207, checked by authgw
    userinfo = page.request.get(f"{base_url}/userinfo")
    assert userinfo.status == HTTPStatus.OK
    assert userinfo.json() == {
        "sub": "alice",
        "email": "alice@example.com",
        "email_verified": True,
        "name": "User alice",
        "groups": [],
        "permissions": [],
    }
    sid = next(cookie["value"] for cookie in context.cookies(base_url) if cookie["name"] == "sid")
    before = session_get_by_sid(sid)
    assert before is not None
    assert before.refresh_token is not None
    assert before.access_token.count(".") == 0  # oidc-provider's access tokens are opaque

    refreshed = page.request.post(f"{base_url}/refreshtoken")

    assert refreshed.status == HTTPStatus.OK
    after = session_get_by_sid(sid)
    assert after.generation == before.generation + 1
    assert after.access_token != before.access_token
    assert page.request.get(f"{base_url}/userinfo").json()["email"] == "alice@example.com"

    page.goto(f"{base_url}/logout?redirect=/web-login")
    page.wait_for_url(f"{issuer}/session/end**")
    end_session = parse_qs(urlsplit(page.url).query)
    assert end_session["client_id"] == [CLIENT_ID]
    assert end_session["post_logout_redirect_uri"] == [f"{base_url}/web-login"]
    assert end_session["id_token_hint"] == [after.id_token]
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{base_url}/web-login")

    assert page.request.get(f"{base_url}/userinfo").status == HTTPStatus.UNAUTHORIZED
    # The provider's session ended too: signing in again asks for the login.
    page.goto(f"{base_url}/authorize?redirect=/userinfo")
    page.wait_for_url(f"{issuer}/interaction/**")
    assert page.locator("input[name=login]").is_visible()
    context.close()
