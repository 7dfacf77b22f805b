"""End to end over real sockets: the product (live_server) against the auth0emulator."""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from authgw.errors import error_body
from tests.e2e.login_support import (
    ADMIN,
    USER,
    Product,
    browser_login,
    password_grant,
    product_config,
)

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def product(emulated_product: Product) -> Product:
    return emulated_product


def test_code_flow_signs_in_and_userinfo_answers_without_calling_the_provider(product):
    browser, final = browser_login(product, ADMIN, redirect="/after-login?tab=2")

    assert final.status_code == HTTPStatus.FOUND
    assert final.headers["Location"] == "/after-login?tab=2"
    sid = final.cookies["sid"]
    assert len(sid) == 43
    product.emulator.set_faults({"*": {"fail_rate": 1.0, "fail_status": 503}})
    info = browser.get(f"{product.url}/userinfo", timeout=10)
    assert info.status_code == HTTPStatus.OK, info.text
    body = info.json()
    assert body["sub"].startswith("auth0|")
    assert body["email"] == "admin@example.com"
    assert body["name"] == "Demo Admin"
    assert body["groups"] == ["admin"]
    assert body["permissions"] == ["read:orders", "write:orders"]


def test_password_grant_gives_a_website_client_only_a_cookie(product):
    answer = password_grant(product.url, USER)

    assert answer.status_code == HTTPStatus.OK, answer.text
    assert answer.content == b""
    name_value, *attributes = answer.headers["Set-Cookie"].split("; ")
    assert name_value == f"sid={answer.cookies['sid']}"
    assert {item for item in attributes if not item.startswith("expires=")} == {
        "HttpOnly",
        "Max-Age=86400",
        "Path=/",
        "SameSite=Lax",
    }
    info = requests.get(
        f"{product.url}/userinfo", cookies={"sid": answer.cookies["sid"]}, timeout=10
    )
    assert info.json()["groups"] == ["user"]


def test_wrong_password_is_403_and_unknown_account_looks_the_same(product):
    wrong = password_grant(product.url, (ADMIN[0], "nope"))
    unknown = password_grant(product.url, ("ghost@example.com", "nope"))

    expected = error_body(HTTPStatus.FORBIDDEN, "Wrong username or password.")
    assert (wrong.status_code, wrong.json()) == (HTTPStatus.FORBIDDEN, expected)
    assert (unknown.status_code, unknown.json()) == (HTTPStatus.FORBIDDEN, expected)


def test_refresh_renews_the_tokens_of_an_api_client(product, settings):
    api_scopes = ["offline_access", "profile"]  # no `website`: the tokens come in the body
    settings.AUTH0_SERVICE_CONFIG = product_config(product.emulator, product.url, scopes=api_scopes)
    username, password = ADMIN
    login = requests.post(
        f"{product.url}/oauth/token",
        json={"grant_type": "password", "username": username, "password": password},
        timeout=10,
    )
    assert login.status_code == HTTPStatus.OK, login.text
    tokens = login.json()
    assert sorted(tokens) == ["accessToken", "expireAt", "idToken"]
    product.emulator.advance_clock(5)  # tokens minted in the same second would be identical

    refreshed = requests.post(
        f"{product.url}/refreshtoken",
        headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        timeout=10,
    )

    assert refreshed.status_code == HTTPStatus.OK, refreshed.text
    new = refreshed.json()
    assert sorted(new) == ["accessToken", "expireAt", "idToken"]
    assert new["accessToken"] != tokens["accessToken"]
    info = requests.get(
        f"{product.url}/userinfo",
        headers={"Authorization": f"Bearer {new['accessToken']}"},
        timeout=10,
    )
    assert info.json()["name"] == "Demo Admin"


def test_logout_ends_the_session_and_sends_the_browser_to_the_provider(product, settings):
    # Auth0 matches returnTo against the application's allowed logout URLs only with client_id.
    settings.LOGIN = replace(settings.LOGIN, logout_client_id_enabled=True)
    browser, final = browser_login(product, ADMIN)
    sid = final.cookies["sid"]

    answer = browser.get(
        f"{product.url}/logout",
        params={"redirect": "/web-login?redirect=/bo"},
        allow_redirects=False,
        timeout=10,
    )

    assert answer.status_code == HTTPStatus.FOUND
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{product.emulator.url}/v2/logout"
    )
    assert parse_qs(location.query) == {
        "returnTo": [f"{product.url}/web-login?redirect=/bo"],
        "client_id": ["authgw-web"],
    }
    assert answer.headers["Set-Cookie"].startswith('sid=""; expires=Thu, 01 Jan 1970')
    gone = requests.get(f"{product.url}/userinfo", cookies={"sid": sid}, timeout=10)
    assert gone.status_code == HTTPStatus.UNAUTHORIZED
    back = browser.get(answer.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == HTTPStatus.FOUND
    assert back.headers["Location"] == f"{product.url}/web-login?redirect=/bo"


def test_signing_key_rotation_is_picked_up_by_one_jwks_refetch(product):
    browser_login(product, ADMIN)
    product.emulator.rotate_key()

    _, final = browser_login(product, USER)

    assert final.status_code == HTTPStatus.FOUND
    assert "sid" in final.cookies


def test_token_endpoint_failure_at_the_callback_makes_no_session_and_a_retry_works(product):
    product.emulator.set_faults({"token": {"fail_next": 1, "fail_status": 503}})

    _, failed = browser_login(product, ADMIN)

    assert failed.status_code == HTTPStatus.BAD_GATEWAY
    assert "sid" not in failed.cookies
    _, retried = browser_login(product, ADMIN)
    assert retried.status_code == HTTPStatus.FOUND
    assert "sid" in retried.cookies
