"""The post-change-password hook: called with the shared secret after every password change
(Management API PATCH with `password`, a used change-password ticket), and only then."""

from __future__ import annotations

import time
from http import HTTPStatus
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from auth0emulator.tests import test_hook_e2e
from auth0emulator.tests.helpers import USER, WEB, bearer, get, post
from auth0emulator.tests.test_hook_e2e import HookServer

pytestmark = pytest.mark.e2e
hook = test_hook_e2e.hook  # a small HTTP server that records each call
SECRET = "password-hook-secret"
NEW_PASSWORD = "Changed-Passw0rd!42"


def wait_for_calls(server: HookServer, count: int, seconds: float = 15.0) -> list:
    """The hook runs in the background, as Auth0's does: poll its calls with a deadline."""
    deadline = time.monotonic() + seconds
    while len(server.calls) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(server.calls)


def patch(url: str, token: str, body: dict) -> int:
    return requests.patch(url, json=body, headers=bearer(token), timeout=10).status_code


@pytest.fixture
def tenant(emulator_factory, hook):
    url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
    emulator = emulator_factory(password_hook_url=url, password_hook_secret=SECRET)
    token = emulator.management_token()
    (user,) = get(
        f"{emulator.url}/api/v2/users-by-email", params={"email": USER[0]}, headers=bearer(token)
    ).json()
    return emulator, token, user["user_id"]


def test_a_password_patch_calls_the_hook_and_a_profile_patch_does_not(tenant, hook):
    emulator, token, user_id = tenant
    users = f"{emulator.url}/api/v2/users/{user_id}"

    renamed = patch(users, token, {"name": "Renamed"})
    changed = patch(users, token, {"password": NEW_PASSWORD})

    assert (renamed, changed) == (HTTPStatus.OK, HTTPStatus.OK)
    assert wait_for_calls(hook, 1) == [({"user_id": user_id}, SECRET)]


def test_a_used_password_change_ticket_calls_the_hook(tenant, hook):
    emulator, token, user_id = tenant
    created = post(
        f"{emulator.url}/api/v2/tickets/password-change",
        json={"user_id": user_id},
        headers=bearer(token),
    )
    ticket = parse_qs(urlparse(created.json()["ticket"]).query)["ticket"][0]

    done = post(f"{emulator.url}/lo/reset", data={"ticket": ticket, "password": NEW_PASSWORD})

    assert done.status_code == HTTPStatus.OK
    assert wait_for_calls(hook, 1) == [({"user_id": user_id}, SECRET)]


def test_a_refused_password_calls_no_hook(tenant, hook):
    emulator, token, user_id = tenant

    weak = patch(f"{emulator.url}/api/v2/users/{user_id}", token, {"password": "x"})
    changed = patch(f"{emulator.url}/api/v2/users/{user_id}", token, {"password": NEW_PASSWORD})

    assert (weak, changed) == (HTTPStatus.BAD_REQUEST, HTTPStatus.OK)
    assert wait_for_calls(hook, 1) == [({"user_id": user_id}, SECRET)]  # the second one only


def test_a_failing_hook_does_not_undo_the_change(tenant, hook):
    emulator, token, user_id = tenant
    hook.answer_status = HTTPStatus.INTERNAL_SERVER_ERROR

    changed = patch(f"{emulator.url}/api/v2/users/{user_id}", token, {"password": NEW_PASSWORD})
    calls = wait_for_calls(hook, 1)
    signed_in = post(
        f"{emulator.url}/oauth/token",
        data={"grant_type": "password", "username": USER[0], "password": NEW_PASSWORD},
        auth=WEB,
    )

    assert (changed, len(calls)) == (HTTPStatus.OK, 1)
    assert signed_in.status_code == HTTPStatus.OK  # Auth0's trigger does not block the change
