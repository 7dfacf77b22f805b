"""Issue 12 item 2: an ended session's access token stays on the revocation list until it expires.

The index entry (token digest -> handle) outlives the session for as long as local JWT validation
could still accept the token: until the later of `expires_in` and the token's own `exp`, plus the
validation leeway. End to end over real sockets: tests/e2e/test_token_revocation.py.
"""

from __future__ import annotations

import base64
import json
import time
from types import SimpleNamespace

import pytest

from auth0client import sessions, store
from auth0client.services.authenticate import Credentials, authenticate
from auth0client.tokens import LEEWAY_S

pytestmark = pytest.mark.django_db

NOW = int(time.time())
SAID_LIFETIME_S = 3600  # what the token endpoint's `expires_in` said


def _segment(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def jwt_claiming(exp: object) -> str:
    """A JWT-shaped access token whose payload claims `exp` (never verified here)."""
    header = _segment({"alg": "RS256", "kid": "k1"})
    return f"{header}.{_segment({'sub': 'auth0|u1', 'exp': exp, 'iat': NOW})}.c2ln"


def signed_in(access_token: str) -> sessions.Session:
    tokens = SimpleNamespace(
        access_token=access_token,
        expires_at=NOW + SAID_LIFETIME_S,
        id_token=None,
        refresh_token=None,
    )
    _, session = sessions.session_create(
        client_type="api", user={"sub": "auth0|u1"}, tokens=tokens, now=NOW
    )
    return session


@pytest.fixture
def puts(monkeypatch) -> dict[str, int]:
    """The TTL of every store write, by key."""
    written: dict[str, int] = {}
    real_put = store.put

    def put(store_key: str, value: object, ttl_s: int) -> None:
        written[store_key] = ttl_s
        real_put(store_key, value, ttl_s)

    monkeypatch.setattr(store, "put", put)
    return written


@pytest.mark.parametrize(
    ("access_token", "refused_for_s"),
    [
        pytest.param("opaque-token-1", SAID_LIFETIME_S + LEEWAY_S, id="opaque"),
        pytest.param(jwt_claiming(NOW + 7200), 7200 + LEEWAY_S, id="jwt-exp-later-than-expires-in"),
        pytest.param(jwt_claiming(NOW + 60), SAID_LIFETIME_S + LEEWAY_S, id="jwt-exp-earlier"),
        pytest.param(
            jwt_claiming(NOW + 10**12), 366 * 86400 + LEEWAY_S, id="absurd-exp-is-bounded"
        ),
        pytest.param(jwt_claiming("soon"), SAID_LIFETIME_S + LEEWAY_S, id="exp-not-a-number"),
    ],
)
def test_an_ended_sessions_token_stays_revoked_until_it_expires(
    puts, monkeypatch, access_token, refused_for_s
):
    session = signed_in(access_token)
    puts.clear()
    monkeypatch.setattr(sessions, "time", SimpleNamespace(time=lambda: NOW))

    sessions.session_delete(session)

    token_key = store.key("at", sessions.digest(access_token))
    assert puts.get(token_key) == refused_for_s
    assert sessions.token_index_get(access_token) == {
        "h": session.handle,
        "exp": session.expires_at,
    }
    assert sessions.session_get(session.handle) is None


def test_every_session_of_a_user_ended_leaves_each_token_refused_without_the_provider(
    tenant, provider
):
    """`provider` has nothing registered: a JWKS or /userinfo call would fail the test."""
    first, second = signed_in("opaque-token-a"), signed_in(jwt_claiming(NOW + 600))

    assert sessions.user_sessions_end("auth0|u1") == 2

    client = tenant.clients["api"]
    for session in (first, second):
        credentials = Credentials(bearer=session.access_token)
        assert authenticate(credentials, client=client) is None
