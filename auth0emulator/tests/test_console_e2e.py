"""The Console mode (`--console`) over real sockets: authz, code exchange, refresh, JWKS, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from auth0emulator.testing import EmulatorProcess, demo_seed, start_emulator

EXTENSION = "http://127.0.0.1:9999"
AUTHZ = "/tenants/demo-tenant/extension/authgw-extension/authz"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def console() -> Iterator[EmulatorProcess]:
    options = {"extension_url": EXTENSION, "callback_url": f"{EXTENSION}/cb?tenant=acme"}
    with start_emulator(demo_seed(), console=options) as running:
        yield running


def authz(console: EmulatorProcess, state: str = "state-1", path: str = AUTHZ) -> requests.Response:
    return requests.get(
        f"{console.url}{path}", params={"state": state}, allow_redirects=False, timeout=10
    )


def code_of(console: EmulatorProcess, state: str = "state-1") -> str:
    location = authz(console, state).headers["Location"]
    return parse_qs(urlsplit(location).query)["code"][0]


def exchange(console: EmulatorProcess, body: object) -> requests.Response:
    return requests.post(f"{console.url}/api/oauth/token", json=body, timeout=10)


def refresh(console: EmulatorProcess, token: str) -> requests.Response:
    body = {"refreshToken": token}
    return requests.post(f"{console.url}/api/refreshtoken", json=body, timeout=10)


def test_authz_redirects_to_the_registered_callback_keeping_its_query(console):
    response = authz(console, "s-1")

    location = urlsplit(response.headers["Location"])
    assert response.status_code == HTTPStatus.FOUND
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{EXTENSION}/cb"
    query = parse_qs(location.query)
    assert query["tenant"] == ["acme"]
    assert query["state"] == ["s-1"]
    assert len(query["code"][0]) >= 32


def test_authz_of_another_tenant_or_extension_is_404(console):
    response = authz(console, path="/tenants/other/extension/authgw-extension/authz")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "No such tenant or extension.",
    }


def test_authz_without_state_is_400(console):
    response = requests.get(f"{console.url}{AUTHZ}", allow_redirects=False, timeout=10)

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_the_code_gives_console_tokens_for_the_extension(console):
    answer = exchange(console, {"code": code_of(console), "state": "state-1"})

    assert answer.status_code == HTTPStatus.OK
    body = answer.json()
    assert set(body) == {"accessToken", "refreshToken", "expireAt"}
    keys = KeySet.import_key_set(requests.get(f"{console.url}/jwks", timeout=10).json())
    claims = jwt.decode(body["accessToken"], keys, algorithms=["RS256"]).claims
    assert claims["iss"] == console.url  # the base URL, no trailing slash
    assert claims["aud"] == [EXTENSION]
    assert claims["groups"] == ["admin"]
    assert claims["email"] == "admin@example.com"
    assert claims["exp"] == body["expireAt"]


def test_a_code_is_single_use_and_its_replay_revokes_the_grant(console):
    code = code_of(console)
    first = exchange(console, {"code": code, "state": "state-1"})

    replay = exchange(console, {"code": code, "state": "state-1"})

    assert replay.status_code == HTTPStatus.UNAUTHORIZED
    assert replay.json()["message"] == "The code was already used."
    assert refresh(console, first.json()["refreshToken"]).status_code == HTTPStatus.UNAUTHORIZED


def test_a_code_with_another_state_is_refused(console):
    answer = exchange(console, {"code": code_of(console, "mine"), "state": "theirs"})

    assert answer.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    "body", [{"code": "c"}, {"code": 1, "state": "s"}, "not json"], ids=["missing", "type", "raw"]
)
def test_a_malformed_token_request_is_400(console, body):
    data = body if isinstance(body, str) else json.dumps(body)
    answer = requests.post(
        f"{console.url}/api/oauth/token",
        data=data,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )

    assert answer.status_code == HTTPStatus.BAD_REQUEST


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_grant(console):
    tokens = exchange(console, {"code": code_of(console), "state": "state-1"}).json()

    renewed = refresh(console, tokens["refreshToken"])
    reuse = refresh(console, tokens["refreshToken"])

    assert renewed.status_code == HTTPStatus.OK
    assert renewed.json()["refreshToken"] != tokens["refreshToken"]
    assert reuse.status_code == HTTPStatus.UNAUTHORIZED
    assert refresh(console, renewed.json()["refreshToken"]).status_code == HTTPStatus.UNAUTHORIZED


def test_console_fault_knobs_apply_to_the_console_routes_only(console):
    console.set_faults({"console": {"fail_next": 2, "fail_status": 503}})
    try:
        assert requests.get(f"{console.url}/jwks", timeout=10).status_code == 503
        assert exchange(console, {"code": "c", "state": "s"}).status_code == 503
        discovery = requests.get(f"{console.url}/.well-known/openid-configuration", timeout=10)
        assert discovery.status_code == HTTPStatus.OK
        assert requests.get(f"{console.url}/jwks", timeout=10).status_code == HTTPStatus.OK
    finally:
        console.set_faults({})


def test_without_console_mode_the_console_routes_do_not_exist(emulator):
    assert authz(emulator).status_code == HTTPStatus.NOT_FOUND
    assert requests.get(f"{emulator.url}/jwks", timeout=10).status_code == HTTPStatus.NOT_FOUND
