"""The post-login hook: called with the shared secret at token issuance, its answer merged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from auth0emulator.tests.helpers import (
    ADMIN,
    API,
    NAMESPACE,
    WEB,
    bearer,
    discovery,
    get,
    post,
    verify_jwt,
)

pytestmark = pytest.mark.e2e
SECRET = "hook-secret"


class HookServer(ThreadingHTTPServer):
    answer_status = HTTPStatus.OK
    calls: list[tuple[dict, str | None]]


class HookHandler(BaseHTTPRequestHandler):
    server: HookServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.calls.append((body, self.headers.get("X-Hook-Secret")))
        answer = json.dumps(
            {"groups": ["backoffice"], "permissions": ["orders:read"], "customerId": "c-42"}
        ).encode()
        self.send_response(self.server.answer_status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        """Quiet."""


@pytest.fixture
def hook() -> Iterator[HookServer]:
    server = HookServer(("127.0.0.1", 0), HookHandler)
    server.calls = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _password_login(emulator) -> requests.Response:
    data = {
        "grant_type": "password",
        "username": ADMIN[0],
        "password": ADMIN[1],
        "scope": "openid profile",
        "audience": API,
    }
    return post(f"{emulator.url}/oauth/token", data=data, auth=WEB)


def test_the_hook_answer_is_merged_into_app_metadata_of_every_token(emulator_factory, hook):
    emulator = emulator_factory(
        hook_url=f"http://127.0.0.1:{hook.server_address[1]}/hook", hook_secret=SECRET
    )
    token = _password_login(emulator).json()
    jwks = discovery(emulator.issuer)["jwks_uri"]
    expected = {"groups": ["backoffice"], "permissions": ["orders:read"], "customerId": "c-42"}
    _, id_claims = verify_jwt(token["id_token"], jwks)
    _, access = verify_jwt(token["access_token"], jwks)
    assert id_claims[f"{NAMESPACE}app_metadata"] == expected
    assert access[f"{NAMESPACE}app_metadata"] == expected
    info = get(f"{emulator.url}/userinfo", headers=bearer(token["access_token"])).json()
    assert info[f"{NAMESPACE}app_metadata"] == expected
    assert hook.calls[0] == ({"user_id": id_claims["sub"]}, SECRET)
    assert len(hook.calls) == 2  # the token request, then /userinfo


def test_a_failing_hook_denies_the_login(emulator_factory, hook):
    hook.answer_status = HTTPStatus.INTERNAL_SERVER_ERROR
    emulator = emulator_factory(
        hook_url=f"http://127.0.0.1:{hook.server_address[1]}/hook", hook_secret=SECRET
    )
    refused = _password_login(emulator)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {
        "error": "access_denied",
        "error_description": "The post-login hook failed",
    }


def test_a_hook_that_does_not_know_the_user_adds_nothing(emulator_factory, hook):
    hook.answer_status = HTTPStatus.NOT_FOUND
    emulator = emulator_factory(
        hook_url=f"http://127.0.0.1:{hook.server_address[1]}/hook", hook_secret=SECRET
    )
    token = _password_login(emulator).json()
    _, id_claims = verify_jwt(token["id_token"], discovery(emulator.issuer)["jwks_uri"])
    assert id_claims[f"{NAMESPACE}app_metadata"] == {"groups": ["admin"]}
