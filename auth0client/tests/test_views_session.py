from __future__ import annotations

import time
from dataclasses import replace
from http import HTTPStatus
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import DatabaseError
from redis.exceptions import ConnectionError as RedisConnectionError
from responses import matchers

from auth0client.sessions import digest, session_get, session_get_by_sid, session_save
from auth0client.tests import idp
from authgw.errors import error_body

pytestmark = [pytest.mark.django_db, pytest.mark.auth0client_only]
# auth0client's own user answer; the product routes `/userinfo` to the UMS, which adds the
# local user record (authgw/urls.py), so these tests call the same view by its other path.
USERINFO = "/users/me"

EXPECTED_USER = {
    "sub": idp.USER_ID,
    "email": "alice@example.com",
    "name": "Alice",
    "picture": "https://example.com/alice.png",
    "app_metadata": {"groups": ["admin", "user"]},
    "user_metadata": {"color": "blue"},
    "groups": ["admin", "user"],
    "permissions": ["read:orders"],
}


@pytest.fixture
def sid(code_flow):
    return code_flow().cookies["sid"].value


@pytest.fixture
def api_tokens(client, tenant, provider, settings):
    """An API client (no `website` scope) signed in with the password grant."""
    settings.AUTH0_SERVICE_CONFIG = replace(tenant, default_client="api")
    idp.serve_jwks(provider)
    provider.post(idp.TOKEN_URL, json=idp.token_answer())
    answer = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "alice@example.com", "password": "pw"},
    )
    return answer.json()


def expire_access_token(handle):
    session = session_get(handle)
    session_save(replace(session, expires_at=int(time.time()) - 5))


def refreshed_answer(refresh_token="rt-2"):  # noqa: S107
    later = int(time.time()) + 10
    return idp.token_answer(refresh_token=refresh_token) | {
        "access_token": idp.sign(idp.access_claims(iat=later, exp=later + 3600)),
        "id_token": idp.sign(idp.id_claims(iat=later, exp=later + 3600)),
    }


# --- /userinfo ------------------------------------------------------------------------------


def test_userinfo_with_the_session_cookie_calls_no_provider(client, sid, provider):
    answer = client.get(USERINFO)

    assert answer.status_code == HTTPStatus.OK
    assert answer.json() == EXPECTED_USER
    assert len(provider.calls) == 2  # the login's JWKS and token calls, nothing since


def test_userinfo_without_a_session_is_401(client, tenant):
    answer = client.get(USERINFO)

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.json() == error_body(401, "Sign in first.")


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param("A" * 43, id="random"),
        pytest.param("x" * 5000, id="oversized"),
        pytest.param("not base64 !!", id="junk"),
        pytest.param("", id="empty"),
    ],
)
def test_tampered_or_random_cookie_is_401_and_cleared(client, tenant, cookie):
    client.cookies["sid"] = cookie

    answer = client.get(USERINFO)

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    if cookie:
        assert answer.cookies["sid"]["expires"] == "Thu, 01 Jan 1970 00:00:00 GMT"
        assert answer.cookies["sid"]["max-age"] == ""


def test_userinfo_with_a_bearer_token_we_issued(client, api_tokens):
    client.cookies.clear()

    answer = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {api_tokens['accessToken']}")

    assert answer.json() == EXPECTED_USER


def test_foreign_jwt_access_token_is_validated_locally(client, tenant, provider):
    idp.serve_jwks(provider)
    token = idp.sign(idp.access_claims(**{f"{idp.NAMESPACE}app_metadata": {"groups": ["ops"]}}))

    first = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {token}")
    second = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert first.json() == {
        "sub": idp.USER_ID,
        "app_metadata": {"groups": ["ops"]},
        "groups": ["ops"],
        "permissions": ["read:orders"],
    }
    assert second.json() == first.json()
    assert len(provider.calls) == 1  # the JWKS once; no call per request


