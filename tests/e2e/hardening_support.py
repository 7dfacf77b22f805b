"""Shared steps of the hardening e2e tests (issue 9): the product pointed at a hostile provider."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from auth0client.config import Auth0ServiceConfig, parse_service_config
from tests import hostile_idp
from tests.hostile_idp import HostileIdP

# auth0client's own answer for the session (GET /users/me): the UMS /userinfo also needs a local
# user record, which the hostile provider's and most emulator users do not have.
ME = "/users/me"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def hostile_config(
    idp: HostileIdP, product_url: str, **client_fields: object
) -> Auth0ServiceConfig:
    """config.json with one `website` client whose provider is the hostile one."""
    client = {
        "auth0Url": idp.url,
        "clientId": hostile_idp.CLIENT_ID,
        "clientSecret": hostile_idp.CLIENT_SECRET,
        "redirectUrl": f"{product_url}/web-login/callback",
        "scopes": ["offline_access", "profile", "email", "website"],
        "audience": hostile_idp.AUDIENCE,
    }
    document = {
        "clients": {"web": client | client_fields},
        "defaultClient": "web",
        "customClaimsNamespaces": [hostile_idp.NAMESPACE],
    }
    return parse_service_config(document, source="hostile", lookup={}.get)


@dataclass(frozen=True)
class Callback:
    browser: requests.Session
    response: requests.Response
    seconds: float  # how long the product took to answer the callback


def code_flow(product_url: str, *, redirect: str = "/after-login", headers=None) -> Callback:
    """/authorize → the provider (which signs in at once) → the product's callback, not followed."""
    browser = requests.Session()
    browser.headers.update(headers or {})
    start = browser.get(
        f"{product_url}/authorize", params={"redirect": redirect}, allow_redirects=False, timeout=10
    )
    assert start.status_code == 302, start.text
    at_provider = browser.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    callback_url = at_provider.headers["Location"]
    assert callback_url.startswith(f"{product_url}/web-login/callback?"), callback_url
    began = time.perf_counter()
    answer = browser.get(callback_url, allow_redirects=False, timeout=30)
    return Callback(browser, answer, time.perf_counter() - began)


def signed_in(callback: Callback) -> bool:
    return callback.response.status_code == 302 and bool(callback.response.cookies.get("sid"))


def me(product_url: str, sid: str) -> requests.Response:
    """GET /users/me with the session cookie `sid`."""
    return requests.get(f"{product_url}{ME}", cookies={"sid": sid}, timeout=30)


def wait_for(predicate: Callable[[], bool], seconds: float = 10.0, every: float = 0.05) -> bool:
    """Polls `predicate` until it holds (True) or `seconds` have passed (its last answer)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def clears_session_cookie(response: requests.Response) -> bool:
    """The answer deletes `sid` (requests drops expired cookies, so read the header)."""
    return response.headers.get("Set-Cookie", "").startswith('sid=""; expires=Thu, 01 Jan 1970')
