"""Issue 9 item 5: client identity headers never count; X-Forwarded-* only from TRUSTED_PROXIES.

In process (the whole middleware stack, the product's URLconf plus an `/echo` view) and over the
wire against gunicorn, whose `header_map` decides whether `client_type` even reaches Django: with
`dangerous` it arrives as HTTP_CLIENT_TYPE, exactly like `client-type`, and the product must
still drop it (oauth2-proxy CVE-2025-64484 was that underscore spelling).
"""

from __future__ import annotations

import json
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import RequestFactory

from acl.testing import ADMIN
from auth0client.redirects import client_ip, external_origin, is_https
from tests.e2e.product_process import product_env, raw_request, running_product

ROOT = Path(__file__).resolve().parents[2]
# Every identity header a client could try: the ones the product sends upstream, and the
# forward-auth answer's names (`mia-*`), in the spellings servers fold into one META key.
IDENTITY_HEADERS = {
    "miauserid": "auth0|root",
    "miausergroups": "admin,root",
    "miauserproperties": '{"email":"root@evil.example"}',
    "client-type": "partner",
    "isbackoffice": "1",
    "mia-allowed": "1",
    "mia-userid": "auth0|root",
    "mia-groups": "admin,root",
    "mia-userproperties": '{"email":"root@evil.example"}',
}
UNTRUSTED_PEER = "203.0.113.9"
ALLOWED_HOST = "127.0.0.1:8080"


def spellings(name: str) -> list[str]:
    """`client-type`, `CLIENT-TYPE`, `Client-Type`, `client_type`, `CLIENT_TYPE`, ..."""
    title = "-".join(part.capitalize() for part in name.split("-"))
    forms = {name, name.upper(), title, f"{name[:3].capitalize()}{name[3:]}"}
    forms |= {form.replace("-", "_") for form in forms}
    return sorted(forms)


def meta_key(spelling: str) -> str:
    """What a WSGI server makes of a header name (PEP 3333 / CGI): hyphens and underscores meet."""
    return "HTTP_" + spelling.upper().replace("-", "_")


def spoofed_meta() -> dict[str, str]:
    return {meta_key(name): value for name, value in IDENTITY_HEADERS.items()}


def echo_policy(tmp_path: Path) -> Path:
    """The shipped default policy plus a public `/echo`."""
    policy = json.loads((ROOT / "acl" / "default_auth.json").read_text())
    policy["/echo"] = {"ALL": {"authorization": {"expression": "true", "public": True}}}
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(policy))
    return path


@pytest.fixture
def echo_product(settings, tmp_path):
    settings.ROOT_URLCONF = "tests.e2e.echo_urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    settings.ACL = replace(
        settings.ACL,
        policy_path=echo_policy(tmp_path),
        user_resolver="acl.testing.StaticUserResolver",
        user_properties_to_proxy=("email",),
    )


# --- identity headers, in process ------------------------------------------------------------


def test_every_spelling_folds_into_the_key_the_product_removes():
    for name in IDENTITY_HEADERS:
        assert {meta_key(form) for form in spellings(name)} == {meta_key(name)}, name
    assert "client_type" in spellings("client-type")