def test_id_token_presented_as_a_bearer_token_is_refused(client, tenant, provider):
    idp.serve_jwks(provider)

    answer = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {idp.sign(idp.id_claims(nonce='n'))}")

    assert answer.status_code == HTTPStatus.UNAUTHORIZED


def test_opaque_token_goes_to_the_provider_once_then_is_cached(client, tenant, provider):
    provider.get(
        idp.USERINFO_URL,
        json={"sub": idp.USER_ID, "email": "alice@example.com"},
        match=[matchers.header_matcher({"Authorization": "Bearer opaque-token"})],
    )

    first = client.get(USERINFO, HTTP_AUTHORIZATION="Bearer opaque-token")
    second = client.get(USERINFO, HTTP_AUTHORIZATION="Bearer opaque-token")

    assert first.json() == {
        "sub": idp.USER_ID,
        "email": "alice@example.com",
        "groups": [],
        "permissions": [],
    }
    assert second.json() == first.json()
    assert len(provider.calls) == 1


def test_expired_access_token_is_refreshed_transparently_once(client, sid, provider):
    expire_access_token(digest(sid))
    refresh = provider.post(
        idp.TOKEN_URL,
        json=refreshed_answer(),
        match=[matchers.urlencoded_params_matcher({"refresh_token": "rt-1"}, strict_match=False)],
    )

    first = client.get(USERINFO)
    second = client.get(USERINFO)

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert refresh.call_count == 1
    session = session_get_by_sid(sid)
    assert session.refresh_token == "rt-2"  # rotation honoured
    assert session.expires_at > time.time() + 3000


def test_refresh_refused_by_the_provider_ends_the_session_cleanly(client, sid, provider):
    expire_access_token(digest(sid))
    provider.post(idp.TOKEN_URL, json={"error": "invalid_grant"}, status=403)

    answer = client.get(USERINFO)

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.json() == error_body(401, "The session was revoked: sign in again.")
    assert answer.cookies["sid"].value == ""
    assert session_get_by_sid(sid) is None


def test_provider_down_while_the_token_is_still_valid_lets_the_request_through(
    client, sid, provider
):
    session = session_get_by_sid(sid)
    session_save(replace(session, expires_at=int(time.time()) + 30))  # inside the refresh skew
    provider.post(idp.TOKEN_URL, status=503)

    first = client.get(USERINFO)
    second = client.get(USERINFO)  # retried later, not on every request

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert len([call for call in provider.calls if call.request.url == idp.TOKEN_URL]) == 2


def test_provider_failing_with_an_expired_token_is_5xx_and_keeps_the_cookie(client, sid, provider):
    expire_access_token(digest(sid))
    provider.post(idp.TOKEN_URL, status=503)

    answer = client.get(USERINFO)

    assert answer.status_code == HTTPStatus.BAD_GATEWAY
    assert "sid" not in answer.cookies
    assert session_get_by_sid(sid) is not None


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(RedisConnectionError("down"), id="redis-down"),
        pytest.param(DatabaseError("locked"), id="database-cache-down"),
    ],
)
def test_session_store_down_is_503_not_logged_out(client, sid, failure):
    with mock.patch("auth0client.store.cache.get", side_effect=failure):
        answer = client.get(USERINFO)

    assert answer.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert answer.json() == error_body(503, "The session store is unavailable; try again shortly.")
    assert "sid" not in answer.cookies
    assert client.get(USERINFO).status_code == HTTPStatus.OK  # back: the same cookie works


def test_idle_session_expires_before_the_absolute_limit(client, sid, settings):
    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, idle_s=600)
    session = session_get_by_sid(sid)
    session_save(replace(session, last_seen=int(time.time()) - 601))

    assert client.get(USERINFO).status_code == HTTPStatus.UNAUTHORIZED


def test_session_ends_at_the_absolute_limit(client, sid, settings):
    session = session_get_by_sid(sid)
    old = int(time.time()) - settings.AUTH0_SESSIONS.duration_s - 1
    session_save(replace(session, created_at=old, last_seen=int(time.time())))

    assert client.get(USERINFO).status_code == HTTPStatus.UNAUTHORIZED


