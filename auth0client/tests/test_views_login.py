from __future__ import annotations

import logging
import re
from dataclasses import replace
from html import unescape
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from responses import matchers

from auth0client.sessions import digest, session_get, session_get_by_sid
from auth0client.tests import idp
from authgw.errors import error_body

pytestmark = pytest.mark.django_db


def cookie_attributes(response, name="sid"):
    morsel = response.cookies[name]
    return {
        "value": morsel.value,
        "httponly": bool(morsel["httponly"]),
        "secure": bool(morsel["secure"]),
        "path": morsel["path"],
        "max-age": morsel["max-age"],
        "samesite": morsel["samesite"],
    }


# --- /web-login -------------------------------------------------------------------------


def test_login_page_has_a_strict_csp_and_no_external_assets(client, tenant):
    page = client.get("/web-login", {"redirect": "/backoffice"})

    assert page.status_code == HTTPStatus.OK
    assert page["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    html = page.content.decode()
    assert 'href="/authorize?redirect=%2Fbackoffice"' in html
    assert 'action="/oauth/token"' in html
    assert "http://" not in html
    assert "https://" not in html
    assert "<script" not in html


def test_login_page_has_no_password_form_when_the_client_does_not_allow_it(
    client, tenant, settings
):
    clients = dict(tenant.clients)
    clients["web"] = replace(clients["web"], password_grant_enabled=False)
    settings.AUTH0_SERVICE_CONFIG = replace(tenant, clients=clients)

    html = client.get("/web-login").content.decode()

    assert "/oauth/token" not in html
    assert 'id="sign-in"' in html


def test_login_page_redirect_is_sanitised(client, tenant):
    html = client.get("/web-login", {"redirect": "//evil.com"}).content.decode()

    assert 'href="/authorize?redirect=%2F"' in html


# --- /authorize -------------------------------------------------------------------------


def test_authorize_redirects_to_the_provider_and_binds_the_state_to_this_browser(client, tenant):
    answer = client.get(
        "/authorize", {"redirect": "/x", "connection": "Username-Password-Authentication"}
    )

    assert answer.status_code == HTTPStatus.FOUND
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{idp.ISSUER}authorize"
    query = parse_qs(location.query)
    assert query["connection"] == ["Username-Password-Authentication"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32
    binding = answer.cookies["login_binding"]
    assert (binding["httponly"], binding["samesite"], binding["max-age"]) == (True, "Lax", 600)


def test_authorize_refuses_an_unsupported_connection(client, tenant):
    answer = client.get("/authorize", {"connection": "evil-idp"}, HTTP_ACCEPT="application/json")

    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json() == error_body(400, "The connection 'evil-idp' is not supported.")


def test_authorize_requires_the_state_when_the_client_says_so(client, tenant, settings):
    clients = dict(tenant.clients)
    clients["web"] = replace(clients["web"], authorize_state_required=True)
    settings.AUTH0_SERVICE_CONFIG = replace(tenant, clients=clients)

    missing = client.get("/authorize", HTTP_ACCEPT="application/json")
    given = client.get("/authorize", {"state": "client-state-0123456789"})

    assert missing.status_code == HTTPStatus.BAD_REQUEST
    assert parse_qs(urlsplit(given["Location"]).query)["state"] == ["client-state-0123456789"]


def test_unknown_client_is_401(client, tenant, settings):
    settings.AUTH0_SERVICE_CONFIG = replace(tenant, default_client=None)

    answer = client.get("/authorize", HTTP_ACCEPT="application/json")

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.json() == error_body(401, "No client type given and no defaultClient configured.")


# --- the callback -----------------------------------------------------------------------


def test_callback_creates_a_session_and_goes_to_the_saved_redirect(code_flow):
    answer = code_flow(redirect="/after-login?tab=2")

    assert answer.status_code == HTTPStatus.FOUND
    assert answer["Location"] == "/after-login?tab=2"
    assert answer["Referrer-Policy"] == "no-referrer"
    cookie = cookie_attributes(answer)
    assert cookie | {"value": "…"} == {
        "value": "…",
        "httponly": True,
        "secure": False,
        "path": "/",
        "max-age": 86400,
        "samesite": "Lax",
    }
    session = session_get_by_sid(cookie["value"])
    assert session.user == {
        "sub": idp.USER_ID,
        "email": "alice@example.com",
        "name": "Alice",
        "picture": "https://example.com/alice.png",
        "app_metadata": {"groups": ["admin", "user"]},
        "user_metadata": {"color": "blue"},
        "groups": ["admin", "user"],
        "permissions": ["read:orders"],
    }


def test_session_cookie_is_secure_behind_https_from_a_trusted_proxy(code_flow, client):
    client.defaults.update(HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="127.0.0.1")

    answer = code_flow()

    assert cookie_attributes(answer)["secure"] is True


def test_forwarded_proto_from_an_untrusted_peer_is_ignored(code_flow, client):
    client.defaults.update(HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.5")

    answer = code_flow()

    assert cookie_attributes(answer)["secure"] is False


def test_session_id_changes_at_every_login_and_the_old_session_ends(code_flow, client):
    first = code_flow().cookies["sid"].value
    second = code_flow(code="second-code").cookies["sid"].value

    assert first != second
    assert session_get_by_sid(first) is None
    assert session_get_by_sid(second) is not None


def test_refresh_token_is_encrypted_at_rest(code_flow):
    from django.core.cache import cache

    from auth0client import store

    # Spaces and "#" never occur in base64url: the plaintext cannot turn up by chance inside a
    # token or the ciphertext.
    plaintext = "refresh token #1"
    sid = code_flow(refresh_token=plaintext).cookies["sid"].value

    record = cache.get(store.key("session", digest(sid)))
    assert record["sealed_refresh_token"] not in (None, plaintext)
    assert plaintext not in repr(record)
    assert session_get(digest(sid)).refresh_token == plaintext


def _state_of(client):
    started = client.get("/authorize")
    return parse_qs(urlsplit(started["Location"]).query)


def test_callback_without_state_is_refused(client, tenant, provider):
    answer = client.get("/web-login/callback", {"code": "c"})

    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert b"no valid state" in answer.content


def test_callback_with_a_wrong_state_is_refused(client, tenant, provider):
    _state_of(client)

    answer = client.get("/web-login/callback", {"code": "c", "state": "x" * 43})

    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert b"expired or was already used" in answer.content


def test_replayed_state_is_refused(code_flow, client):
    first = code_flow()

    replay = client.get("/web-login/callback", {"code": "the-code", "state": first.login_state})

    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert b"expired or was already used" in replay.content
    assert "sid" not in replay.cookies


def test_state_from_another_browser_is_refused(client, tenant, provider):
    from django.test import Client

    query = _state_of(client)
    other_browser = Client()

    answer = other_browser.get("/web-login/callback", {"code": "c", "state": query["state"][0]})

    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert b"another browser" in answer.content


def test_replayed_code_is_refused_by_the_provider_and_no_session_is_made(code_flow):
    code_flow(code="code-1")
    refusal = {"error": "invalid_grant", "error_description": "Invalid authorization code"}

    replay = code_flow(code="code-1", answer=refusal, status=403)

    assert replay.status_code == HTTPStatus.FORBIDDEN
    assert b"could not be completed" in replay.content
    assert "sid" not in replay.cookies


ATTACKER_TEXT = (
    '<a href="https://evil.example/reset">Your account is locked: call +1 555 0100</a>'
    "<script>alert(1)</script>"
)


def shown_error(answer) -> str:
    found = re.search(r'<p class="error" role="alert" id="login-error">([^<]*)</p>', answer.text)
    return unescape(found.group(1))


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        ("access_denied", HTTPStatus.FORBIDDEN, "The sign-in was refused."),
        ("login_required", HTTPStatus.BAD_REQUEST, "You need to sign in again."),
        (
            "consent_required",
            HTTPStatus.BAD_REQUEST,
            "The sign-in needs your consent: start again and accept.",
        ),
        (
            "interaction_required",
            HTTPStatus.BAD_REQUEST,
            "The sign-in needs you to complete a step: start again.",
        ),
        (
            "invalid_request",
            HTTPStatus.BAD_REQUEST,
            "The sign-in request was not valid: start again.",
        ),
        (
            "unauthorized_client",
            HTTPStatus.BAD_REQUEST,
            "This application may not sign you in this way.",
        ),
        ("server_error", HTTPStatus.BAD_REQUEST, "The identity provider had a problem: try again."),
        (
            "temporarily_unavailable",
            HTTPStatus.BAD_REQUEST,
            "The identity provider is busy: try again in a moment.",
        ),
    ],
)
def test_provider_error_shows_our_message_never_the_description(
    client, tenant, caplog, error, status, message
):
    with caplog.at_level(logging.WARNING, logger="authgw.login.views"):
        answer = client.get(
            "/web-login/callback", {"error": error, "error_description": ATTACKER_TEXT}
        )

    assert answer.status_code == status
    assert shown_error(answer) == message
    for fragment in ("evil.example", "555 0100", "locked", "alert(1)"):
        assert fragment not in answer.text
    [record] = [r for r in caplog.records if r.name == "authgw.login.views"]
    assert record.provider_error == error
    assert record.provider_error_description == ATTACKER_TEXT
    assert ATTACKER_TEXT not in record.getMessage()


@pytest.mark.parametrize(
    "error", ["<b>Call us now</b>", "unknown_code", "access_denied ", "x" * 500]
)
def test_unknown_provider_error_code_is_never_echoed(client, tenant, error):
    answer = client.get("/web-login/callback", {"error": error})

    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert shown_error(answer) == "The sign-in could not be completed: start again."
    assert "Call us now" not in answer.text
    assert error.strip() not in answer.text


def test_provider_error_description_is_logged_truncated(client, tenant, caplog):
    with caplog.at_level(logging.WARNING, logger="authgw.login.views"):
        client.get(
            "/web-login/callback", {"error": "access_denied", "error_description": "d" * 5000}
        )

    [record] = [r for r in caplog.records if r.name == "authgw.login.views"]
    assert record.provider_error_description == "d" * 300


@pytest.mark.parametrize(
    "answer_claims",
    [
        pytest.param({"nonce": "not-the-nonce"}, id="wrong-nonce"),
        pytest.param({"aud": "someone-else"}, id="wrong-aud"),
        pytest.param({"iss": "https://evil.example.com/"}, id="wrong-iss"),
    ],
)
def test_bad_id_token_at_the_callback_makes_no_session(client, tenant, provider, answer_claims):
    started = client.get("/authorize")
    query = parse_qs(urlsplit(started["Location"]).query)
    idp.serve_jwks(provider)
    claims = idp.id_claims(nonce=query["nonce"][0]) | answer_claims
    provider.post(idp.TOKEN_URL, json=idp.token_answer() | {"id_token": idp.sign(claims)})

    answer = client.get("/web-login/callback", {"code": "c", "state": query["state"][0]})

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert "sid" not in answer.cookies


# --- POST /oauth/token ------------------------------------------------------------------


def _password_token(
    provider,
    *,
    username="alice@example.com",
    password="pw",  # noqa: S107
    answer=None,
    status=200,
):
    return provider.post(
        idp.TOKEN_URL,
        json=answer or idp.token_answer(),
        status=status,
        match=[
            matchers.urlencoded_params_matcher(
                {"username": username, "password": password}, strict_match=False
            )
        ],
    )


def test_password_grant_for_a_website_client_answers_an_empty_body_and_the_cookie(
    client, tenant, provider
):
    idp.serve_jwks(provider)
    _password_token(provider)

    answer = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "alice@example.com", "password": "pw"},
    )

    assert answer.status_code == HTTPStatus.OK
    assert answer.content == b""
    assert answer["Cache-Control"] == "no-store"
    assert cookie_attributes(answer)["max-age"] == 86400


