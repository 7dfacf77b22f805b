"""The discovery document: the issuer it names must be auth0Url, cached stale-on-failure,
Auth0's fixed paths only while it is unavailable (OIDC Discovery 1.0 §4)."""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest

from auth0client.client import get_authentication_client
from auth0client.config import Auth0ServiceConfig
from auth0client.discovery import (
    FAILURE_BACKOFF_S,
    MAX_AGE_S,
    DiscoveryCache,
    auth0_metadata,
    discovery_cache,
)
from auth0client.errors import Auth0UnavailableError, IssuerMismatchError
from auth0client.tests import idp
from authgw.errors import error_body

pytestmark = [pytest.mark.django_db, pytest.mark.auth0client_only]

BASE = "https://op.example.com/"  # auth0Url as configured (normalised with a trailing slash)
OP_ISSUER = "https://op.example.com"  # what a certified provider names: no trailing slash
MISMATCH = (
    "The identity provider's discovery document names the issuer 'https://evil.example.com', "
    "but auth0Url is 'https://op.example.com/': they must be the same URL (OpenID Connect "
    "Discovery §4.3). Fix auth0Url in config.json."
)


def op_document(**overrides):
    document = {
        "issuer": OP_ISSUER,
        "authorization_endpoint": f"{OP_ISSUER}/auth",
        "token_endpoint": f"{OP_ISSUER}/token",
        "userinfo_endpoint": f"{OP_ISSUER}/me",
        "jwks_uri": f"{OP_ISSUER}/jwks",
        "end_session_endpoint": f"{OP_ISSUER}/session/end",
    }
    return document | overrides


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fetch:
    """A discovery download whose answer each test sets; counts the downloads."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("issuer", [OP_ISSUER, BASE], ids=["no-trailing-slash", "auth0-slash"])
def test_discovered_issuer_is_the_base_url_with_or_without_the_trailing_slash(issuer):
    cache = DiscoveryCache()

    metadata = cache.metadata(BASE, Fetch(op_document(issuer=issuer)))

    assert metadata.issuer == issuer
    assert metadata.token_endpoint == f"{OP_ISSUER}/token"
    assert metadata.end_session_endpoint == f"{OP_ISSUER}/session/end"


@pytest.mark.parametrize(
    "issuer",
    ["https://evil.example.com", "https://op.example.com//", "https://OP.example.com", None],
    ids=["another-host", "two-slashes", "other-case", "missing"],
)
def test_a_discovered_issuer_that_is_not_the_base_url_is_refused(issuer):
    with pytest.raises(IssuerMismatchError, match="must be the same URL"):
        DiscoveryCache().metadata(BASE, Fetch(op_document(issuer=issuer)))


def test_issuer_mismatch_is_refused_at_first_use_with_a_message_naming_both(
    client, settings, provider
):
    settings.AUTH0_SERVICE_CONFIG = replace_web_client(auth0_url=BASE)
    provider.get(
        f"{BASE}.well-known/openid-configuration",
        json=op_document(issuer="https://evil.example.com"),
    )

    answer = client.get("/authorize")

    assert answer.status_code == HTTPStatus.BAD_GATEWAY
    assert answer.json() == error_body(HTTPStatus.BAD_GATEWAY, MISMATCH)


def test_issuer_mismatch_is_never_replaced_by_a_stale_document_or_the_auth0_paths():
    clock = Clock()
    cache = DiscoveryCache(clock=clock)
    fetch = Fetch(op_document())
    cache.metadata(BASE, fetch)
    clock.now += MAX_AGE_S + 1
    fetch.answer = op_document(issuer="https://evil.example.com")

    with pytest.raises(IssuerMismatchError) as refused:
        cache.metadata(BASE, fetch)

    assert refused.value.message == MISMATCH
    with pytest.raises(IssuerMismatchError):  # within the back-off: no download, same refusal
        cache.metadata(BASE, fetch)
    assert fetch.calls == 2


def test_discovery_is_cached_and_a_failed_download_keeps_the_stale_document():
    clock = Clock()
    cache = DiscoveryCache(clock=clock)
    fetch = Fetch(op_document())
    first = cache.metadata(BASE, fetch)
    clock.now += MAX_AGE_S / 2
    assert cache.metadata(BASE, fetch) is first
    assert fetch.calls == 1

    clock.now += MAX_AGE_S
    fetch.answer = Auth0UnavailableError("down")
    stale = cache.metadata(BASE, fetch)

    assert stale is first
    assert stale.discovered is True
    assert fetch.calls == 2
    cache.metadata(BASE, fetch)  # within the back-off: the down endpoint is not asked again
    assert fetch.calls == 2
    clock.now += FAILURE_BACKOFF_S
    fetch.answer = op_document(end_session_endpoint=None)
    assert cache.metadata(BASE, fetch).end_session_endpoint is None
    assert fetch.calls == 3


@pytest.mark.parametrize(
    "answer",
    [
        Auth0UnavailableError("down"),
        ValueError("not JSON"),
        {"issuer": OP_ISSUER},  # no endpoints: unusable
        op_document(jwks_uri="file:///etc/passwd"),
    ],
    ids=["unreachable", "unreadable", "no-endpoints", "not-http-jwks"],
)
def test_unavailable_discovery_at_cold_start_falls_back_to_the_auth0_paths(answer):
    metadata = DiscoveryCache().metadata(BASE, Fetch(answer))

    assert metadata == auth0_metadata(BASE)
    assert metadata.issuer == BASE
    assert metadata.token_endpoint == f"{BASE}oauth/token"
    assert metadata.end_session_endpoint is None


def test_sign_in_uses_auth0_paths_when_discovery_answers_404(client, tenant, provider):
    discovery_cache.clear()
    provider.get(idp.DISCOVERY_URL, status=HTTPStatus.NOT_FOUND)

    started = client.get("/authorize")

    location = urlsplit(started["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{idp.ISSUER}authorize"
    assert get_authentication_client(tenant.clients["web"]).metadata().discovered is False


def test_check_up_reports_an_issuer_mismatch(tenant, provider):
    provider.get(idp.DISCOVERY_URL, json=idp.discovery_document(issuer="https://evil.example.com"))

    with pytest.raises(IssuerMismatchError) as refused:
        get_authentication_client(tenant.clients["web"]).discovery()

    assert refused.value.message == (
        "The identity provider's discovery document names the issuer 'https://evil.example.com', "
        "but auth0Url is 'https://tenant.example.com/': they must be the same URL (OpenID Connect "
        "Discovery §4.3). Fix auth0Url in config.json."
    )


# --- helpers ----------------------------------------------------------------------------------


def replace_web_client(**changes):
    return Auth0ServiceConfig(
        clients={"web": replace(idp.client_config(), **changes)},
        default_client="web",
        source="test",
    )
