"""Issue 9 item 1: the real callback flow against a hostile provider (OIDC Core §3.1.3.7, RFC 8725).

Every refusal is checked end to end: the provider answers over real sockets, the product
(live_server) validates, and the browser ends up with a 401 page and no session cookie.
"""

from __future__ import annotations

import time
from dataclasses import replace
from http import HTTPStatus

import pytest
import requests
from joserfc import jws

from auth0client import tokens as tokens_module
from auth0client.sessions import digest, session_get, session_get_by_sid, session_save
from authgw.errors import error_body
from tests.e2e.hardening_support import (
    ME,
    Callback,
    clears_session_cookie,
    code_flow,
    signed_in,
)
from tests.hostile_idp import AUDIENCE, CLIENT_ID, USER_ID, HostileIdP, new_key

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_jwks_cache"),
]


def assert_refused(callback: Callback, reason: str) -> None:
    """401 login page with the reason, and no session cookie of any kind."""
    response = callback.response
    assert response.status_code == HTTPStatus.UNAUTHORIZED, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    assert "sid" not in response.cookies
    assert "sid" not in callback.browser.cookies
    assert reason in response.text


# --- signatures and algorithms ------------------------------------------------------------


def test_a_good_id_token_signs_in(idp, product):
    callback = code_flow(product)

    assert signed_in(callback)
    assert callback.response.headers["Location"] == "/after-login"


def test_alg_none_is_refused_without_touching_the_jwks(idp, product):
    idp.make_id_token = lambda nonce: idp.forge_unsigned(idp.id_claims(nonce=nonce))

    assert_refused(code_flow(product), "algorithm &#x27;none&#x27; is not allowed")
    assert idp.calls("/.well-known/jwks.json") == []


def test_hs256_signed_with_the_rsa_public_key_is_refused(idp, product):
    # Authlib CVE-2024-37568: HMAC keyed with the provider's public key.
    idp.make_id_token = lambda nonce: idp.forge_hs256_with_public_key(idp.id_claims(nonce=nonce))

    assert_refused(code_flow(product), "algorithm &#x27;HS256&#x27; is not allowed")


def test_bad_rs256_signature_is_refused(idp, product):
    impostor = new_key(idp.signing_key.kid)  # same kid, another private key
    idp.make_id_token = lambda nonce: idp.sign(idp.id_claims(nonce=nonce), key=impostor)

    assert_refused(code_flow(product), "bad signature or unknown key")


def test_tampered_payload_with_the_original_signature_is_refused(idp, product):
    def tampered(nonce):
        good = idp.sign(idp.id_claims(nonce=nonce))
        other = idp.sign(idp.id_claims(nonce=nonce, sub="auth0|attacker"))
        header, _, signature = good.split(".")
        return f"{header}.{other.split('.')[1]}.{signature}"

    idp.make_id_token = tampered

    assert_refused(code_flow(product), "bad signature or unknown key")


# --- claims ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param({"iss": "trailing-slash-dropped"}, "iss", id="iss-without-trailing-slash"),
        pytest.param({"aud": "another-client"}, "aud", id="aud-not-the-client-id"),
        pytest.param({"aud": AUDIENCE}, "aud", id="aud-is-the-api-not-the-client"),
        pytest.param(
            {"aud": [CLIENT_ID, "another-client"]},
            "several audiences and no azp",
            id="several-audiences-without-azp",
        ),
        pytest.param(
            {"aud": [CLIENT_ID, "another-client"], "azp": "another-client"},
            "azp is another client",
            id="several-audiences-with-a-foreign-azp",
        ),
        pytest.param({"iat": None}, "iat", id="missing-iat"),
        pytest.param({"sub": None}, "sub", id="missing-sub"),
        pytest.param({"exp": "expired-beyond-leeway"}, "expired", id="expired-beyond-leeway"),
        pytest.param(
            {"iat": "issued-in-the-future"}, "issued in the future", id="iat-in-the-future"
        ),
        pytest.param({"nonce": "not-the-nonce-we-sent"}, "nonce", id="wrong-nonce"),
        pytest.param({"nonce": None}, "nonce", id="missing-nonce"),
    ],
)
def test_id_tokens_with_wrong_claims_are_refused(idp, product, overrides, reason):
    now = int(time.time())
    special = {
        "trailing-slash-dropped": idp.issuer.rstrip("/"),
        "expired-beyond-leeway": now - tokens_module.LEEWAY_S - 30,
        "issued-in-the-future": now + tokens_module.LEEWAY_S + 600,
    }
    claims = {
        key: special.get(value, value) if isinstance(value, str) else value
        for key, value in overrides.items()
    }
    # id_claims drops the claims overridden with None (missing iat, sub, nonce).
    idp.make_id_token = lambda nonce: idp.sign(idp.id_claims(**({"nonce": nonce} | claims)))

    assert_refused(code_flow(product), reason)


