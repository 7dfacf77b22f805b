"""CONSOLE_URL unset: the Console routes answer 404 and Console-looking tokens change nothing."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from auth0client.console.services import console_bearer_user
from auth0client.console.tests.support import console_claims, console_settings, sign
from authgw.errors import error_body
from tests.hostile_idp import new_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("get", "/console-login", id="entry-point"),
        pytest.param("get", "/console-login/callback", id="callback"),
        pytest.param("post", "/api/token", id="token"),
    ],
)
def test_the_console_routes_answer_404_when_the_feature_is_off(client, settings, method, path):
    settings.CONSOLE = None

    response = getattr(client, method)(path)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == error_body(HTTPStatus.NOT_FOUND, f"No route for {path}.")
    assert not response.cookies


def test_a_console_token_is_left_to_the_auth0_validation_when_the_feature_is_off(
    settings, tmp_path
):
    config = console_settings(
        settings, tmp_path, url="https://console.example.com", extension_url="https://e.example"
    )
    token = sign(console_claims(config), new_key("k1"))
    settings.CONSOLE = None

    # No Console call, no Console validation: authenticate() goes on to the Auth0 paths as before.
    assert console_bearer_user(token) is None
