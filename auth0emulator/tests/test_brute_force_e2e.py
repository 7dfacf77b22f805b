"""Auth0's brute-force protection over real HTTP: 10 failures per email and IP, then 429."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from auth0emulator.tenant import PASSWORD_REALM
from auth0emulator.tests.helpers import (
    ADMIN,
    CALLBACK,
    USER,
    WEB,
    Browser,
    bearer,
    browser_login,
    post,
)

pytestmark = pytest.mark.e2e

TOO_MANY_ATTEMPTS = {
    "error": "too_many_attempts",
    "error_description": "Your account has been blocked after multiple consecutive login "
    "attempts. We've sent you an email with instructions on how to unblock it.",
}
WRONG = {"error": "invalid_grant", "error_description": "Wrong email or password."}
BLOCKED_PAGE = "Your account has been blocked after multiple consecutive login attempts."


def password_grant(emulator, username: str, password: str, *, realm: bool = False):
    data = {"grant_type": "password", "username": username, "password": password}
    if realm:
        data |= {"grant_type": PASSWORD_REALM, "realm": "Username-Password-Authentication"}
    return post(f"{emulator.url}/oauth/token", data=data, auth=WEB)


def answers(emulator, username: str, password: str, times: int) -> list[int]:
    return [password_grant(emulator, username, password).status_code for _ in range(times)]


def hosted_login(emulator, username: str, password: str):
    client = OAuth2Session(WEB[0], scope="openid", redirect_uri=CALLBACK)
    challenge = create_s256_code_challenge(generate_token(48))
    url, _ = client.create_authorization_url(
        f"{emulator.url}/authorize", code_challenge=challenge, code_challenge_method="S256"
    )
    return browser_login(Browser(), url, username, password)


def test_ten_wrong_passwords_block_the_eleventh_attempt_even_with_the_right_one(emulator):
    assert answers(emulator, ADMIN[0], "nope", 10) == [HTTPStatus.FORBIDDEN] * 10

    blocked = password_grant(emulator, *ADMIN)
    page = hosted_login(emulator, *ADMIN)

    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert blocked.json() == TOO_MANY_ATTEMPTS
    assert page.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert BLOCKED_PAGE in page.text
    assert "Location" not in page.headers
    assert password_grant(emulator, *USER).status_code == HTTPStatus.OK  # other accounts: no


def test_the_hosted_login_page_counts_and_blocks_like_the_token_endpoint(emulator):
    wrong = [hosted_login(emulator, ADMIN[0], "nope") for _ in range(10)]

    assert [page.status_code for page in wrong] == [HTTPStatus.BAD_REQUEST] * 10
    page = hosted_login(emulator, *ADMIN)
    assert page.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert BLOCKED_PAGE in page.text
    assert password_grant(emulator, *ADMIN).json() == TOO_MANY_ATTEMPTS


def test_a_successful_login_resets_the_count(emulator):
    first = [password_grant(emulator, ADMIN[0], "nope", realm=True) for _ in range(9)]
    signed_in = password_grant(emulator, *ADMIN, realm=True)
    again = answers(emulator, ADMIN[0], "nope", 9)

    assert [answer.json() for answer in first] == [WRONG] * 9
    assert signed_in.status_code == HTTPStatus.OK
    assert again == [HTTPStatus.FORBIDDEN] * 9
    assert password_grant(emulator, *ADMIN).status_code == HTTPStatus.OK


def test_an_unknown_email_is_blocked_like_a_known_one(emulator):
    """Otherwise the eleventh answer would tell which accounts exist."""
    assert answers(emulator, "ghost@example.com", "nope", 10) == [HTTPStatus.FORBIDDEN] * 10

    assert password_grant(emulator, "ghost@example.com", "nope").json() == TOO_MANY_ATTEMPTS


def test_a_password_change_or_thirty_days_lift_the_block(emulator):
    answers(emulator, ADMIN[0], "nope", 10)
    answers(emulator, USER[0], "nope", 10)
    token = emulator.management_token()
    admin_id = password_user_id(emulator, token, ADMIN[0])
    changed = emulator_patch(emulator, token, admin_id, {"password": "Changed-Passw0rd!"})

    assert changed.status_code == HTTPStatus.OK
    assert password_grant(emulator, ADMIN[0], "Changed-Passw0rd!").status_code == HTTPStatus.OK
    assert password_grant(emulator, *USER).json() == TOO_MANY_ATTEMPTS
    emulator.advance_clock(30 * 24 * 3600)
    assert password_grant(emulator, *USER).status_code == HTTPStatus.OK


def test_a_brute_force_limit_of_zero_never_blocks(emulator_factory):
    emulator = emulator_factory(brute_force_limit=0)

    assert answers(emulator, ADMIN[0], "nope", 15) == [HTTPStatus.FORBIDDEN] * 15
    assert password_grant(emulator, *ADMIN).status_code == HTTPStatus.OK


def test_a_brute_force_limit_sets_the_number_of_failures(emulator_factory):
    emulator = emulator_factory(brute_force_limit=3)

    assert answers(emulator, ADMIN[0], "nope", 3) == [HTTPStatus.FORBIDDEN] * 3
    assert password_grant(emulator, *ADMIN).json() == TOO_MANY_ATTEMPTS


def password_user_id(emulator, token: str, email: str) -> str:
    found = Browser().get(
        f"{emulator.url}/api/v2/users-by-email", params={"email": email}, headers=bearer(token)
    )
    return str(found.json()[0]["user_id"])


def emulator_patch(emulator, token: str, user_id: str, body: dict):
    return Browser().patch(
        f"{emulator.url}/api/v2/users/{user_id}", json=body, headers=bearer(token)
    )
