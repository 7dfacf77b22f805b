"""The WSGI application in process: routing, the control API's loopback rule, discovery."""

from __future__ import annotations

import io
import json
from http import HTTPStatus
from wsgiref.util import setup_testing_defaults

import pytest
from authlib.oidc.discovery import OpenIDProviderMetadata

from auth0emulator.app import Emulator, EmulatorOptions
from auth0emulator.testing import demo_seed

ISSUER = "http://127.0.0.1:3999/"


@pytest.fixture(scope="module")
def app() -> Emulator:
    return Emulator(EmulatorOptions(seed=demo_seed(), issuer=ISSUER, data_path=":memory:"))


def call(app: Emulator, method: str, path: str, *, remote: str = "127.0.0.1", body: object = None):
    data = b"" if body is None else json.dumps(body).encode()
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "REMOTE_ADDR": remote,
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "HTTP_HOST": "127.0.0.1:3999",
        }
    )
    seen: dict = {}

    def start_response(status: str, headers: list) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    payload = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], json.loads(payload) if payload else None


def test_the_control_api_refuses_callers_off_the_loopback(app):
    status, _, body = call(
        app, "POST", "/__emulator/faults", remote="10.1.2.3", body={"token": {"force_429": True}}
    )
    assert status == HTTPStatus.FORBIDDEN
    assert body == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "The control API is local only.",
        "errorCode": "forbidden",
    }
    assert app.faults.snapshot() == {}
    assert call(app, "POST", "/__emulator/rotate-key", remote="192.168.0.9")[0] == 403
    assert (
        call(app, "POST", "/__emulator/clock", remote="::1", body={"advance_seconds": 0})[0] == 200
    )


def test_unknown_paths_and_methods_get_json_errors(app):
    status, _, body = call(app, "GET", "/nope")
    assert (status, body) == (
        404,
        {"statusCode": 404, "error": "Not Found", "message": "Not Found", "errorCode": "not_found"},
    )
    status, _, body = call(app, "PUT", "/oauth/token")
    assert (status, body) == (
        405,
        {
            "statusCode": 405,
            "error": "Method Not Allowed",
            "message": "Method Not Allowed",
            "errorCode": "method_not_allowed",
        },
    )


def test_the_discovery_document_is_valid_openid_provider_metadata(app):
    status, _, body = call(app, "GET", "/.well-known/openid-configuration")
    assert status == HTTPStatus.OK
    OpenIDProviderMetadata(body).validate()
    assert body["issuer"] == ISSUER
    assert body["code_challenge_methods_supported"] == ["S256"]


def test_a_seed_grant_for_any_api_v2_origin_grants_this_management_api(app):
    assert app.tenant.management_audience == f"{ISSUER}api/v2/"
    assert ("authgw-management", f"{ISSUER}api/v2/") in app.tenant.client_grants
