"""Fixtures of the auth0client unit tests: a test tenant, `responses`, a clean JWKS cache."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import responses

from auth0client.config import Auth0ServiceConfig
from auth0client.discovery import discovery_cache
from auth0client.jwks import jwks_cache
from auth0client.tests import idp


@pytest.fixture(autouse=True)
def _clean_jwks_cache() -> Iterator[None]:
    jwks_cache.clear()
    discovery_cache.clear()
    # The fake tenant's discovery document, as if downloaded: tests register only their calls.
    discovery_cache.metadata(idp.ISSUER, idp.discovery_document)
    yield
    jwks_cache.clear()
    discovery_cache.clear()


@pytest.fixture
def web_client():
    return idp.client_config()


@pytest.fixture
def api_client():
    """A client without the `website` scope: it receives tokens in the body."""
    return idp.client_config(
        client_type="api",
        scopes=("offline_access", "profile", "email"),
        password_grant_enabled=True,
    )


@pytest.fixture
def tenant(settings, web_client, api_client):
    """settings.AUTH0_SERVICE_CONFIG pointing at the fake provider, `web` as default client."""
    settings.AUTH0_SERVICE_CONFIG = Auth0ServiceConfig(
        clients={"web": web_client, "api": api_client},
        default_client="web",
        custom_claims_namespaces=(idp.NAMESPACE,),
        source="test",
    )
    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, scope="test")
    return settings.AUTH0_SERVICE_CONFIG


@pytest.fixture
def provider() -> Iterator[responses.RequestsMock]:
    """Every provider call must be registered by the test, for its exact URL (and body)."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def pkce_matcher(challenge: str):
    """Matches a token request whose code_verifier hashes (S256) to the authorize challenge."""
    from urllib.parse import parse_qs

    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    def match(request):
        body = parse_qs(request.body or "")
        verifier = body.get("code_verifier", [""])[0]
        ok = create_s256_code_challenge(verifier) == challenge
        return ok, "" if ok else "code_verifier does not match the challenge"

    return match


@pytest.fixture
def code_flow(client, provider, tenant):
    """Runs /authorize → provider → /web-login/callback with the Django test client."""
    from urllib.parse import parse_qs, urlsplit

    jwks = []

    def run(
        *,
        redirect="/after-login",
        code="the-code",
        answer=None,
        status=200,
        refresh_token="rt-1",  # noqa: S107
    ):
        started = client.get("/authorize", {"redirect": redirect})
        assert started.status_code == 302, started.content
        query = parse_qs(urlsplit(started["Location"]).query)
        if not jwks:
            jwks.append(idp.serve_jwks(provider))
        provider.post(
            idp.TOKEN_URL,
            json=answer or idp.token_answer(nonce=query["nonce"][0], refresh_token=refresh_token),
            status=status,
            match=[pkce_matcher(query["code_challenge"][0])],
        )
        response = client.get("/web-login/callback", {"code": code, "state": query["state"][0]})
        response.login_state = query["state"][0]
        return response

    return run
