"""Issue 9 item 2: key rotation and JWKS outages, against the hostile provider over real sockets.

The JWKS cache's clock is injected (the `jwks_clock` fixture swaps a `JwksCache(clock=...)` in for
the product's), so "at most one fetch per 30 seconds" is shown without sleeping 30 seconds.
"""

from __future__ import annotations

import json
import threading
import time
from http import HTTPStatus

import pytest
import requests

from auth0client import tokens as tokens_module
from auth0client.client import get_authentication_client
from auth0client.errors import TokenInvalidError
from auth0client.jwks import FAILURE_BACKOFF_S, REFETCH_INTERVAL_S
from tests.e2e.hardening_support import ME, code_flow, signed_in, wait_for
from tests.hostile_idp import HostileIdP, new_key

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("jwks_clock"),
]

JWKS = "/.well-known/jwks.json"


def bearer(product: str, token: str) -> requests.Response:
    return requests.get(f"{product}{ME}", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def stranger_token(idp: HostileIdP, kid: str) -> str:
    """Signed by a key the provider never published."""
    return idp.sign(idp.access_claims(), key=new_key(kid))


def fetches(idp: HostileIdP) -> int:
    return len(idp.calls(JWKS))


# --- rotation ---------------------------------------------------------------------------------


def test_rotated_key_is_found_by_one_refetch(idp, product):
    assert signed_in(code_flow(product))
    assert fetches(idp) == 1
    idp.rotate("hostile-2")

    assert signed_in(code_flow(product))
    assert fetches(idp) == 2


def test_rotation_is_seen_even_when_the_jwks_says_cache_me_for_a_week(idp, product):
    # oauth2-proxy #1260: a JWKS max-age was honoured and the new kid refused for days.
    def long_lived():
        return (200, json.dumps(idp.public_jwks()).encode(), {"Cache-Control": "max-age=604800"})

    idp.jwks_answer = long_lived()
    assert signed_in(code_flow(product))
    idp.rotate("hostile-2")
    idp.jwks_answer = long_lived()

    assert signed_in(code_flow(product))
    assert fetches(idp) == 2


def test_unknown_kid_triggers_one_refetch_then_is_refused(idp, product):
    assert signed_in(code_flow(product))

    first = bearer(product, stranger_token(idp, "unknown-1"))
    second = bearer(product, stranger_token(idp, "unknown-2"))

    assert first.status_code == second.status_code == HTTPStatus.UNAUTHORIZED
    assert fetches(idp) == 2  # the warm-up and exactly one refetch


def test_flood_of_unknown_kids_fetches_at_most_once_per_30_seconds(idp, product, jwks_clock):
    assert bearer(product, idp.sign(idp.access_claims())).status_code == HTTPStatus.OK
    assert fetches(idp) == 1

    for index in range(40):
        assert bearer(product, stranger_token(idp, f"flood-{index}")).status_code == 401
    assert fetches(idp) == 2
    jwks_clock.now += REFETCH_INTERVAL_S - 1
    for index in range(10):
        bearer(product, stranger_token(idp, f"later-{index}"))
    assert fetches(idp) == 2
    jwks_clock.now += 1
    for index in range(10):
        bearer(product, stranger_token(idp, f"next-window-{index}"))
    assert fetches(idp) == 3


# --- outages ----------------------------------------------------------------------------------


def test_jwks_down_with_keys_cached_still_validates(idp, product):
    assert signed_in(code_flow(product))
    idp.jwks_answer = (503, b"Service Unavailable", {"Content-Type": "text/plain"})

    refused = bearer(product, stranger_token(idp, "unknown"))  # forces a refetch, which fails
    after = code_flow(product)

    # Unknown kid while the JWKS fails: "cannot tell" (503), not "refused".
    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert fetches(idp) > 1  # the refetch was tried...
    assert signed_in(after)  # ...and the cached key still validates


def test_hanging_jwks_refetch_does_not_hold_up_tokens_with_a_known_key(idp, product, settings):
    known = idp.sign(idp.access_claims())
    assert bearer(product, known).status_code == HTTPStatus.OK  # warm
    idp.jwks_delay_s = 3.0
    client = settings.AUTH0_SERVICE_CONFIG.clients["web"]
    fetch = get_authentication_client(client).jwks
    refetch_done = threading.Event()

    def unknown_kid():
        try:
            tokens_module.access_token_validate(
                stranger_token(idp, "slow"), client=client, fetch=fetch, issuer=client.issuer
            )
        except TokenInvalidError:
            pass
        finally:
            refetch_done.set()

    threading.Thread(target=unknown_kid, daemon=True).start()
    assert wait_for(lambda: fetches(idp) == 2, seconds=5.0), "the refetch never started"
    began = time.perf_counter()
    answer = bearer(product, known)
    elapsed = time.perf_counter() - began

    assert answer.status_code == HTTPStatus.OK
    assert elapsed < 1.5, f"a known key waited {elapsed:.2f}s for someone else's refetch"
    assert not refetch_done.is_set()  # the slow refetch was indeed still under way
    refetch_done.wait(10)


def test_jwks_down_at_cold_start_is_503_not_500_and_not_a_loop(idp, product, jwks_clock):
    idp.jwks_answer = (503, b"Service Unavailable", {"Content-Type": "text/plain"})

    first = code_flow(product)
    tried = fetches(idp)
    again = code_flow(product)  # inside the failure back-off: no new download

    for callback in (first, again):
        assert callback.response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert "Location" not in callback.response.headers
        assert "sid" not in callback.response.cookies
        assert "signing keys are unavailable" in callback.response.text
    assert 1 <= tried <= 3  # one download, retried at most twice by the HTTP adapter
    assert fetches(idp) == tried
    idp.jwks_answer = None
    jwks_clock.now += FAILURE_BACKOFF_S
    assert signed_in(code_flow(product))


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param((200, b'{"error": "maintenance"}', {}), id="json-error-object"),
        pytest.param((200, b"<html>Maintenance</html>", {}), id="html-page"),
        pytest.param((200, b'{"keys": []}', {}), id="empty-key-set"),
        pytest.param((200, b'{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', {}), id="hmac-key"),
        pytest.param((500, b'{"keys": "nope"}', {}), id="server-error"),
    ],
)
def test_an_error_body_is_never_cached_as_keys(idp, product, jwks_clock, answer):
    idp.jwks_answer = answer
    refused = code_flow(product)
    idp.jwks_answer = None
    jwks_clock.now += FAILURE_BACKOFF_S

    accepted = code_flow(product)

    assert refused.response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert signed_in(accepted)  # nothing of the bad answer stayed in the cache


def test_an_error_body_never_replaces_cached_keys(idp, product):
    assert signed_in(code_flow(product))
    idp.jwks_answer = (200, b'{"error": "maintenance"}', {"Content-Type": "application/json"})

    assert bearer(product, stranger_token(idp, "unknown")).status_code == 503
    assert signed_in(code_flow(product))
