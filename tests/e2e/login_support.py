"""Shared steps of the login e2e tests: the product (live_server) pointed at a real emulator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin

import requests

from auth0client.config import default_config_document, parse_service_config
from auth0emulator.testing import EmulatorProcess

ADMIN = ("admin@example.com", "Admin-Passw0rd!")
USER = ("user@example.com", "User-Passw0rd!")
_STATE_FIELD = re.compile(r"name='state' value='([^']*)'")


@dataclass(frozen=True)
class Product:
    url: str
    emulator: EmulatorProcess


def product_config(emulator: EmulatorProcess, product_url: str, **client_fields: object):
    """The demo config (CONTRACTS.md) with the emulator's and the live server's real URLs."""
    document = default_config_document(auth0_url=emulator.url, product_url=product_url)
    document["clients"]["web"].update(client_fields)
    return parse_service_config(document, source="e2e", lookup={}.get)


def browser_login(
    product: Product, credentials: tuple[str, str] = ADMIN, redirect: str = "/after-login"
) -> tuple[requests.Session, requests.Response]:
    """The code flow the way a browser walks it, with one cookie jar for both hosts."""
    browser = requests.Session()
    page = browser.get(f"{product.url}/authorize", params={"redirect": redirect}, timeout=10)
    assert page.status_code == 200, page.text
    assert page.url.startswith(f"{product.emulator.url}/"), page.url
    state = unescape(_STATE_FIELD.search(page.text).group(1))
    username, password = credentials
    answer = browser.post(
        urljoin(page.url, "/u/login"),
        data={"state": state, "username": username, "password": password, "action": "default"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    callback = answer.headers["Location"]
    assert callback.startswith(f"{product.url}/web-login/callback?"), callback
    final = browser.get(callback, allow_redirects=False, timeout=10)
    return browser, final
