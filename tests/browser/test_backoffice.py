"""Issue 7's walk-through in headless Chromium: the demo admin creates a user in the back office,
signs out through the seed's redirect chain, and the new user finds no tables (seed 000).

Screenshots of each step go to test-artifacts/backoffice/ (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http import HTTPStatus
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect, sync_playwright

from auth0client import management
from auth0emulator.testing import EmulatorProcess, demo_seed
from tests.e2e.login_support import ADMIN, product_config

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "backoffice"
NEWBIE = ("newbie@example.com", "Newbie-Passw0rd!")
NOTHING = "You don\u2019t have permission to view or edit anything."


@dataclass(frozen=True)
class Product:
    url: str
    emulator: EmulatorProcess


@pytest.fixture
def browser(monkeypatch) -> Iterator[Browser]:
    # live_server and Playwright's sync API share this thread's event loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def product(live_server, settings, emulator_factory) -> Iterator[Product]:
    """`make run`'s set-up: the UMS resolver, the emulator's demo tenant, `seed_demo`."""
    emulator = emulator_factory(demo_seed(live_server.url))
    settings.AUTH0_SERVICE_CONFIG = product_config(emulator, live_server.url)
    settings.LOGIN = replace(settings.LOGIN, logout_client_id_enabled=True)
    settings.ACL = replace(settings.ACL, user_resolver="usermanager.resolvers.UmsUserResolver")
    management.get_management_client.cache_clear()
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    yield Product(live_server.url, emulator)
    management.get_management_client.cache_clear()


class Steps:
    """Numbered screenshots, one per step of the walk-through."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=ARTIFACTS / f"{self.count:02d}-{name}.png", full_page=True)


def sign_in_on_the_hosted_page(page: Page, product: Product, credentials: tuple[str, str], steps):
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.wait_for_url(f"{product.emulator.url}/**")
    page.fill("#username", credentials[0])
    page.fill("#password", credentials[1])
    steps.shot(f"hosted-login-{credentials[0].split('@')[0]}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{product.url}/backoffice/")


def auth0_user_by_email(emulator: EmulatorProcess, email: str) -> list[dict]:
    """What the emulator's Management API says, asked directly (not through the product)."""
    response = requests.get(
        f"{emulator.issuer}api/v2/users-by-email",
        params={"email": email},
        headers={"Authorization": f"Bearer {emulator.management_token()}"},
        timeout=10,
    )
    response.raise_for_status()
    return list(response.json())


# `product` before `browser`: the database work of its set-up must run before Playwright starts
# its event loop, or it would open a second, never-closed connection in this thread.
def test_admin_creates_a_user_who_then_sees_no_tables(product, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    steps = Steps(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    # 1. An anonymous browser is handed to the login site, then the emulator's hosted page.
    page.goto(f"{product.url}/backoffice/")
    assert page.url == f"{product.url}/web-login?redirect=%2Fbackoffice%2F"
    steps.shot("login-site")
    sign_in_on_the_hosted_page(page, product, ADMIN, steps)

    # 2. The admin's home: header, user context from /userinfo, both tables.
    expect(page.locator("#site-name")).to_have_text("Backoffice")
    expect(page.locator(".signed-in-name")).to_have_text("Demo Admin")
    expect(page.locator(".signed-in-email")).to_have_text("admin@example.com")
    expect(page.locator(".signed-in-groups")).to_have_text("groups: admin")
    expect(page.get_by_role("link", name="Users", exact=True).first).to_be_visible()
    expect(page.get_by_role("link", name="UMS configurations").first).to_be_visible()
    steps.shot("admin-home")

    # 3. Create a user in group `user` with a password.
    page.goto(f"{product.url}/backoffice/usermanager/user/add/")
    page.select_option("#id_user_group", "user")
    page.fill("#id_email", NEWBIE[0])
    page.fill("#id_name", "New Bie")
    page.fill("#id_password", NEWBIE[1])
    steps.shot("add-user-form")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{product.url}/backoffice/usermanager/user/")
    expect(page.locator(".messagelist .success")).to_contain_text(NEWBIE[0])
    row = page.locator("#result_list tbody tr", has_text=NEWBIE[0])
    expect(row.locator(".field-group")).to_have_text("user")
    expect(row.locator(".field-auth0_id")).to_have_text(re.compile(r"^auth0\|"))
    steps.shot("users-list")

    # 4. Auth0 (the emulator's Management API) has it, in group `user`.
    [remote] = auth0_user_by_email(product.emulator, NEWBIE[0])
    assert remote["app_metadata"]["groups"] == ["user"]
    assert (remote["name"], remote.get("blocked", False)) == ("New Bie", False)
    assert row.locator(".field-auth0_id").inner_text() == remote["user_id"]

    # 5. Sign out through the seed's chain: /logout → Auth0 /v2/logout → /web-login.
    requested.clear()
    page.get_by_role("link", name="Log out").click()
    page.wait_for_url(f"{product.url}/web-login?redirect=/backoffice")
    chain = [url.split("?")[0] for url in requested if not url.startswith(f"{product.url}/static/")]
    assert chain == [
        f"{product.url}/logout",
        f"{product.emulator.url}/v2/logout",
        f"{product.url}/web-login",
    ]
    assert requested[0] == f"{product.url}/logout?redirect=/web-login?redirect=/backoffice"
    steps.shot("signed-out")

    # 6. The new user signs in and sees a home without tables.
    sign_in_on_the_hosted_page(page, product, NEWBIE, steps)
    expect(page.locator(".signed-in-name")).to_have_text("New Bie")
    expect(page.locator(".signed-in-groups")).to_have_text("groups: user")
    expect(page.locator("#content")).to_contain_text(NOTHING)
    assert page.get_by_role("link", name="Users", exact=True).count() == 0
    assert page.get_by_role("link", name="UMS configurations").count() == 0
    steps.shot("user-home-without-tables")

    # 7. ...and 403 on the tables' URLs.
    for table in ("user", "umsconfiguration"):
        response = page.goto(f"{product.url}/backoffice/usermanager/{table}/")
        assert response is not None
        assert response.status == HTTPStatus.FORBIDDEN
        steps.shot(f"{table}-403")
    context.close()
