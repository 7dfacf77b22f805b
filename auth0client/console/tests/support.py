"""Shared setup of the Console SSO tests: a Console configuration, an auth.json, signed tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey
from joserfc.util import urlsafe_b64encode

from auth0client.console.config import ConsoleConfig, console_config

AREA = "/console-area"
# auth.json: the extension's page is for the Console group `extension-admins` only.
POLICY = {
    "/console-area": {
        "ALL": {"authorization": {"expression": "groups['extension-admins']", "public": False}}
    }
}


def console_settings(
    settings: Any, tmp_path: Path, *, url: str, extension_url: str, **fields: Any
) -> ConsoleConfig:
    """Turns the Console on for one test, with the protected `/console-area` route."""
    default_policy = json.loads(Path(settings.ACL.policy_path).read_text(encoding="utf-8"))
    policy = tmp_path / "auth.json"
    policy.write_text(json.dumps(default_policy | POLICY), encoding="utf-8")
    settings.ROOT_URLCONF = "auth0client.console.tests.urls"
    settings.ACL = replace(
        settings.ACL,
        policy_path=policy,
        user_resolver="auth0client.resolvers.SessionUserResolver",
    )
    config = console_config(
        url=url,
        tenant_id=fields.pop("tenant_id", "acme"),
        extension_id=fields.pop("extension_id", "acme-extension-123"),
        extension_url=extension_url,
    )
    assert config is not None
    settings.CONSOLE = replace(config, **fields)
    return settings.CONSOLE


def console_claims(config: ConsoleConfig, **overrides: Any) -> dict[str, Any]:
    """Good Console access token claims; an override of None removes that claim."""
    now = int(time.time())
    claims = {
        "iss": config.url,
        "sub": "console|alice",
        "aud": [config.extension_url],
        "iat": now,
        "exp": now + 3600,
        "email": "alice@example.com",
        "groups": ["extension-admins"],
        "permissions": ["reports:read"],
    }
    return {key: value for key, value in (claims | overrides).items() if value is not None}


def sign(claims: dict[str, Any], key: RSAKey, **header: Any) -> str:
    protected = {"alg": "RS256", "typ": "JWT", "kid": key.kid} | header
    return jwt.encode(protected, claims, key, algorithms=["RS256"])


def _segment(value: dict[str, Any]) -> str:
    return urlsafe_b64encode(json.dumps(value).encode()).decode()


def forge_unsigned(claims: dict[str, Any]) -> str:
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."


def forge_hs256_with_public_key(claims: dict[str, Any], key: RSAKey) -> str:
    """Key confusion: HMAC keyed with the RSA public key's PEM, under the key's own kid."""
    signing_input = f"{_segment({'alg': 'HS256', 'kid': key.kid})}.{_segment(claims)}"
    signature = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{urlsafe_b64encode(signature.digest()).decode()}"