def test_expired_within_the_leeway_is_accepted(idp, product):
    past = int(time.time()) - tokens_module.LEEWAY_S // 2
    idp.make_id_token = lambda nonce: idp.sign(idp.id_claims(nonce=nonce, exp=past))

    assert signed_in(code_flow(product))


def test_access_token_in_place_of_the_id_token_is_refused(idp, product):
    # RFC 8725 §3.12: the kinds of token are told apart; an access token is not an ID token.
    idp.make_id_token = lambda nonce: idp.sign(idp.access_claims(nonce=nonce))

    assert_refused(code_flow(product), "aud")


# --- headers that choose their own key --------------------------------------------------------


@pytest.mark.parametrize("header", ["jku", "x5u"])
def test_key_url_headers_are_refused_and_the_url_is_never_fetched(idp, product, header):
    evil_path = f"/evil-{header}.json"
    idp.make_id_token = lambda nonce: idp.sign(
        idp.id_claims(nonce=nonce), **{header: f"{idp.url}{evil_path}"}
    )

    assert_refused(code_flow(product), "names its own key")
    assert idp.calls(evil_path) == []
    assert idp.calls("/.well-known/jwks.json") == []


@pytest.mark.parametrize("header", ["jwk", "x5c"])
def test_embedded_key_headers_are_refused(idp, product, header):
    attacker = new_key("attacker")
    embedded = {
        "jwk": attacker.as_dict(private=False),
        "x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"],  # its shape is enough
    }
    idp.make_id_token = lambda nonce: idp.sign(
        idp.id_claims(nonce=nonce), key=attacker, **{header: embedded[header]}
    )

    # joserfc already refuses to parse some of these; either way the token is refused.
    assert_refused(code_flow(product), "The token was refused")
    assert idp.calls("/.well-known/jwks.json") == []


# --- size -------------------------------------------------------------------------------------


def test_token_over_16_kb_is_refused_quickly_without_parsing(idp, product, monkeypatch):
    parsed = []
    real_extract = jws.extract_compact
    monkeypatch.setattr(
        tokens_module.jws, "extract_compact", lambda *a, **k: parsed.append(1) or real_extract(*a)
    )
    padding = "x" * (17 * 1024)
    idp.make_id_token = lambda nonce: idp.sign(idp.id_claims(nonce=nonce, padding=padding))

    callback = code_flow(product)

    assert_refused(callback, "larger than 16 KB")
    assert parsed == []
    assert idp.calls("/.well-known/jwks.json") == []
    assert callback.seconds < 2.0  # loose: the point is no parsing, no key download


def test_megabyte_id_token_is_refused_quickly(idp, product):
    # Authlib CVE-2025-61920: oversized JOSE segments must not cost CPU.
    idp.make_id_token = lambda nonce: "e" * (1024 * 1024) + ".e.e"

    callback = code_flow(product)

    assert_refused(callback, "larger than 16 KB")
    assert callback.seconds < 3.0


