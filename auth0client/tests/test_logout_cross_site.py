"""Issue 12 item 7: another site cannot sign the browser out through `GET /logout`."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from responses import matchers

from auth0client.sessions import session_get_by_sid
from auth0client.tests import idp

pytestmark = [pytest.mark.django_db, pytest.mark.auth0client_only]

USERINFO = "/users/me"
PROVIDER_LOGOUT = f"{idp.ISSUER}v2/logout"
CHAIN = "/web-login?redirect=/backoffice"

CROSS_SITE = [
    pytest.param({"HTTP_SEC_FETCH_SITE": "cross-site"}, id="sec-fetch-site-cross-site"),
    pytest.param(
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_REFERER": "http://testserver/"},
        id="sec-fetch-site-wins-over-an-own-referer",
    ),
    pytest.param({"HTTP_ORIGIN": "https://evil.example"}, id="foreign-origin"),
    pytest.param({"HTTP_ORIGIN": "null"}, id="opaque-origin"),
    pytest.param({"HTTP_REFERER": "https://evil.example/page?x=1"}, id="foreign-referer"),
    pytest.param({"HTTP_REFERER": "http://testserver:8081/"}, id="referer-another-port"),
    pytest.param({"HTTP_REFERER": "https://testserver/"}, id="referer-another-scheme"),
    pytest.param(
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_REFERER": "http://sibling.testserver/"},
        id="same-site-but-foreign-referer",
    ),
]
SAME_SITE = [
    pytest.param({}, id="no-signal"),
    pytest.param({"HTTP_SEC_FETCH_SITE": "same-origin"}, id="sec-fetch-site-same-origin"),
    pytest.param({"HTTP_SEC_FETCH_SITE": "same-site"}, id="sec-fetch-site-same-site"),
    pytest.param({"HTTP_SEC_FETCH_SITE": "none"}, id="sec-fetch-site-none"),
    pytest.param({"HTTP_ORIGIN": "http://testserver"}, id="own-origin"),
    pytest.param({"HTTP_REFERER": "http://testserver:80/backoffice/"}, id="own-referer"),
]


@pytest.fixture
def sid(code_flow):
    return code_flow().cookies["sid"].value


def revocation_expected(provider):
    provider.post(
        idp.REVOKE_URL,
        match=[matchers.urlencoded_params_matcher({"token": "rt-1"}, strict_match=False)],
    )


def hidden_redirect(page: str) -> str | None:
    found = re.search(r'name="redirect" value="([^"]*)"', page)
    return unescape(found.group(1)) if found else None


@pytest.mark.parametrize("signal", CROSS_SITE)
def test_cross_site_get_logout_only_asks_for_confirmation(client, sid, signal):
    answer = client.get("/logout", {"redirect": CHAIN}, **signal)

    assert answer.status_code == HTTPStatus.OK
    assert "no-store" in answer["Cache-Control"]
    assert "sid" not in answer.cookies
    page = answer.content.decode()
    assert '<form method="post" action="/logout"' in page
    assert hidden_redirect(page) == CHAIN
    assert session_get_by_sid(sid) is not None
    assert client.get(USERINFO).status_code == HTTPStatus.OK


def test_the_confirmation_page_cannot_be_framed_and_may_post_to_the_provider(client, sid):
    answer = client.get("/logout", HTTP_SEC_FETCH_SITE="cross-site")

    assert answer["X-Frame-Options"] == "DENY"
    assert answer["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self' https://tenant.example.com; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    assert hidden_redirect(answer.content.decode()) is None  # no redirect asked, none added


@pytest.mark.parametrize("redirect", ["//evil.com", "https://evil.com/", '/"><script>x</script>'])
def test_the_confirmation_page_carries_only_a_validated_redirect(client, sid, redirect):
    answer = client.get("/logout", {"redirect": redirect}, HTTP_SEC_FETCH_SITE="cross-site")

    page = answer.content.decode()
    assert "<script>" not in page
    assert hidden_redirect(page) == (redirect if redirect.startswith('/"') else "/")


@pytest.mark.parametrize("signal", SAME_SITE)
def test_same_site_get_logout_still_signs_out_at_once(client, sid, provider, signal):
    revocation_expected(provider)

    answer = client.get("/logout", {"redirect": CHAIN}, **signal)

    assert answer.status_code == HTTPStatus.FOUND
    assert parse_qs(urlsplit(answer["Location"]).query) == {
        "returnTo": [f"http://testserver{CHAIN}"]
    }
    assert answer.cookies["sid"].value == ""
    assert session_get_by_sid(sid) is None


def test_the_confirmation_button_signs_out_like_get_did(client, sid, provider):
    page = client.get("/logout", {"redirect": CHAIN}, HTTP_SEC_FETCH_SITE="cross-site")
    revocation_expected(provider)

    answer = client.post(
        "/logout",
        {"redirect": hidden_redirect(page.content.decode())},
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )

    assert answer.status_code == HTTPStatus.SEE_OTHER
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == PROVIDER_LOGOUT
    assert parse_qs(location.query) == {"returnTo": [f"http://testserver{CHAIN}"]}
    assert answer.cookies["sid"].value == ""
    assert session_get_by_sid(sid) is None
    assert client.get(USERINFO).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("redirect", ["//evil.com", "https://evil.com/", "/\\evil.com"])
def test_the_posted_redirect_is_validated_as_for_get(client, sid, provider, redirect):
    revocation_expected(provider)

    answer = client.post("/logout", {"redirect": redirect}, HTTP_ORIGIN="http://testserver")

    assert parse_qs(urlsplit(answer["Location"]).query)["returnTo"] == ["http://testserver/"]
    assert session_get_by_sid(sid) is None


def test_a_post_without_redirect_sends_no_return_to(client, sid, provider):
    revocation_expected(provider)

    answer = client.post("/logout", HTTP_SEC_FETCH_SITE="same-origin")

    assert answer["Location"] == PROVIDER_LOGOUT


@pytest.mark.parametrize(
    "signal",
    [
        pytest.param({"HTTP_SEC_FETCH_SITE": "cross-site"}, id="sec-fetch-site"),
        pytest.param({"HTTP_ORIGIN": "https://evil.example"}, id="origin"),
    ],
)
def test_a_cross_site_post_is_refused_and_the_session_stays(client, sid, signal):
    answer = client.post("/logout", {"redirect": "/"}, **signal)

    assert answer.status_code == HTTPStatus.FORBIDDEN
    assert session_get_by_sid(sid) is not None


def test_a_bearer_client_without_cookie_is_signed_out_at_once_even_cross_site(
    client, tenant, provider, settings
):
    # No `sid` cookie: no browser session a foreign page could end (browsers never attach a
    # bearer token on their own), so API clients keep their immediate GET /logout.
    settings.AUTH0_SERVICE_CONFIG = replace(tenant, default_client="api")
    idp.serve_jwks(provider)
    provider.post(idp.TOKEN_URL, json=idp.token_answer())
    tokens = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "alice@example.com", "password": "pw"},
    ).json()
    revocation_expected(provider)

    answer = client.get(
        "/logout",
        HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}",
        HTTP_SEC_FETCH_SITE="cross-site",
        HTTP_ORIGIN="https://evil.example",
    )

    assert answer.status_code == HTTPStatus.FOUND
    assert answer["Location"] == PROVIDER_LOGOUT


def test_a_cross_site_get_without_any_session_just_goes_to_the_provider(client, tenant):
    answer = client.get("/logout", HTTP_SEC_FETCH_SITE="cross-site")

    assert answer.status_code == HTTPStatus.FOUND
    assert answer["Location"] == PROVIDER_LOGOUT


def test_an_empty_post_without_any_session_is_a_plain_sign_out(client, tenant):
    # mod_auth_openidc CVE-2025-3891 (an empty POST crashed the server): here it is a sign-out.
    answer = client.post("/logout", data=b"", content_type="application/octet-stream")

    assert answer.status_code == HTTPStatus.SEE_OTHER
    assert answer["Location"] == PROVIDER_LOGOUT