def test_password_grant_for_an_api_client_answers_the_tokens(client, tenant, provider, settings):
    settings.AUTH0_SERVICE_CONFIG = replace(tenant, default_client="api")
    idp.serve_jwks(provider)
    answer_tokens = idp.token_answer()
    _password_token(provider, answer=answer_tokens)

    answer = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "alice@example.com", "password": "pw"},
        content_type="application/json",
    )

    assert answer.status_code == HTTPStatus.OK
    body = answer.json()
    assert body == {
        "accessToken": answer_tokens["access_token"],
        "idToken": answer_tokens["id_token"],
        "expireAt": body["expireAt"],
    }
    assert "sid" not in answer.cookies


def test_refresh_token_is_given_out_only_to_clients_that_opt_in(client, tenant, provider, settings):
    clients = dict(tenant.clients)
    clients["api"] = replace(clients["api"], refresh_token_in_response=True)
    settings.AUTH0_SERVICE_CONFIG = replace(tenant, clients=clients, default_client="api")
    idp.serve_jwks(provider)
    _password_token(provider)

    answer = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "alice@example.com", "password": "pw"},
    )

    assert answer.json()["refreshToken"] == "rt-1"


def test_code_exchange_through_oauth_token_with_code_and_state_in_the_query(
    client, tenant, provider
):
    started = client.get("/authorize")
    query = parse_qs(urlsplit(started["Location"]).query)
    idp.serve_jwks(provider)
    provider.post(idp.TOKEN_URL, json=idp.token_answer(nonce=query["nonce"][0]))

    answer = client.post(f"/oauth/token?code=c&state={query['state'][0]}")

    assert answer.status_code == HTTPStatus.OK
    assert answer.content == b""
    assert "sid" in answer.cookies