def test_oversized_bearer_token_is_refused_quickly_without_parsing(idp, product, monkeypatch):
    parsed = []
    real_extract = jws.extract_compact
    monkeypatch.setattr(
        tokens_module.jws, "extract_compact", lambda *a, **k: parsed.append(1) or real_extract(*a)
    )
    token = idp.sign(idp.access_claims(padding="x" * (40 * 1024)))

    began = time.perf_counter()
    answer = requests.get(
        f"{product}{ME}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert time.perf_counter() - began < 1.0
    assert parsed == []
    assert idp.calls("/.well-known/jwks.json") == []


# --- the provider's own words on the page -------------------------------------------------------


def test_provider_error_text_is_never_shown(idp, product):
    # mod_auth_openidc CVE-2019-1010247: reflected XSS through the callback's error page; and
    # phishing text: the page shows our own message per error code (issue 12 item 8).
    idp.authorize_answer = {
        "error": "access_denied",
        "error_description": "<script>alert(document.cookie)</script> call +1 555 0100",
    }

    callback = code_flow(product)

    assert callback.response.status_code == HTTPStatus.FORBIDDEN
    assert "The sign-in was refused." in callback.response.text
    assert "alert(document.cookie)" not in callback.response.text
    assert "555 0100" not in callback.response.text
    assert "sid" not in callback.response.cookies


# --- kid handling ---------------------------------------------------------------------------


def test_no_kid_with_a_single_key_verifies(idp, product):
    idp.make_id_token = lambda nonce: idp.sign(idp.id_claims(nonce=nonce), kid=None)

    assert signed_in(code_flow(product))


@pytest.mark.parametrize("signed_with", ["first", "second"])
def test_no_kid_with_several_keys_is_refused(idp, product, signed_with):
    # As Auth0's node-jwks-rsa: a token that names no key is never tried against each key.
    first = idp.signing_key
    second = idp.rotate("hostile-2")
    key = first if signed_with == "first" else second
    idp.make_id_token = lambda nonce: idp.sign(idp.id_claims(nonce=nonce), key=key, kid=None)

    callback = code_flow(product)

    assert_refused(callback, "it names no key (kid) and the provider has several")


# --- tokens used for what they are not --------------------------------------------------------


def test_id_token_presented_as_a_bearer_access_token_is_refused(idp, product):
    issued = []
    idp.make_id_token = lambda nonce: (
        issued.append(idp.sign(idp.id_claims(nonce=nonce))) or (issued[-1])
    )
    assert signed_in(code_flow(product))
    # Even one carrying the API audience is told apart by its ID-token-only claims.
    with_api_audience = idp.sign(idp.id_claims(nonce="n-1", aud=[AUDIENCE, CLIENT_ID]))

    for token in (issued[0], with_api_audience):
        answer = requests.get(
            f"{product}{ME}", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert answer.status_code == HTTPStatus.UNAUTHORIZED, answer.text
        assert answer.json()["statusCode"] == HTTPStatus.UNAUTHORIZED


def test_access_token_of_the_provider_is_accepted_as_a_bearer_token(idp, product):
    # The control of the test above: the same path accepts a real access token.
    token = idp.sign(idp.access_claims())

    answer = requests.get(
        f"{product}{ME}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )

    assert answer.status_code == HTTPStatus.OK
    assert answer.json()["sub"] == USER_ID


def test_token_of_another_issuer_with_the_same_kid_is_refused(idp, product):
    # Oathkeeper GHSA-4mq7-pvjg-xp2r: keys are cached per issuer, never shared across issuers.
    assert signed_in(code_flow(product))  # warms the cache with this issuer's key "hostile-1"
    with HostileIdP() as other:
        token = other.sign(other.access_claims())  # same kid "hostile-1", another key
        answer = requests.get(
            f"{product}{ME}", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert other.calls("/.well-known/jwks.json") == []

    assert answer.status_code == HTTPStatus.UNAUTHORIZED


def test_users_are_told_apart_by_sub_never_by_email(idp, product):
    # django-allauth CVE-2025-65431: an account keyed on a mutable claim was taken over.
    first = code_flow(product)
    idp.user_id = "auth0|impostor"  # same email, name and groups: another user
    second = code_flow(product)

    me_first = first.browser.get(f"{product}{ME}", timeout=10).json()
    me_second = second.browser.get(f"{product}{ME}", timeout=10).json()

    assert me_first["email"] == me_second["email"]
    assert (me_first["sub"], me_second["sub"]) == (USER_ID, "auth0|impostor")


# --- /userinfo must answer for the session's user (OIDC Core §5.3.2) ---------------------------


def _expire(sid: str) -> None:
    session_save(replace(session_get(digest(sid)), expires_at=int(time.time()) - 5))


def test_userinfo_answer_for_another_sub_ends_the_session(idp, product):
    callback = code_flow(product)
    sid = callback.response.cookies["sid"]
    idp.refresh_gives_id_token = False  # the renewal's user comes from /userinfo
    idp.userinfo_answer = {"sub": "auth0|mallory", "email": "mallory@example.com"}
    _expire(sid)

    answer = callback.browser.get(f"{product}{ME}", timeout=10)

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.json() == error_body(
        401, "The provider's answer to the renewal was refused: sign in again."
    )
    assert clears_session_cookie(answer)
    assert "sid" not in callback.browser.cookies
    assert session_get_by_sid(sid) is None
    assert len(idp.calls("/userinfo")) == 1


def test_userinfo_answer_for_the_same_sub_renews_the_session(idp, product):
    callback = code_flow(product)
    sid = callback.response.cookies["sid"]
    idp.refresh_gives_id_token = False
    idp.userinfo_answer = {"sub": USER_ID, "email": "victim@example.com", "name": "Renamed"}
    _expire(sid)

    answer = callback.browser.get(f"{product}{ME}", timeout=10)

    assert answer.status_code == HTTPStatus.OK
    assert answer.json()["name"] == "Renamed"
    assert session_get_by_sid(sid).generation == 1
