"""Issue 12 item 7 in headless Chromium: a page on another site cannot sign the user out."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from auth0emulator.testing import demo_seed, start_emulator
from tests.browser.test_login_browser import CHROMIUM_ARGS, sign_in_through_the_hosted_page
from tests.e2e.login_support import product_config

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def foreign_page(product_url: str) -> bytes:
    """What an attacker's site serves: an image and a link pointing at our /logout."""
    return (
        "<!doctype html><title>Cute cats</title>"
        f'<img id="probe" alt="" src="{product_url}/logout">'
        f'<a id="go" href="{product_url}/logout?redirect=/web-login">Cats!</a>'
    ).encode()


@pytest.fixture
def foreign_site(live_server) -> Iterator[str]:
    """Another site: 127.0.0.1 while the product is `localhost` (another host, so cross-site)."""
    body = foreign_page(live_server.url)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def product(live_server, settings):
    assert "localhost" in live_server.url  # the foreign site must be another host
    with start_emulator(demo_seed(live_server.url)) as emulator:
        settings.AUTH0_SERVICE_CONFIG = product_config(emulator, live_server.url)
        settings.LOGIN = replace(settings.LOGIN, logout_client_id_enabled=True)
        yield live_server.url, emulator


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


def signed_in(context: BrowserContext, base_url: str) -> bool:
    """Asks /userinfo in a fresh tab of the same browser (same cookies)."""
    tab = context.new_page()
    tab.goto(f"{base_url}/userinfo")
    text = tab.locator("body").inner_text()
    tab.close()
    return "admin@example.com" in text


def wait_until_loaded(page, selector: str, deadline_s: float = 10.0) -> None:
    deadline = time.monotonic() + deadline_s
    while not page.eval_on_selector(selector, "img => img.complete"):
        assert time.monotonic() < deadline, f"{selector} never finished loading"
        page.wait_for_timeout(50)


# `product` and `foreign_site` before `browser`: their set-up runs before Playwright's loop.
def test_a_foreign_page_cannot_sign_the_user_out_until_they_confirm(product, foreign_site, browser):
    base_url, emulator = product
    context = browser.new_context()
    page = context.new_page()
    logout_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith(f"{base_url}/logout") and logout_requests.append(request.url)
        ),
    )
    sign_in_through_the_hosted_page(page, base_url, emulator.url)
    assert signed_in(context, base_url)

    # The foreign page's <img> and a click on its link (a top-level navigation carrying the
    # SameSite=Lax cookie) both load GET /logout.
    page.goto(foreign_site)
    wait_until_loaded(page, "#probe")
    assert signed_in(context, base_url)
    with page.expect_navigation():
        page.click("#go")

    assert signed_in(context, base_url)
    assert page.url == f"{base_url}/logout?redirect=/web-login"
    assert page.get_by_role("heading", name="Sign out?").is_visible()
    assert logout_requests == [f"{base_url}/logout", f"{base_url}/logout?redirect=/web-login"]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base_url}/web-login")

    assert not signed_in(context, base_url)
    context.close()
