from __future__ import annotations

import time

import pytest
from joserfc.jwk import RSAKey

from auth0client.client import get_authentication_client
from auth0client.errors import Auth0UnavailableError, TokenInvalidError
from auth0client.jwks import FAILURE_BACKOFF_S, REFETCH_INTERVAL_S, JwksCache
from auth0client.tests import idp
from auth0client.tokens import access_token_validate, id_token_validate

NONCE = "n-0123456789abcdef"


@pytest.fixture
def validate(settings, web_client):
    def run(token, *, nonce=NONCE, client=web_client):
        fetch = get_authentication_client(client).jwks
        return id_token_validate(
            token, client=client, fetch=fetch, issuer=client.issuer, nonce=nonce
        )

    return run


@pytest.fixture
def other_key():
    return RSAKey.generate_key(2048, parameters={"kid": "key-1"})


def test_valid_id_token_is_accepted_and_its_claims_returned(provider, validate):
    idp.serve_jwks(provider)
    claims = idp.id_claims(nonce=NONCE)

    assert validate(idp.sign(claims)) == claims


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE), key=other),
            "bad signature",
            id="bad-signature",
        ),
        pytest.param(
            lambda other: idp.forge_unsigned(idp.id_claims(nonce=NONCE)), "'none'", id="alg-none"
        ),
        pytest.param(
            lambda other: idp.forge_hs256_with_public_key(idp.id_claims(nonce=NONCE)),
            "'HS256'",
            id="hs256-with-public-key",
        ),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE, iss=idp.ISSUER.rstrip("/"))),
            "iss",
            id="iss-without-trailing-slash",
        ),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE, iss="https://evil.example.com/")),
            "iss",
            id="wrong-iss",
        ),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE, aud="another-client")),
            "aud",
            id="wrong-aud",
        ),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE, aud=[idp.CLIENT_ID, "other"])),
            "several audiences and no azp",
            id="several-audiences-without-azp",
        ),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE, azp="other")),
            "azp is another client",
            id="foreign-azp",
        ),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE, exp=int(time.time()) - 120)),
            "expired",
            id="expired-beyond-leeway",
        ),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce="another-nonce")), "nonce", id="wrong-nonce"
        ),
        pytest.param(lambda other: idp.sign(idp.id_claims()), "nonce", id="missing-nonce"),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE, iat=None)), "iat", id="missing-iat"
        ),
        pytest.param(
            lambda other: idp.sign(idp.id_claims(nonce=NONCE, sub=None)), "sub", id="missing-sub"
        ),
    ],
)
def test_bad_id_tokens_are_refused(provider, validate, other_key, make_token, reason):
    provider.get(idp.JWKS_URL, json=idp.public_jwks())
    token = make_token(other_key)
    # Tokens refused before any key is needed never download the JWKS.
    provider.assert_all_requests_are_fired = False

    with pytest.raises(TokenInvalidError, match=reason):
        validate(token)


def test_expired_within_leeway_is_accepted(provider, validate):
    idp.serve_jwks(provider)

    validate(idp.sign(idp.id_claims(nonce=NONCE, exp=int(time.time()) - 30)))


@pytest.mark.parametrize("header", ["jku", "x5u"])
def test_key_url_headers_are_refused_and_never_fetched(provider, validate, header):
    token = idp.sign(idp.id_claims(nonce=NONCE), **{header: "https://evil.example.com/keys"})

    with pytest.raises(TokenInvalidError, match="names its own key"):
        validate(token)
    assert len(provider.calls) == 0


def test_oversized_token_is_refused_before_any_parsing(provider, validate):
    token = idp.sign(idp.id_claims(nonce=NONCE, padding="x" * 17000))

    with pytest.raises(TokenInvalidError, match="larger than 16 KB"):
        validate(token)
    assert len(provider.calls) == 0


def test_unknown_kid_triggers_one_refetch_then_is_refused(provider, validate):
    first = idp.serve_jwks(provider)
    validate(idp.sign(idp.id_claims(nonce=NONCE)))  # warms the cache
    stranger = RSAKey.generate_key(2048, parameters={"kid": "unknown-kid"})

    with pytest.raises(TokenInvalidError, match="unknown key"):
        validate(idp.sign(idp.id_claims(nonce=NONCE), key=stranger))
    with pytest.raises(TokenInvalidError, match="unknown key"):
        validate(idp.sign(idp.id_claims(nonce=NONCE), key=stranger))

    # One download to warm up, one refetch for the unknown kid, none for the second try.
    assert first.call_count == 2


def test_rotated_key_is_found_by_the_refetch(provider, validate):
    old, new = idp.signing_key(), RSAKey.generate_key(2048, parameters={"kid": "key-2"})
    provider.get(idp.JWKS_URL, json=idp.public_jwks(old))
    validate(idp.sign(idp.id_claims(nonce=NONCE)))
    provider.replace("GET", idp.JWKS_URL, json=idp.public_jwks(old, new))

    assert validate(idp.sign(idp.id_claims(nonce=NONCE), key=new))["sub"] == idp.USER_ID


