"""Issue 12 item 3 over real sockets: a password change ends the user's other sessions.

The product (live_server) signs the user in against a real emulator, which is configured to
call the product's POST /hooks/auth0/post-change-password after every password change, as an
Auth0 post-change-password Action would. Once the password changes (Management API PATCH, or a
used change-password ticket) the old `sid` is refused and cannot refresh; another user's
session is left alone, and the new password opens a working session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from http import HTTPStatus
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from auth0emulator.testing import EmulatorProcess, demo_seed
from tests.e2e.hardening_support import me, wait_for
from tests.e2e.login_support import ADMIN, USER, password_sid, product_config

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

SECRET = "e2e-password-hook-secret"
NEW_PASSWORD = "Changed-Passw0rd!42"
DEADLINE_S = 15.0  # the emulator calls the hook in the background, as Auth0 does


@pytest.fixture
def product(live_server, settings, emulator_factory) -> tuple[str, EmulatorProcess]:
    emulator = emulator_factory(
        demo_seed(live_server.url),
        password_hook_url=f"{live_server.url}/hooks/auth0/post-change-password",
        password_hook_secret=SECRET,
    )
    settings.AUTH0_SERVICE_CONFIG = product_config(emulator, live_server.url)
    settings.USERMANAGER = replace(settings.USERMANAGER, password_hook_secret=SECRET)
    return live_server.url, emulator


def me_status(product: str, sid: str) -> int:
    return me(product, sid).status_code


def refresh(product: str, sid: str) -> int:
    return requests.post(
        f"{product}/refreshtoken", cookies={"sid": sid}, headers={"Origin": product}, timeout=10
    ).status_code


def refused_within(product: str, sid: str) -> bool:
    def refused() -> bool:
        return me_status(product, sid) == HTTPStatus.UNAUTHORIZED

    return wait_for(refused, seconds=DEADLINE_S, every=0.1)


def management(emulator: EmulatorProcess, method: str, path: str, **kwargs) -> requests.Response:
    token = emulator.management_token()
    return requests.request(
        method,
        f"{emulator.url}/api/v2/{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )


def user_id_of(emulator: EmulatorProcess, email: str) -> str:
    (user,) = management(emulator, "GET", "users-by-email", params={"email": email}).json()
    return str(user["user_id"])


def change_by_patch(emulator: EmulatorProcess, user_id: str) -> None:
    changed = management(emulator, "PATCH", f"users/{user_id}", json={"password": NEW_PASSWORD})
    assert changed.status_code == HTTPStatus.OK, changed.text


def change_by_ticket(emulator: EmulatorProcess, user_id: str) -> None:
    created = management(emulator, "POST", "tickets/password-change", json={"user_id": user_id})
    assert created.status_code == HTTPStatus.CREATED, created.text
    ticket = parse_qs(urlparse(created.json()["ticket"]).query)["ticket"][0]
    done = requests.post(
        f"{emulator.url}/lo/reset", data={"ticket": ticket, "password": NEW_PASSWORD}, timeout=10
    )
    assert done.status_code == HTTPStatus.OK, done.text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(change_by_patch, id="management-api-patch"),
        pytest.param(change_by_ticket, id="change-password-ticket"),
    ],
)
def test_a_password_change_ends_every_session_of_the_user(
    product, change: Callable[[EmulatorProcess, str], None]
):
    url, emulator = product
    old_sessions = [password_sid(url, USER), password_sid(url, USER)]  # two browsers
    bystander = password_sid(url, ADMIN)
    assert [me_status(url, sid) for sid in (*old_sessions, bystander)] == [HTTPStatus.OK] * 3

    change(emulator, user_id_of(emulator, USER[0]))

    assert [refused_within(url, sid) for sid in old_sessions] == [True, True]
    assert [refresh(url, sid) for sid in old_sessions] == [HTTPStatus.UNAUTHORIZED] * 2
    assert me_status(url, bystander) == HTTPStatus.OK
    fresh = password_sid(url, (USER[0], NEW_PASSWORD))
    assert (me_status(url, fresh), refresh(url, fresh)) == (HTTPStatus.OK, HTTPStatus.OK)
