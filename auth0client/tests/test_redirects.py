from __future__ import annotations

import pytest
from django.test import RequestFactory

from auth0client.errors import ForeignOriginError
from auth0client.redirects import (
    client_ip,
    external_origin,
    refuse_foreign_origin,
    safe_redirect_path,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("/backoffice", "/backoffice", id="plain-path"),
        pytest.param("/a/b?x=1&y=%2F", "/a/b?x=1&y=%2F", id="query-kept"),
        pytest.param(
            "/web-login?redirect=/backoffice", "/web-login?redirect=/backoffice", id="nested"
        ),
        pytest.param("/p#frag", "/p#frag", id="fragment"),
        pytest.param(None, "/", id="missing"),
        pytest.param("", "/", id="empty"),
        pytest.param("//evil.com", "/", id="scheme-relative"),
        pytest.param("///evil.com", "/", id="triple-slash"),
        pytest.param("/\\evil.com", "/", id="slash-backslash"),
        pytest.param("\\\\evil.com", "/", id="double-backslash"),
        pytest.param("\\/evil.com", "/", id="backslash-slash"),
        pytest.param("https://evil.com", "/", id="absolute-https"),
        pytest.param("http:evil.com", "/", id="scheme-no-slashes"),
        pytest.param("http:/\\evil.com", "/", id="scheme-slash-backslash"),
        pytest.param("https://example.com.evil.com/", "/", id="suffix-host"),
        pytest.param("https://evil.com\\@example.com", "/", id="userinfo-trick"),
        pytest.param("%2F%2Fevil.com", "/", id="encoded-double-slash"),
        pytest.param("/%2F%2Fevil.com", "/", id="slash-then-encoded-slashes"),
        pytest.param("/%2f/evil.com", "/", id="lowercase-encoded-slash"),
        pytest.param("/%5Cevil.com", "/", id="encoded-backslash"),
        pytest.param("%2F%5Cevil.com%2Fa%3Fhttps%3A%2F%2Fus", "/", id="mod-auth-openidc-cve"),
        pytest.param("/%252F%252Fevil.com", "/", id="double-encoded"),
        pytest.param("javascript:alert(1)", "/", id="javascript"),
        pytest.param("JaVaScRiPt:alert(1)", "/", id="javascript-mixed-case"),
        pytest.param("data:text/html,<script>", "/", id="data-url"),
        pytest.param("/\t/evil.com", "/", id="tab"),
        pytest.param("/%09/evil.com", "/", id="encoded-tab"),
        pytest.param("/%0a/evil.com", "/", id="encoded-newline"),
        pytest.param("/%0d/evil.com", "/", id="encoded-cr"),
        pytest.param("/%0b/evil.com", "/", id="encoded-vertical-tab"),
        pytest.param("/\n/evil.com", "/", id="newline"),
        pytest.param("/\x00", "/", id="nul"),
        pytest.param("/\x7f", "/", id="delete"),
        pytest.param("%20//evil.com", "/", id="leading-space"),
        pytest.param(" /backoffice", "/", id="leading-space-path"),
        pytest.param("evil.com", "/", id="bare-host"),
        pytest.param("/" + "a" * 3000, "/", id="too-long"),
    ],
)
def test_only_same_site_relative_paths_are_accepted_as_redirect(raw, expected):
    assert safe_redirect_path(raw) == expected


@pytest.mark.parametrize(
    ("remote", "headers", "expected"),
    [
        pytest.param("127.0.0.1", {}, "http://testserver", id="no-headers"),
        pytest.param(
            "127.0.0.1",
            {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "localhost"},
            "https://localhost",
            id="trusted-proxy",
        ),
        pytest.param(
            "203.0.113.9",
            {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "localhost"},
            "http://testserver",
            id="untrusted-peer-ignored",
        ),
        pytest.param(
            "127.0.0.1",
            {"HTTP_X_FORWARDED_HOST": "evil.com"},
            "http://testserver",
            id="forwarded-host-not-allowed",
        ),
        pytest.param(
            "127.0.0.1", {"HTTP_X_FORWARDED_PROTO": "gopher"}, "http://testserver", id="bad-proto"
        ),
    ],
)
def test_external_origin_uses_forwarded_headers_only_from_trusted_proxies(
    settings, remote, headers, expected
):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)

    assert external_origin(request) == expected


def test_original_protocol_header_is_configurable(settings):
    from dataclasses import replace

    settings.LOGIN = replace(settings.LOGIN, original_protocol_header="x-original-proto")
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_ORIGINAL_PROTO="https")

    assert external_origin(request) == "https://testserver"


@pytest.mark.parametrize(
    ("remote", "forwarded_for", "expected"),
    [
        pytest.param("127.0.0.1", "198.51.100.7", "198.51.100.7", id="one-hop"),
        pytest.param(
            "127.0.0.1", "10.9.9.9, 198.51.100.7", "198.51.100.7", id="rightmost-untrusted"
        ),
        pytest.param("127.0.0.1", "198.51.100.7, 127.0.0.1", "198.51.100.7", id="skips-trusted"),
        pytest.param("203.0.113.9", "198.51.100.7", "203.0.113.9", id="spoofed-from-outside"),
        pytest.param("127.0.0.1", "not-an-ip", "127.0.0.1", id="garbage"),
    ],
)
def test_client_ip_walks_forwarded_for_right_to_left_over_trusted_hops(
    remote, forwarded_for, expected
):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == expected


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        pytest.param({}, False, id="no-origin"),
        pytest.param({"HTTP_ORIGIN": "http://testserver"}, False, id="same-origin"),
        pytest.param({"HTTP_ORIGIN": "https://evil.com"}, True, id="foreign-origin"),
        pytest.param({"HTTP_ORIGIN": "null"}, True, id="null-origin"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "cross-site"}, True, id="cross-site-fetch"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "same-origin"}, False, id="same-origin-fetch"),
    ],
)
def test_state_changing_requests_from_foreign_origins_are_refused(headers, refused):
    request = RequestFactory().post("/oauth/token", **headers)

    if refused:
        with pytest.raises(ForeignOriginError):
            refuse_foreign_origin(request)
    else:
        refuse_foreign_origin(request)