def test_token_without_kid_verifies_against_a_single_key(provider, validate):
    idp.serve_jwks(provider)

    validate(idp.sign(idp.id_claims(nonce=NONCE), kid=None))


def test_token_without_kid_is_refused_when_the_jwks_has_several_keys(provider, validate):
    second = RSAKey.generate_key(2048, parameters={"kid": "key-2"})
    provider.get(idp.JWKS_URL, json=idp.public_jwks(idp.signing_key(), second))

    with pytest.raises(TokenInvalidError, match="names no key"):
        validate(idp.sign(idp.id_claims(nonce=NONCE), kid=None))


def test_jwks_down_at_cold_start_is_503_not_500(provider, validate):
    provider.get(idp.JWKS_URL, status=503)
    provider.get(idp.JWKS_URL, status=503)
    provider.get(idp.JWKS_URL, status=503)  # build_session retries idempotent GETs twice

    with pytest.raises(Auth0UnavailableError):
        validate(idp.sign(idp.id_claims(nonce=NONCE)))


def test_jwks_error_body_is_never_cached_as_keys(provider, validate):
    provider.get(idp.JWKS_URL, json={"error": "maintenance"})

    with pytest.raises(Auth0UnavailableError):
        validate(idp.sign(idp.id_claims(nonce=NONCE)))


def test_cached_keys_still_validate_when_the_jwks_goes_down(provider, validate):
    idp.serve_jwks(provider)
    validate(idp.sign(idp.id_claims(nonce=NONCE)))
    provider.replace("GET", idp.JWKS_URL, status=500)

    # A new unknown kid forces a refetch, which fails: "cannot tell" (503), not "refused";
    # the known key keeps working.
    stranger = RSAKey.generate_key(2048, parameters={"kid": "unknown"})
    with pytest.raises(Auth0UnavailableError):
        validate(idp.sign(idp.id_claims(nonce=NONCE), key=stranger))
    assert validate(idp.sign(idp.id_claims(nonce=NONCE)))["sub"] == idp.USER_ID


def test_flood_of_unknown_kids_fetches_at_most_once_per_interval():
    now = [1000.0]
    cache = JwksCache(clock=lambda: now[0])
    fetches = []

    def fetch():
        fetches.append(now[0])
        return idp.public_jwks()

    cache.keys(idp.ISSUER, fetch, "key-1")  # warm
    now[0] += 1
    for index in range(50):
        cache.keys(idp.ISSUER, fetch, f"unknown-{index}")
    now[0] += REFETCH_INTERVAL_S
    cache.keys(idp.ISSUER, fetch, "unknown-again")

    assert fetches == [1000.0, 1001.0, 1001.0 + REFETCH_INTERVAL_S]


def test_jwks_with_private_or_symmetric_keys_keeps_only_public_signature_keys():
    cache = JwksCache()
    document = idp.public_jwks()
    document["keys"].append({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"})

    keys = cache.keys(idp.ISSUER, lambda: document, None)

    assert [key.kid for key in keys.keys] == ["key-1"]


def test_access_token_for_our_api_is_validated_locally(provider, web_client):
    idp.serve_jwks(provider)
    claims = idp.access_claims()

    validated = access_token_validate(
        idp.sign(claims),
        client=web_client,
        fetch=get_authentication_client(web_client).jwks,
        issuer=idp.ISSUER,
    )

    assert validated == claims


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        pytest.param(idp.id_claims(nonce=NONCE), "aud", id="id-token-as-access-token"),
        pytest.param(
            idp.id_claims(nonce=NONCE, aud=idp.AUDIENCE),
            "an ID token is not an access token",
            id="id-token-with-api-audience",
        ),
        pytest.param(idp.access_claims(aud="https://other-api/"), "aud", id="other-api"),
    ],
)
def test_tokens_that_are_not_access_tokens_for_our_api_are_refused(
    provider, web_client, claims, reason
):
    idp.serve_jwks(provider)

    with pytest.raises(TokenInvalidError, match=reason):
        access_token_validate(
            idp.sign(claims),
            client=web_client,
            fetch=get_authentication_client(web_client).jwks,
            issuer=idp.ISSUER,
        )


def test_jwks_down_at_cold_start_is_not_hammered_by_every_request():
    now = [1000.0]
    cache = JwksCache(clock=lambda: now[0])
    attempts = []

    def failing_fetch():
        attempts.append(now[0])
        raise Auth0UnavailableError("down")

    for _ in range(10):
        with pytest.raises(Auth0UnavailableError):
            cache.keys(idp.ISSUER, failing_fetch, "key-1")
    now[0] += FAILURE_BACKOFF_S
    with pytest.raises(Auth0UnavailableError):
        cache.keys(idp.ISSUER, failing_fetch, "key-1")

    assert attempts == [1000.0, 1000.0 + FAILURE_BACKOFF_S]
