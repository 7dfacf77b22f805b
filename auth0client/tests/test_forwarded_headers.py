"""Issue 9 item 5, in process: X-Forwarded-For, -Proto and -Host count only from TRUSTED_PROXIES.

Over the wire, where gunicorn must agree with the product on who is trusted:
tests/e2e/test_headers_hardening.py.
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import RequestFactory

from auth0client.redirects import client_ip, external_origin, is_https

UNTRUSTED_PEER = "203.0.113.9"
ALLOWED_HOST = "127.0.0.1:8080"
LOGOUT_BASE = "http://127.0.0.1:3001/v2/logout"  # the default config's provider (the emulator)


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
