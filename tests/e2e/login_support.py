"""Shared steps of the login e2e tests: the product (live_server) pointed at a real emulator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from http import HTTPStatus
from urllib.parse import urljoin

import requests

from auth0client.config import Auth0ServiceConfig, default_config_document, parse_service_config
from auth0emulator.testing import EmulatorProcess

ADMIN = ("admin@example.com", "Admin-Passw0rd!")
USER = ("user@example.com", "User-Passw0rd!")
_STATE_FIELD = re.compile(r"name='state' value='([^']*)'")


@dataclass(frozen=True)
class Product:
    url: str
    emulator: EmulatorProcess


def product_config(
    emulator: EmulatorProcess, product_url: str, **client_fields: object
) -> Auth0ServiceConfig:
    """The demo config (CONTRACTS.md) with the emulator's and the live server's real URLs."""
    document = default_config_document(auth0_url=emulator.url, product_url=product_url)
    document["clients"]["web"].update(client_fields)
    return parse_service_config(document, source="e2e", lookup={}.get)


def sign_in_at_the_provider(
    browser: requests.Session,
    product_url: str,
    credentials: tuple[str, str] = ADMIN,
    redirect: str = "/after-login",
) -> requests.Response:
    """/authorize, then the emulator's hosted login page with `credentials`: the emulator's
    answer, a redirect to the product's callback (not followed)."""
    page = browser.get(f"{product_url}/authorize", params={"redirect": redirect}, timeout=10)
    assert page.status_code == HTTPStatus.OK, page.text
    state = unescape(_STATE_FIELD.search(page.text).group(1))
    username, password = credentials
    return browser.post(
        urljoin(page.url, "/u/login"),
        data={"state": state, "username": username, "password": password, "action": "default"},
        allow_redirects=False,
        timeout=10,
    )


def browser_login(
    product: Product, credentials: tuple[str, str] = ADMIN, redirect: str = "/after-login"
) -> tuple[requests.Session, requests.Response]:
    """The code flow the way a browser walks it, with one cookie jar for both hosts."""
    browser = requests.Session()
    answer = sign_in_at_the_provider(browser, product.url, credentials, redirect)
    assert answer.url.startswith(f"{product.emulator.url}/"), answer.url
    assert answer.status_code == HTTPStatus.FOUND, answer.text
    callback = answer.headers["Location"]
    assert callback.startswith(f"{product.url}/web-login/callback?"), callback
    final = browser.get(callback, allow_redirects=False, timeout=10)
    return browser, final


def password_grant(
    product_url: str,
    credentials: tuple[str, str],
    *,
    headers: dict[str, str] | None = None,
    **fields: str,
) -> requests.Response:
    """POST /oauth/token with `grant_type=password`, a form as the login page sends it."""
    username, password = credentials
    form = {"grant_type": "password", "username": username, "password": password, **fields}
    return requests.post(f"{product_url}/oauth/token", data=form, headers=headers, timeout=15)


def password_sid(product_url: str, credentials: tuple[str, str] = ADMIN) -> str:
    """A new session through the password grant of a website client: its `sid` cookie."""
    answer = password_grant(product_url, credentials)
    assert answer.status_code == HTTPStatus.OK, answer.text
    return answer.cookies["sid"]
