"""Issue 9 item 5, over the wire: client identity headers never count; X-Forwarded-* only from
TRUSTED_PROXIES.

Against gunicorn, whose `header_map` decides whether `client_type` even reaches Django: with
`dangerous` it arrives as HTTP_CLIENT_TYPE, exactly like `client-type`, and the product must
still drop it (oauth2-proxy CVE-2025-64484 was that underscore spelling). The same cases in
process: acl/tests/test_identity_headers.py and auth0client/tests/test_forwarded_headers.py.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.e2e.product_process import product_env, raw_request, running_product
from tests.e2e.spoofing import IDENTITY_HEADERS, echo_policy, spellings

pytestmark = pytest.mark.e2e


# --- identity headers, over the wire ---------------------------------------------------------


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory):
    """gunicorn with header_map=dangerous: underscore spellings reach Django, folded."""
    workdir = tmp_path_factory.mktemp("echo")
    env = product_env(
        workdir,
        DJANGO_SETTINGS_MODULE="tests.e2e.echo_settings",
        CONFIGURATION_PATH=str(echo_policy(workdir).parent),
        CONFIGURATION_FILE_NAME="auth",
        ACL_USER_RESOLVER="acl.testing.StaticUserResolver",
        USER_PROPERTIES_TO_PROXY="email",
    )
    with running_product(env, workdir, args=("--header-map", "dangerous")) as product:
        yield product


def _raw_get(port: int, path: str, headers: list[str]) -> tuple[int, dict]:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *headers]
    status, body = raw_request(port, lines)
    return status, json.loads(body) if body.startswith(b"{") else {}


@pytest.mark.parametrize("name", list(IDENTITY_HEADERS))
def test_no_spelling_of_an_identity_header_reaches_a_view_over_the_wire(echo_server, name):
    sent = [f"{form}: {IDENTITY_HEADERS[name]}" for form in spellings(name)[:1]]
    underscored = [form for form in spellings(name) if "_" in form]
    sent += [f"{form}: {IDENTITY_HEADERS[name]}" for form in underscored[:1]]

    status, body = _raw_get(echo_server.port, "/echo", [*sent, "X_Custom_Probe: through"])

    assert status == HTTPStatus.OK
    # The control: this server does pass underscore headers on, so the product did the dropping.
    assert body["probe"] == "through"
    assert (body["meta"], body["user_id"], body["client_type"], body["upstream"]) == (
        [],
        None,
        None,
        {},
    )


def test_underscore_identity_headers_do_not_pass_forward_auth_over_the_wire(echo_server):
    headers = [
        "X-Original-URI: /users",
        "mia_userid: auth0|root",
        "MIA_GROUPS: admin",
        "miauserid: auth0|root",
        "MiaUserGroups: admin",
        "mia_allowed: 1",
    ]

    status, body = _raw_get(echo_server.port, "/auth", headers)

    assert status == HTTPStatus.UNAUTHORIZED
    assert body == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Sign in to access GET /users.",
    }


# --- X-Forwarded-*, over the wire (gunicorn and the product must agree on who is trusted) ------


@pytest.fixture(scope="module")
def untrusting_server(tmp_path_factory):
    """Loopback is NOT a trusted proxy here: every test client is an untrusted peer."""
    workdir = tmp_path_factory.mktemp("untrusting")
    proxies = "10.255.255.254/32"
    # gunicorn sets the scheme from X-Forwarded-Proto for FORWARDED_ALLOW_IPS peers: the two lists
    # must agree, or an untrusted peer would choose https (see SECURITY.md, "Forwarded headers").
    env = product_env(workdir, TRUSTED_PROXIES=proxies, FORWARDED_ALLOW_IPS=proxies)
    with running_product(env, workdir) as product:
        yield product


def test_logout_from_an_untrusted_peer_builds_urls_from_the_host_header(untrusting_server):
    response = requests.get(
        f"{untrusting_server.url}/logout?redirect=/x",
        headers={
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "10.0.0.1",
        },
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == HTTPStatus.FOUND
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["returnTo"] == [f"{untrusting_server.url}/x"]
    assert "secure" not in response.headers.get("Set-Cookie", "").lower()


def test_a_host_outside_allowed_hosts_is_refused_over_the_wire(untrusting_server):
    status, body = raw_request(
        untrusting_server.port,
        [
            "GET /logout?redirect=/x HTTP/1.1",
            "Host: evil.example",
        ],
    )

    assert status == HTTPStatus.BAD_REQUEST
    assert b"evil.example" not in body