def test_wrong_password_is_403_with_the_same_answer_as_an_unknown_account(client, tenant, provider):
    refusal = {"error": "invalid_grant", "error_description": "Wrong email or password."}
    _password_token(provider, password="bad", answer=refusal, status=403)
    _password_token(
        provider, username="ghost@example.com", password="bad", answer=refusal, status=403
    )

    wrong = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "alice@example.com", "password": "bad"},
    )
    ghost = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "ghost@example.com", "password": "bad"},
    )

    expected = error_body(403, "Wrong username or password.")
    assert (wrong.status_code, wrong.json()) == (403, expected)
    assert (ghost.status_code, ghost.json()) == (403, expected)


def test_failed_logins_are_throttled_per_account_with_retry_after(
    client, tenant, provider, settings
):
    settings.LOGIN = replace(settings.LOGIN, throttle_account_max=3, throttle_ip_max=100)
    refusal = {"error": "invalid_grant", "error_description": "Wrong email or password."}
    for _ in range(3):
        _password_token(provider, password="bad", answer=refusal, status=403)
        client.post(
            "/oauth/token",
            {"grant_type": "password", "username": "alice@example.com", "password": "bad"},
        )

    blocked = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "ALICE@example.com", "password": "pw"},
    )

    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert blocked.json() == error_body(
        429, "Too many failed sign-in attempts: wait before trying again."
    )
    assert 0 < int(blocked["Retry-After"]) <= settings.LOGIN.throttle_window_s + 1


