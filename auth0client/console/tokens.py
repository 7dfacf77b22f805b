"""Console access tokens: checked against the Console's /jwks (seed 002 "Validate Access Token").

The cheap checks and the key cache are auth0client's (tokens.token_header, jwks.jwks_cache):
a size cap, no key-choosing headers, an asymmetric algorithm allow-list (never `none`, never
HMAC with a public key), keys cached by `kid` with a rate-limited refetch that keeps the cached
keys through an outage. Then `iss` is exactly CONSOLE_URL and `aud` contains the extension's URL.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from auth0client.claims import STANDARD_CLAIMS
from auth0client.console.config import ConsoleConfig
from auth0client.console.errors import ConsoleUnavailableError
from auth0client.errors import Auth0UnavailableError, TokenInvalidError
from auth0client.jwks import Fetch, jwks_cache
from auth0client.tokens import LEEWAY_S, looks_like_jwt, token_header

logger = logging.getLogger(__name__)

# RFC 8725 §3.1: asymmetric algorithms only, named (the JWKS cache keeps RSA and EC keys only).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_ACCESS_TOKEN_TYPES = frozenset({None, "jwt", "at+jwt"})

Claims = dict[str, Any]


def _refuse(reason: str) -> TokenInvalidError:
    logger.warning("Console token refused: %s", reason, extra={"reason": reason})
    return TokenInvalidError(f"The Console token was refused: {reason}.")


def unverified_issuer(token: str) -> str | None:
    """The `iss` a JWT claims, unverified: only to route it to the right validation."""
    if not looks_like_jwt(token):
        return None
    try:
        claims = json.loads(jws.extract_compact(token.encode("ascii")).payload)
    except (JoseError, ValueError, UnicodeError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def is_console_token(token: str, config: ConsoleConfig | None) -> bool:
    """A JWT that says the Console issued it. Near misses (a trailing slash, another letter
    case) count too: the exact `iss` check then refuses them, with no detour through Auth0."""
    if config is None:
        return False
    issuer = unverified_issuer(token)
    return issuer is not None and issuer.rstrip("/").lower() == config.base_url.lower()


def console_token_validate(
    token: str, *, config: ConsoleConfig, fetch: Fetch, now: Callable[[], float] | None = None
) -> Claims:
    """The verified claims of a Console access token, else TokenInvalidError (401)."""
    header = _header(token)
    kid = header.get("kid")
    try:
        keys = jwks_cache.keys(config.jwks_url, fetch, kid if isinstance(kid, str) else None)
    except Auth0UnavailableError as exc:
        raise ConsoleUnavailableError(
            "The Console's signing keys are unavailable: try again in a moment."
        ) from exc
    try:
        claims = dict(jwt.decode(token, keys, algorithms=list(ALGORITHMS)).claims)
    except JoseError as exc:
        raise _refuse(f"bad signature or unknown key ({type(exc).__name__})") from exc
    registry = JWTClaimsRegistry(
        now=int((now or time.time)()),
        leeway=LEEWAY_S,
        iss={"essential": True, "value": config.url},
        aud={"essential": True, "value": config.extension_url},
        sub={"essential": True},
        exp={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise _refuse(f"claim check failed ({exc})") from exc
    return claims


def _header(token: str) -> Mapping[str, Any]:
    try:
        header = token_header(token, ALGORITHMS)
    except TokenInvalidError as exc:
        raise _refuse(exc.message.removeprefix("The token was refused: ").rstrip(".")) from exc
    typ = header.get("typ")
    kind = str(typ).lower().removeprefix("application/") if typ is not None else None
    if kind not in _ACCESS_TOKEN_TYPES:
        raise _refuse(f"type {str(typ)[:32]!r} is not an access token's")
    return header


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def console_user(claims: Mapping[str, Any], config: ConsoleConfig) -> dict[str, Any]:
    """The userinfo of a Console user: `sub`, standard claims, groups and permissions from the
    configured claims (CONSOLE_GROUPS_CLAIM, CONSOLE_PERMISSIONS_CLAIM)."""
    user: dict[str, Any] = {name: claims[name] for name in STANDARD_CLAIMS if name in claims}
    user["groups"] = _strings(claims.get(config.groups_claim))
    user["permissions"] = sorted(set(_strings(claims.get(config.permissions_claim))))
    return user