@pytest.mark.django_db
@pytest.mark.usefixtures("echo_product")
def test_identity_headers_never_reach_a_view_on_a_product_route(client):
    body = client.get("/echo", **spoofed_meta(), HTTP_X_CUSTOM_PROBE="kept").json()

    assert body == {
        "meta": [],
        "probe": "kept",
        "user_id": None,
        "groups": [],
        "client_type": None,
        "is_backoffice": False,
        "upstream": {},
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("echo_product")
def test_a_signed_in_caller_cannot_add_to_what_upstreams_are_told(client):
    body = client.get("/echo", **spoofed_meta(), HTTP_AUTHORIZATION="Bearer test-user-token").json()

    assert body["meta"] == []
    assert (body["user_id"], body["groups"]) == ("auth0|user", ["user"])
    assert body["upstream"] == {
        "miauserid": "auth0|user",
        "miausergroups": "user",
        "miauserproperties": '{"email":"user@example.com"}',
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("echo_product")
def test_identity_headers_do_not_open_a_protected_product_route(client):
    response = client.get("/users", **spoofed_meta(), HTTP_ACCEPT="application/json")

    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
@pytest.mark.usefixtures("echo_product")
def test_identity_headers_sent_to_forward_auth_do_not_make_a_user(client):
    spoofed = {key: value for key, value in spoofed_meta().items() if "CLIENT" not in key}

    response = client.get("/auth", HTTP_X_ORIGINAL_URI="/users", **spoofed)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert (response["mia-allowed"], response["mia-userid"], response["mia-groups"]) == (
        "0",
        "",
        "",
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("echo_product")
def test_forward_auth_answers_with_the_decided_user_not_the_sent_one(client):
    response = client.get(
        "/auth",
        HTTP_X_ORIGINAL_URI="/users",
        HTTP_AUTHORIZATION="Bearer test-admin-token",
        HTTP_MIA_GROUPS="root",
        HTTP_MIA_USERID="auth0|root",
        HTTP_MIAUSERGROUPS="root",
    )

    assert response.status_code == HTTPStatus.OK
    assert (response["mia-userid"], response["mia-groups"], response["mia-userproperties"]) == (
        ADMIN.user_id,
        "admin",
        '{"email":"admin@example.com"}',
    )


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


@pytest.mark.e2e
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


@pytest.mark.e2e
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


# --- X-Forwarded-*: only from TRUSTED_PROXIES --------------------------------------------------

LOGOUT_BASE = "http://127.0.0.1:3001/v2/logout"


def _return_to(response) -> str:
    location = response["Location"]
    assert location.startswith(LOGOUT_BASE), location
    return parse_qs(urlsplit(location).query)["returnTo"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        pytest.param(
            UNTRUSTED_PEER,
            {"HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_X_FORWARDED_PROTO": "https"},
            f"http://{ALLOWED_HOST}/x",
            id="untrusted-peer-headers-ignored",
        ),
        pytest.param(
            UNTRUSTED_PEER,
            {"HTTP_X_FORWARDED_HOST": "localhost:8080", "HTTP_X_FORWARDED_PROTO": "https"},
            f"http://{ALLOWED_HOST}/x",
            id="untrusted-peer-even-an-allowed-host-ignored",
        ),
        pytest.param(
            "127.0.0.1",
            {"HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_X_FORWARDED_PROTO": "https"},
            f"https://{ALLOWED_HOST}/x",
            id="trusted-peer-foreign-host-ignored",
        ),
        pytest.param(
            "127.0.0.1",
            {"HTTP_X_FORWARDED_HOST": "localhost:8080", "HTTP_X_FORWARDED_PROTO": "https"},
            "https://localhost:8080/x",
            id="trusted-peer-allowed-host-used",
        ),
    ],
)
def test_logout_return_url_uses_forwarded_headers_only_from_trusted_proxies(
    client, settings, peer, forwarded, expected
):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

    response = client.get(
        "/logout?redirect=/x", REMOTE_ADDR=peer, HTTP_HOST=ALLOWED_HOST, **forwarded
    )

    assert response.status_code == HTTPStatus.FOUND
    assert _return_to(response) == expected


@pytest.mark.django_db
def test_a_host_outside_allowed_hosts_is_refused_not_used(client, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

    response = client.get(
        "/logout?redirect=/x", REMOTE_ADDR=UNTRUSTED_PEER, HTTP_HOST="evil.example"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Location" not in response
    assert "evil.example" not in response.content.decode()


@pytest.mark.django_db
def test_the_login_redirect_is_relative_whatever_the_forwarded_host(client, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

    response = client.get(
        "/users?tab=1",
        REMOTE_ADDR="127.0.0.1",
        HTTP_HOST=ALLOWED_HOST,
        HTTP_ACCEPT="text/html",
        HTTP_X_FORWARDED_HOST="evil.example",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/web-login?redirect=%2Fusers%3Ftab%3D1"


@pytest.mark.django_db
def test_a_spoofed_forwarded_host_cannot_make_a_foreign_origin_ours(client, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    client.cookies["sid"] = "a" * 43

    response = client.post(
        "/logout",
        REMOTE_ADDR=UNTRUSTED_PEER,
        HTTP_HOST=ALLOWED_HOST,
        HTTP_ORIGIN="http://evil.example",
        HTTP_X_FORWARDED_HOST="evil.example",
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "Cross-origin request refused.",
    }


@pytest.mark.parametrize(
    ("peer", "expected_ip", "expected_https", "expected_origin"),
    [
        pytest.param(
            UNTRUSTED_PEER, UNTRUSTED_PEER, False, f"http://{ALLOWED_HOST}", id="untrusted"
        ),
        pytest.param("127.0.0.1", "198.51.100.4", True, "https://localhost:8080", id="trusted"),
    ],
)
def test_forwarded_for_proto_and_host_count_only_from_a_trusted_peer(
    settings, peer, expected_ip, expected_https, expected_origin
):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR=peer,
        HTTP_HOST=ALLOWED_HOST,
        # Right to left: 10.0.0.1 is the client's own claim, 198.51.100.4 what our proxy saw.
        HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.4",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="localhost:8080",
    )

    assert (client_ip(request), is_https(request), external_origin(request)) == (
        expected_ip,
        expected_https,
        expected_origin,
    )


def test_an_empty_trusted_proxies_list_trusts_nobody(settings):
    settings.TRUSTED_PROXIES = ()
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert (client_ip(request), is_https(request)) == ("127.0.0.1", False)


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


@pytest.mark.e2e
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


@pytest.mark.e2e
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