def test_failed_logins_are_throttled_per_ip_across_accounts(client, tenant, provider, settings):
    settings.LOGIN = replace(settings.LOGIN, throttle_account_max=100, throttle_ip_max=2)
    refusal = {"error": "invalid_grant", "error_description": "Wrong email or password."}
    for index in range(2):
        _password_token(
            provider, username=f"u{index}@example.com", password="bad", answer=refusal, status=403
        )
        client.post(
            "/oauth/token",
            {"grant_type": "password", "username": f"u{index}@example.com", "password": "bad"},
        )

    blocked = client.post(
        "/oauth/token", {"grant_type": "password", "username": "new@example.com", "password": "x"}
    )

    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Retry-After" in blocked


def test_password_form_success_redirects_with_303_and_failure_renders_the_page(
    client, tenant, provider
):
    refusal = {"error": "invalid_grant", "error_description": "Wrong email or password."}
    _password_token(provider, password="bad", answer=refusal, status=403)
    idp.serve_jwks(provider)
    _password_token(provider)
    form = {"grant_type": "password", "username": "alice@example.com", "redirect": "/bo?x=1"}

    failed = client.post("/oauth/token", form | {"password": "bad"})
    signed_in = client.post("/oauth/token", form | {"password": "pw"})

    assert failed.status_code == HTTPStatus.FORBIDDEN
    assert b"Wrong username or password." in failed.content
    assert failed["Content-Security-Policy"].startswith("default-src 'none'")
    assert signed_in.status_code == HTTPStatus.SEE_OTHER
    assert signed_in["Location"] == "/bo?x=1"
    assert "sid" in signed_in.cookies


def test_password_grant_is_refused_for_a_client_that_does_not_allow_it(client, tenant, settings):
    clients = dict(tenant.clients)
    clients["web"] = replace(clients["web"], password_grant_enabled=False)
    settings.AUTH0_SERVICE_CONFIG = replace(tenant, clients=clients)

    answer = client.post(
        "/oauth/token", {"grant_type": "password", "username": "a", "password": "b"}
    )

    assert answer.json() == error_body(400, "The password grant is not enabled for this client.")


def test_login_post_from_a_foreign_origin_is_refused(client, tenant):
    answer = client.post(
        "/oauth/token",
        {"grant_type": "password", "username": "a", "password": "b"},
        HTTP_ORIGIN="https://evil.example.com",
    )

    assert answer.status_code == HTTPStatus.FORBIDDEN
    assert answer.json() == error_body(403, "Cross-origin request refused.")


BAD_BODY = HTTPStatus.BAD_REQUEST
NO_SESSION = HTTPStatus.UNAUTHORIZED  # /refreshtoken looks for the session before the body


@pytest.mark.parametrize(
    ("body", "content_type", "token_status", "refresh_status"),
    [
        pytest.param("[1, 2]", "application/json", BAD_BODY, BAD_BODY, id="json-array"),
        pytest.param(
            '{"redirect": 5, "grant_type": "password"}',
            "application/json",
            HTTPStatus.FORBIDDEN,  # no username and password: wrong ones, as for any other
            NO_SESSION,
            id="odd-types",
        ),
        pytest.param("{not json", "application/json", BAD_BODY, BAD_BODY, id="broken-json"),
        pytest.param("", "application/json", BAD_BODY, NO_SESSION, id="empty-json"),
        pytest.param(
            "", "application/x-www-form-urlencoded", BAD_BODY, NO_SESSION, id="empty-form"
        ),
    ],
)
def test_malformed_token_requests_are_4xx_never_500(
    client, tenant, body, content_type, token_status, refresh_status
):
    answer = client.post("/oauth/token", body, content_type=content_type)
    refresh = client.post("/refreshtoken", body, content_type=content_type)

    assert (answer.status_code, refresh.status_code) == (token_status, refresh_status)
