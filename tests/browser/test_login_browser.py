"""The code flow in headless Chromium: the login page, the emulator's hosted page, the callback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from auth0emulator.testing import demo_seed, start_emulator
from tests.e2e.login_support import ADMIN, product_config

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module (each test gets its own context or page)."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made here
    # afterwards (fixtures, teardown) would otherwise be refused as "async unsafe".
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS, timeout=90_000
        )
        yield chromium
        chromium.close()


@pytest.fixture
def product(live_server, settings):
    with start_emulator(demo_seed(live_server.url)) as emulator:
        settings.AUTH0_SERVICE_CONFIG = product_config(emulator, live_server.url)
        settings.LOGIN = replace(settings.LOGIN, logout_client_id_enabled=True)
        yield live_server.url, emulator


def sign_in_through_the_hosted_page(page: Page, base_url: str, emulator_url: str) -> None:
    page.goto(f"{base_url}/web-login?redirect=/userinfo")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.wait_for_url(f"{emulator_url}/**")
    page.fill("#username", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base_url}/userinfo")


def test_code_flow_in_chromium_lands_signed_in_and_tokens_never_reach_the_browser(browser, product):
    base_url, emulator = product
    context = browser.new_context()
    page = context.new_page()
    seen_urls: list[str] = []
    page.on("request", lambda request: seen_urls.append(request.url))
    console_errors: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )

    sign_in_through_the_hosted_page(page, base_url, emulator.url)

    body = page.locator("body").inner_text()
    assert '"email":"admin@example.com"' in body.replace(" ", "")
    cookies = {cookie["name"]: cookie for cookie in context.cookies(base_url)}
    assert cookies["sid"]["httpOnly"] is True
    assert cookies["sid"]["sameSite"] == "Lax"
    # With the website scope no token ever shows up in a URL or a readable cookie.
    assert not any("access_token" in url or "id_token" in url for url in seen_urls)
    assert all(name in {"sid", "login_binding", "auth0", "auth0_txn"} for name in cookies)
    # The strict CSP blocked nothing the pages need (favicon 401/404s are not CSP reports).
    assert [error for error in console_errors if "Content Security Policy" in error] == []

    page.goto(f"{base_url}/logout?redirect=/web-login")
    page.wait_for_url(f"{base_url}/web-login")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    page.goto(f"{base_url}/userinfo")
    assert '"statusCode":401' in page.locator("body").inner_text().replace(" ", "")
    context.close()


def test_login_page_password_form_signs_in(browser, product):
    base_url, _ = product
    page = browser.new_page()

    page.goto(f"{base_url}/web-login?redirect=/userinfo")
    page.get_by_label("Email or username").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Sign in with password").click()
    page.wait_for_url(f"{base_url}/userinfo")

    assert "admin@example.com" in page.locator("body").inner_text()


def test_wrong_password_on_the_login_page_shows_an_accessible_error(browser, product):
    base_url, _ = product
    page = browser.new_page()

    page.goto(f"{base_url}/web-login")
    page.get_by_label("Email or username").fill(ADMIN[0])
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in with password").click()

    assert page.get_by_role("alert").inner_text() == "Wrong username or password."