# --- /refreshtoken ----------------------------------------------------------------------------


def test_refreshtoken_with_the_expired_access_token_returns_new_tokens(
    client, api_tokens, provider
):
    client.cookies.clear()
    new = refreshed_answer()
    provider.post(idp.TOKEN_URL, json=new)

    answer = client.post("/refreshtoken", HTTP_AUTHORIZATION=f"Bearer {api_tokens['accessToken']}")

    assert answer.status_code == HTTPStatus.OK
    body = answer.json()
    assert body == {
        "accessToken": new["access_token"],
        "idToken": new["id_token"],
        "expireAt": body["expireAt"],
    }
    # The replaced token still finds the result for a short while (concurrent callers)...
    again = client.post("/refreshtoken", HTTP_AUTHORIZATION=f"Bearer {api_tokens['accessToken']}")
    assert again.json() == body


def test_refreshtoken_for_a_website_client_renews_the_cookie_only(client, sid, provider):
    provider.post(idp.TOKEN_URL, json=refreshed_answer())

    answer = client.post("/refreshtoken")

    assert answer.status_code == HTTPStatus.OK
    assert answer.content == b""
    assert answer.cookies["sid"].value == sid


def test_refreshtoken_without_a_session_is_401(client, tenant):
    answer = client.post("/refreshtoken", HTTP_AUTHORIZATION="Bearer unknown")

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.json() == error_body(401, "No session for these credentials: sign in again.")


# --- /logout ----------------------------------------------------------------------------------


def test_logout_deletes_the_session_revokes_and_redirects_with_return_to(client, sid, provider):
    provider.post(
        idp.REVOKE_URL,
        match=[matchers.urlencoded_params_matcher({"token": "rt-1"}, strict_match=False)],
    )

    answer = client.get("/logout", {"redirect": "/web-login?redirect=/backoffice"})

    assert answer.status_code == HTTPStatus.FOUND
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{idp.ISSUER}v2/logout"
    assert parse_qs(location.query) == {
        "returnTo": ["http://testserver/web-login?redirect=/backoffice"]
    }
    assert answer.cookies["sid"].value == ""
    assert answer.cookies["sid"]["max-age"] == ""
    assert session_get_by_sid(sid) is None
    assert client.get(USERINFO).status_code == HTTPStatus.UNAUTHORIZED


def test_logout_without_redirect_sends_no_return_to_and_adds_client_id_when_enabled(
    client, sid, provider, settings
):
    settings.LOGIN = replace(settings.LOGIN, logout_client_id_enabled=True)
    provider.post(idp.REVOKE_URL)

    answer = client.get("/logout")

    assert answer["Location"] == f"{idp.ISSUER}v2/logout?client_id={idp.CLIENT_ID}"


def test_logout_return_to_uses_the_trusted_proxy_origin(client, sid, provider, settings):
    settings.ALLOWED_HOSTS = ["testserver", "app.example.com"]
    provider.post(idp.REVOKE_URL)

    answer = client.get(
        "/logout",
        {"redirect": "/x"},
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="app.example.com",
        REMOTE_ADDR="127.0.0.1",
    )

    assert parse_qs(urlsplit(answer["Location"]).query)["returnTo"] == ["https://app.example.com/x"]


@pytest.mark.parametrize("redirect", ["//evil.com", "https://evil.com/", "/\\evil.com"])
def test_logout_never_returns_to_another_site(client, tenant, redirect):
    answer = client.get("/logout", {"redirect": redirect})

    assert parse_qs(urlsplit(answer["Location"]).query)["returnTo"] == ["http://testserver/"]


def test_failed_revocation_still_logs_out(client, sid, provider):
    provider.post(idp.REVOKE_URL, status=500)

    answer = client.get("/logout")

    assert answer.status_code == HTTPStatus.FOUND
    assert session_get_by_sid(sid) is None
