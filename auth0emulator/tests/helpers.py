"""Test helpers: the hosted login form as a browser would post it, JWT checks, the contract."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import requests
import yaml
from joserfc import jwt
from joserfc.jwk import KeySet
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

WEB = ("authgw-web", "authgw-web-secret")
CALLBACK = "http://127.0.0.1:8080/web-login/callback"
API = "https://authgw.example.com/api"
ADMIN = ("admin@example.com", "Admin-Passw0rd!")
USER = ("user@example.com", "User-Passw0rd!")
NAMESPACE = "https://authgw.example.com/"
# Vendored in the repository (tests/contracts/README.md: source, version, what was trimmed).
CONTRACTS = Path(__file__).resolve().parents[2] / "tests" / "contracts"


def get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=10, **kwargs)


def post(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=10, **kwargs)


class Browser(requests.Session):
    """A cookie-keeping client, as a browser; every call has a timeout."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", 10)
        return super().request(*args, **kwargs)


def login_form_state(page: str) -> str:
    found = re.search(r"name='state' value='([^']+)'", page)
    assert found, page
    return found.group(1)


def browser_login(
    browser: Browser, authorize_url: str, email: str, password: str
) -> requests.Response:
    """GET /authorize, post the hosted login form; the answer is the redirect to the callback."""
    page = browser.get(authorize_url, allow_redirects=False)
    assert page.status_code == 200, page.text
    base = authorize_url.split("/authorize", 1)[0]
    return browser.post(
        f"{base}/u/login",
        data={"state": login_form_state(page.text), "username": email, "password": password},
        allow_redirects=False,
    )


def discovery(issuer: str) -> dict[str, Any]:
    response = get(f"{issuer}.well-known/openid-configuration")
    response.raise_for_status()
    return dict(response.json())


def verify_jwt(token: str, jwks_uri: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a token whose RS256 signature the published JWKS verifies."""
    keys = KeySet.import_key_set(get(jwks_uri).json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    return dict(decoded.header), dict(decoded.claims)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@cache
def management_contract() -> dict[str, Any]:
    path = CONTRACTS / "auth0-management-api-v2.openapi.yaml"
    return dict(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))


class ContractClient:
    """Calls the emulator's Management API and checks each request and response against
    Auth0's published OpenAPI description (statuses included)."""

    def __init__(self, base_url: str, token: str) -> None:
        spec = {**management_contract(), "servers": [{"url": f"{base_url}/api/v2"}]}
        self.api = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
        self.base_url = base_url
        self.token = token
        self.session = Browser()

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        check_request: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        headers = bearer(token or self.token) if token != "" else {}
        prepared = requests.Request(
            method, f"{self.base_url}/api/v2{path}", headers=headers, **kwargs
        ).prepare()
        if check_request:
            self.api.validate_request(RequestsOpenAPIRequest(prepared))
        response = self.session.send(prepared, timeout=10)
        self.api.validate_response(
            RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(response)
        )
        return response
