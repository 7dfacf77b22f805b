"""Console SSO in headless Chromium (issue 16): entry point → the emulator's Console → callback →
signed in → a page auth.json allows to the Console token's groups → logout."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from auth0client.jwks import jwks_cache
from tests.browser.test_login_browser import CHROMIUM_ARGS
from tests.e2e.test_console_sso import start_console

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser(monkeypatch) -> Iterator[Browser]:
    # live_server and Playwright's sync API share this thread's event loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS, timeout=90_000
        )
        yield chromium
        chromium.close()


@pytest.fixture
def product(live_server, settings, tmp_path):
    jwks_cache.clear()
    with start_console(live_server, settings, tmp_path) as emulator:
        yield live_server.url, emulator
    jwks_cache.clear()


def test_console_sign_in_in_chromium_reaches_the_extension_page_and_logs_out(browser, product):
    base_url, emulator = product
    context = browser.new_context()
    page = context.new_page()
    seen_urls: list[str] = []
    page.on("request", lambda request: seen_urls.append(request.url))

    page.goto(f"{base_url}/console-login?redirect=/console-area")
    page.wait_for_url(f"{base_url}/console-area")

    shown = json.loads(page.locator("body").inner_text())
    assert "extension-admins" in shown["groups"]
    assert any(url.startswith(f"{emulator.url}/tenants/") for url in seen_urls)
    cookies = {cookie["name"]: cookie for cookie in context.cookies(base_url)}
    assert cookies["sid"]["httpOnly"] is True
    assert cookies["sid"]["sameSite"] == "Lax"
    assert not any("accessToken" in url for url in seen_urls)

    page.goto(f"{base_url}/logout?redirect=/console-area")
    page.goto(f"{base_url}/console-area")
    # Signed out: the acl sends a browser that asks for a protected page to sign in (401 → 302).
    assert page.url == f"{base_url}/web-login?redirect=%2Fconsole-area"
    context.close()
