"""Issue 12 item 3: a password change ends the user's other sessions.

POST /hooks/auth0/post-change-password (Auth0's post-change-password trigger) ends every session
of the user, authenticated by its shared secret like the post-login hook; the API's password action
ends them too (the back office's: backoffice/tests/test_password_sessions.py). The emulator
calling the hook over real sockets: tests/e2e/test_password_change.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path

import pytest

from authgw.errors import error_body
from usermanager.tests import test_services_sessions
from usermanager.tests.test_services_sessions import alive, signed_in

pytestmark = pytest.mark.django_db

HOOK = "/hooks/auth0/post-change-password"
SECRET = "pw-hook-secret"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hook_secret(settings):
    settings.USERMANAGER = replace(settings.USERMANAGER, password_hook_secret=SECRET)
    return SECRET


def call_hook(client, body, secret: str | None = SECRET, **kwargs):
    headers = {} if secret is None else {"HTTP_X_HOOK_SECRET": secret}
    payload = body if isinstance(body, str) else json.dumps(body)
    return client.post(HOOK, payload, content_type="application/json", **headers, **kwargs)


# A user signed in twice (two browsers), and a bystander signed in once.
two_sessions = test_services_sessions.two_sessions


def test_the_hook_ends_every_session_of_the_user_and_no_other(client, hook_secret, two_sessions):
    user, sessions, other = two_sessions

    response = call_hook(client, {"user_id": user.auth_user_id})

    assert (response.status_code, response.content) == (HTTPStatus.NO_CONTENT, b"")
    assert [alive(sid) for sid in sessions] == [False, False]
    assert alive(other)


def test_the_hook_ends_the_sessions_of_an_auth0_user_that_ums_does_not_know(
    client, hook_secret, user_factory
):
    stranger = user_factory()
    sid = signed_in(stranger)
    type(stranger).objects.filter(pk=stranger.pk).delete()  # Auth0 still knows the user

    response = call_hook(client, {"user_id": stranger.auth_user_id})

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not alive(sid)


def test_the_hook_for_an_unknown_user_is_404(client, hook_secret):
    response = call_hook(client, {"user_id": "auth0|nobody"})

    assert response.json() == error_body(404, "No user is linked to the Auth0 user auth0|nobody.")


@pytest.mark.parametrize("secret", [None, "", "wrong", f"{SECRET}-but-longer", SECRET[:-1]])
def test_the_hook_refuses_a_missing_or_wrong_secret_and_ends_nothing(
    client, hook_secret, two_sessions, secret
):
    user, sessions, _ = two_sessions

    response = call_hook(client, {"user_id": user.auth_user_id}, secret=secret)

    assert response.json() == error_body(401, "Missing or wrong X-Hook-Secret header.")
    assert all(alive(sid) for sid in sessions)


def test_the_hook_accepts_the_post_login_secret_as_its_own(client, settings, two_sessions):
    # What settings.py builds from AUTH0_POST_LOGIN_HOOK_SECRET alone (see the env test below).
    settings.USERMANAGER = replace(
        settings.USERMANAGER, post_login_hook_secret="shared", password_hook_secret="shared"
    )
    user, sessions, _ = two_sessions

    response = call_hook(client, {"user_id": user.auth_user_id}, secret="shared")

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert [alive(sid) for sid in sessions] == [False, False]


def test_the_hook_is_disabled_without_a_secret(client, settings, two_sessions):
    settings.USERMANAGER = replace(
        settings.USERMANAGER, post_login_hook_secret="", password_hook_secret=""
    )
    user, sessions, _ = two_sessions

    refused = [call_hook(client, {"user_id": user.auth_user_id}, secret=s) for s in (None, "")]

    message = (
        "The post-change-password hook is disabled: set AUTH0_PASSWORD_HOOK_SECRET "
        "(or AUTH0_POST_LOGIN_HOOK_SECRET) to enable it."
    )
    assert [r.json() for r in refused] == [error_body(403, message)] * 2
    assert all(alive(sid) for sid in sessions)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({}, "user_id: This field is required.", id="empty"),
        pytest.param({"userId": "auth0|x"}, "user_id: This field is required.", id="wrong-key"),
        pytest.param({"user_id": ""}, "user_id: This field may not be blank.", id="blank"),
        pytest.param({"user_id": None}, "user_id: This field may not be null.", id="null"),
        pytest.param({"user_id": ["auth0|x"]}, "user_id: Not a valid string.", id="list"),
        pytest.param(
            {"user_id": "x" * 256},
            "user_id: Ensure this field has no more than 255 characters.",
            id="too-long",
        ),
        pytest.param(["auth0|x"], None, id="array-body"),
        pytest.param("not json", None, id="not-json"),
    ],
)
def test_the_hook_refuses_a_bad_body_in_the_error_shape(client, hook_secret, body, message):
    response = call_hook(client, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    if message is not None:
        assert response.json() == error_body(400, message)
    else:
        assert sorted(response.json()) == ["error", "message", "statusCode"]


# --- the admin's password actions -------------------------------------------------------------


def test_the_api_change_password_sends_a_ticket_and_signs_nobody_out_yet(api, auth0, two_sessions):
    """Sessions end when the ticket is used (the hook, tests/e2e/test_password_change.py)."""
    user, sessions, other = two_sessions

    response = api.post("/users/change-password", {"authUserId": user.auth_user_id}, format="json")

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert auth0.tickets == [user.auth_user_id]
    assert [alive(sid) for sid in sessions] == [True, True]
    assert alive(other)


# --- the secrets as read from the environment ------------------------------------------------


def _settings_in_a_fresh_process(**env: str) -> dict[str, str]:
    """The hook secrets a process started with exactly these variables ends up with."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'product': s.USERMANAGER.password_hook_secret, "
        "'emulator': s.AUTH0EMULATOR.password_hook_secret, "
        "'url': s.AUTH0EMULATOR.password_hook_url}))"
    )
    names = (
        "AUTH0_PASSWORD_HOOK_SECRET",
        "AUTH0_POST_LOGIN_HOOK_SECRET",
        "AUTH0EMULATOR_PASSWORD_HOOK_SECRET",
        "AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET",
        "AUTH0EMULATOR_PASSWORD_HOOK_URL",
    )
    base = {k: v for k, v in os.environ.items() if k not in names}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "authgw.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, ("", ""), id="none: both ends disabled"),
        pytest.param(
            {"AUTH0_POST_LOGIN_HOOK_SECRET": "login"}, ("login", "login"), id="post-login only"
        ),
        pytest.param(
            {"AUTH0_POST_LOGIN_HOOK_SECRET": "login", "AUTH0_PASSWORD_HOOK_SECRET": "pw"},
            ("pw", "pw"),
            id="own secret wins",
        ),
        pytest.param(
            {"AUTH0_PASSWORD_HOOK_SECRET": "pw", "AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET": "emu"},
            ("pw", "pw"),
            id="the product's password secret before the emulator's post-login one",
        ),
        pytest.param(
            {"AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET": "emu"}, ("", "emu"), id="emulator post-login"
        ),
        pytest.param(
            {"AUTH0_PASSWORD_HOOK_SECRET": "pw", "AUTH0EMULATOR_PASSWORD_HOOK_SECRET": "other"},
            ("pw", "other"),
            id="emulator's own",
        ),
    ],
)
def test_the_secrets_fall_back_so_one_variable_configures_both_ends(env, expected):
    found = _settings_in_a_fresh_process(
        AUTH0EMULATOR_PASSWORD_HOOK_URL="http://127.0.0.1:8080/hooks/auth0/post-change-password",
        **env,
    )

    assert (found["product"], found["emulator"]) == expected
    assert found["url"] == "http://127.0.0.1:8080/hooks/auth0/post-change-password"
