"""Console access tokens as `Authorization: Bearer` on a protected route: each refusal is a 401.

The route `/console-area` is allowed by auth.json to `groups['extension-admins']` only.
"""

from __future__ import annotations

import time
from http import HTTPStatus

import pytest
import requests
import responses

from auth0client.console.tests.support import (
    AREA,
    console_claims,
    console_settings,
    forge_hs256_with_public_key,
    forge_unsigned,
    sign,
)
from auth0client.jwks import jwks_cache
from authgw.errors import error_body
from tests.hostile_idp import new_key

CONSOLE_URL = "https://console.example.com"
EXTENSION_URL = "https://ext.example.com"
KEY = new_key("console-key-1")
OTHER_KEY = new_key("console-key-1")  # same kid, another key: a forgery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_jwks_cache():
    jwks_cache.clear()
    yield
    jwks_cache.clear()


@pytest.fixture
def config(settings, tmp_path):
    return console_settings(settings, tmp_path, url=CONSOLE_URL, extension_url=EXTENSION_URL)


@pytest.fixture
def console():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def jwks(console):
    return console.get(f"{CONSOLE_URL}/jwks", json={"keys": [KEY.as_dict(private=False)]})


def bearer(client, token):
    return client.get(AREA, HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_refused(response):
    assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content
    assert response.json()["statusCode"] == HTTPStatus.UNAUTHORIZED


def test_a_good_console_token_is_accepted_and_its_groups_decide(client, config, jwks):
    response = bearer(client, sign(console_claims(config), KEY))

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "user_id": "console|alice",
        "groups": ["extension-admins"],
        "permissions": ["reports:read"],
    }


def test_an_audience_string_equal_to_the_extension_url_is_accepted(client, config, jwks):
    response = bearer(client, sign(console_claims(config, aud=EXTENSION_URL), KEY))

    assert response.status_code == HTTPStatus.OK


def test_configured_claim_names_carry_groups_and_permissions(client, settings, config, jwks):
    settings.CONSOLE = config.__class__(
        **{**config.__dict__, "groups_claim": "roles", "permissions_claim": "scopes"}
    )
    claims = console_claims(config, groups=None, roles=["extension-admins"], scopes=["a:b"])

    response = bearer(client, sign(claims, KEY))

    assert response.json()["groups"] == ["extension-admins"]
    assert response.json()["permissions"] == ["a:b"]


def test_a_token_signed_by_another_key_is_refused(client, config, jwks):
    assert_refused(bearer(client, sign(console_claims(config), OTHER_KEY)))


def test_alg_none_is_refused_without_fetching_the_jwks(client, config, console):
    assert_refused(bearer(client, forge_unsigned(console_claims(config))))


def test_hs256_keyed_with_the_public_key_is_refused(client, config, console):
    assert_refused(bearer(client, forge_hs256_with_public_key(console_claims(config), KEY)))


@pytest.mark.parametrize(
    "issuer",
    [
        pytest.param("https://console.example.com/", id="trailing-slash"),
        pytest.param("https://CONSOLE.example.com", id="case"),
    ],
)
def test_a_near_miss_issuer_is_refused_by_the_exact_iss_check(client, config, jwks, issuer):
    # A foreign issuer goes to the Auth0 validation instead: tests/e2e/test_console_sso.py.
    assert_refused(bearer(client, sign(console_claims(config, iss=issuer), KEY)))


def test_an_audience_without_the_extension_url_is_refused(client, config, jwks):
    claims = console_claims(config, aud=["https://other.example.com", f"{EXTENSION_URL}/x"])

    assert_refused(bearer(client, sign(claims, KEY)))


def test_a_token_without_audience_is_refused(client, config, jwks):
    assert_refused(bearer(client, sign(console_claims(config, aud=None), KEY)))


def test_an_expired_token_is_refused(client, config, jwks):
    past = int(time.time()) - 120  # beyond the 60 s leeway
    assert_refused(bearer(client, sign(console_claims(config, exp=past), KEY)))


def test_a_token_not_yet_valid_is_refused(client, config, jwks):
    later = int(time.time()) + 600
    assert_refused(bearer(client, sign(console_claims(config, nbf=later), KEY)))


def test_a_token_naming_its_own_key_is_refused(client, config, console):
    token = sign(console_claims(config), KEY, jku="https://evil.example/jwks")

    assert_refused(bearer(client, token))


def test_cached_keys_keep_working_while_the_console_jwks_is_down(client, config, console, jwks):
    assert bearer(client, sign(console_claims(config), KEY)).status_code == HTTPStatus.OK
    console.replace(responses.GET, f"{CONSOLE_URL}/jwks", body=requests.ConnectionError("down"))
    jwks_cache._entries[config.jwks_url].fetched_at -= 2 * 24 * 3600  # the keys are old now

    response = bearer(client, sign(console_claims(config), KEY))

    assert response.status_code == HTTPStatus.OK


def test_an_unknown_kid_while_the_jwks_is_down_is_not_taken_for_a_refusal(client, config, console):
    console.get(f"{CONSOLE_URL}/jwks", body=requests.ConnectionError("down"))

    response = bearer(client, sign(console_claims(config), new_key("never-published")))

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json() == error_body(
        HTTPStatus.BAD_GATEWAY, "The Console's signing keys are unavailable: try again in a moment."
    )
