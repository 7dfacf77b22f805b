"""Issue 12 item 2: signing out ends the access token, not only the session.

An API client (no `website` scope) gets its access token in the body. Once its session ends (a
logout with the token itself, or the user blocked, moved out of PUBLIC, soft deleted or deleted),
that token is refused on /userinfo, /users/me, forward-auth and the product's protected routes
until it expires: it no longer falls through to "a JWT from Auth0, validate locally". A JWT that
authgw did not issue is still validated locally, but /users/me refuses it for a blocked user as
/userinfo does. The product is pytest-django's live server against a real emulator, so this runs
on the embedded default and on PostgreSQL + Redis; the two-process case is in test_revocation.py.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

import pytest
import requests

from auth0client.config import DEMO_CONNECTION
from tests.e2e.login_support import ADMIN, USER, Product, password_grant, product_config

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

API_SCOPES = ["offline_access", "profile", "email"]  # no `website`: tokens in the body
PROTECTED = "/anything"  # the shipped policy's `/`: any signed-in user (then 404: no such page)
# What each route answers a signed-in caller; a refused one gets 401 everywhere.
SIGNED_IN = {
    "/userinfo": HTTPStatus.OK,
    "/users/me": HTTPStatus.OK,
    "/auth": HTTPStatus.OK,
    PROTECTED: HTTPStatus.NOT_FOUND,
}
SIGNED_OUT = dict.fromkeys(SIGNED_IN, HTTPStatus.UNAUTHORIZED)


@pytest.fixture
def product(ums_product: Product, settings) -> Product:
    """`make run`'s set-up (the UMS resolver, `seed_demo`) with an API client as the default."""
    settings.AUTH0_SERVICE_CONFIG = product_config(
        ums_product.emulator, ums_product.url, scopes=API_SCOPES
    )
    return ums_product


def sign_in(product: Product, credentials: tuple[str, str]) -> str:
    """The password grant through authgw: the access token of a new session."""
    answer = password_grant(product.url, credentials)
    assert answer.status_code == HTTPStatus.OK, answer.text
    return str(answer.json()["accessToken"])


def provider_token(product: Product, credentials: tuple[str, str]) -> str:
    """An access token straight from the provider: authgw never issued it (no session)."""
    username, password = credentials
    answer = requests.post(
        f"{product.emulator.url}/oauth/token",
        data={
            "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
            "realm": DEMO_CONNECTION,
            "username": username,
            "password": password,
            "audience": "https://authgw.example.com/api",
            "scope": "openid profile email",
            "client_id": "authgw-web",
            "client_secret": "authgw-web-secret",
        },
        timeout=15,
    )
    assert answer.status_code == HTTPStatus.OK, answer.text
    return str(answer.json()["access_token"])


def answers(product: Product, token: str) -> dict[str, int]:
    """The status of each route for this bearer token."""
    bearer = {"Authorization": f"Bearer {token}"}
    found = {}
    for route in SIGNED_IN:
        extra = {"Original-Request-Uri": PROTECTED} if route == "/auth" else {}
        answer = requests.get(f"{product.url}{route}", headers=bearer | extra, timeout=15)
        found[route] = answer.status_code
    return found


def admin_call(product: Product, method: str, path: str, **kwargs) -> requests.Response:
    token = sign_in(product, ADMIN)
    return requests.request(
        method,
        f"{product.url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        **kwargs,
    )


def user_id(email: str) -> str:
    from usermanager.models import User

    return str(User.objects.get(email=email).id)


def test_logout_with_the_bearer_token_ends_the_token_on_every_route(product):
    token = sign_in(product, USER)
    assert answers(product, token) == SIGNED_IN

    logout = requests.get(
        f"{product.url}/logout",
        headers={"Authorization": f"Bearer {token}"},
        allow_redirects=False,
        timeout=15,
    )

    assert logout.status_code == HTTPStatus.FOUND
    assert answers(product, token) == SIGNED_OUT


def _block(product: Product, email: str) -> requests.Response:
    return admin_call(product, "PATCH", f"/users/{user_id(email)}", json={"blocked": True})


def _to_draft(product: Product, email: str) -> requests.Response:
    body = {"filter": {"email": email}, "stateTo": "DRAFT"}
    return admin_call(product, "POST", "/users/state", json=body)


def _soft_delete(product: Product, email: str) -> requests.Response:
    return admin_call(product, "POST", f"/users/{user_id(email)}/soft-delete")


def _delete(product: Product, email: str) -> requests.Response:
    return admin_call(product, "DELETE", f"/users/{user_id(email)}")


@pytest.mark.parametrize(
    ("end", "status"),
    [
        pytest.param(_block, HTTPStatus.OK, id="block"),
        pytest.param(_to_draft, HTTPStatus.OK, id="state-change"),
        pytest.param(_soft_delete, HTTPStatus.NO_CONTENT, id="soft-delete"),
        pytest.param(_delete, HTTPStatus.NO_CONTENT, id="delete"),
    ],
)
def test_a_user_who_may_no_longer_sign_in_loses_their_access_token_on_every_route(
    product, end: Callable[[Product, str], requests.Response], status
):
    token = sign_in(product, USER)
    assert answers(product, token) == SIGNED_IN

    ended = end(product, USER[0])

    assert ended.status_code == status, ended.text
    assert answers(product, token) == SIGNED_OUT


def test_unblocking_does_not_bring_an_ended_access_token_back(product):
    token = sign_in(product, USER)
    assert _block(product, USER[0]).status_code == HTTPStatus.OK
    assert answers(product, token) == SIGNED_OUT

    unblocked = admin_call(product, "PATCH", f"/users/{user_id(USER[0])}", json={"blocked": False})

    assert unblocked.status_code == HTTPStatus.OK, unblocked.text
    assert answers(product, token) == SIGNED_OUT
    assert answers(product, sign_in(product, USER)) == SIGNED_IN


def test_a_blocked_users_provider_token_gets_401_on_users_me_as_on_userinfo(product):
    token = provider_token(product, USER)
    assert answers(product, token) == SIGNED_IN  # a foreign JWT is still validated locally

    blocked = _block(product, USER[0])

    assert blocked.status_code == HTTPStatus.OK, blocked.text
    assert answers(product, token) == SIGNED_OUT
