"""Token validation with joserfc: ID tokens (OIDC Core §3.1.3.7) and JWT access tokens (RFC 9068).

Rules (RFC 8725): a size cap before any parsing; the algorithms are the configured asymmetric
ones (never `none`, never HMAC); `jku`/`x5u`/`jwk`/`x5c` headers are refused, never fetched; keys
come only from the issuer's JWKS; a token without `kid` is accepted only while the JWKS holds one
key; `iss` matches exactly (the trailing slash counts).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from auth0client.config import ClientConfig
from auth0client.errors import TokenInvalidError
from auth0client.jwks import Fetch, jwks_cache

MAX_TOKEN_BYTES = 16 * 1024
LEEWAY_S = 60
# Header parameters that would let a token choose its own key (RFC 8725 §3.10): refused.
_KEY_CHOOSING_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c"})
# Claims only an ID token carries: such a token is never accepted as an access token.
_ID_TOKEN_ONLY_CLAIMS = frozenset({"nonce", "at_hash", "c_hash"})

Claims = dict[str, Any]
Now = Callable[[], float]
P = ParamSpec("P")

logger = logging.getLogger(__name__)


def _refuse(reason: str) -> TokenInvalidError:
    return TokenInvalidError(f"The token was refused: {reason}.")


def _warns_when_refused(kind: str) -> Callable[[Callable[P, Claims]], Callable[P, Claims]]:
    """One warning per refused token, with the reason: our own words, never the token."""

    def decorate(validate: Callable[P, Claims]) -> Callable[P, Claims]:
        @functools.wraps(validate)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Claims:
            try:
                return validate(*args, **kwargs)
            except TokenInvalidError as exc:
                logger.warning("%s refused: %s", kind, exc.message, extra={"reason": exc.message})
                raise

        return wrapper

    return decorate


def token_header(token: str, algorithms: tuple[str, ...]) -> Mapping[str, Any]:
    """The protected header, after the cheap checks that need no key (size, shape, alg)."""
    if len(token) > MAX_TOKEN_BYTES:
        raise _refuse("it is larger than 16 KB")
    if token.count(".") != 2:
        raise _refuse("it is not a signed JWT")
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError) as exc:
        raise _refuse("it cannot be parsed") from exc
    if _KEY_CHOOSING_HEADERS & header.keys():
        raise _refuse("it names its own key (jku/x5u/jwk/x5c)")
    if header.get("alg") not in algorithms:
        raise _refuse(f"algorithm {str(header.get('alg'))[:16]!r} is not allowed")
    return header


def verified_claims(
    token: str, *, client: ClientConfig, fetch: Fetch, issuer: str, access_token: bool = False
) -> Claims:
    """Signature check against the issuer's JWKS (one rate-limited refetch on an unknown kid)."""
    header = token_header(token, client.signing_algs)
    _check_type(header, access_token=access_token)
    kid = header.get("kid")
    keys = jwks_cache.keys(issuer, fetch, kid if isinstance(kid, str) else None)
    if kid is None and len(keys.keys) > 1:
        # Auth0's node-jwks-rsa rule (auth0-python refuses even with one key): a token that
        # names no key is checked against a sole key only, never tried against each in turn.
        raise _refuse("it names no key (kid) and the provider has several")
    try:
        return dict(jwt.decode(token, keys, algorithms=list(client.signing_algs)).claims)
    except JoseError as exc:
        raise _refuse(f"bad signature or unknown key ({type(exc).__name__})") from exc


def _check_type(header: Mapping[str, Any], *, access_token: bool) -> None:
    # RFC 9068 §2.1 / RFC 8725 §3.11: `at+jwt` marks an access token, which is never an ID
    # token; an access token may also carry Auth0's plain `JWT` or no `typ` at all.
    typ = header.get("typ")
    kind = str(typ).lower().removeprefix("application/") if typ is not None else None
    if access_token and kind not in {None, "jwt", "at+jwt"}:
        raise _refuse(f"type {str(typ)[:32]!r} is not an access token's")
    if not access_token and kind not in {None, "jwt"}:
        raise _refuse(f"type {str(typ)[:32]!r} is not an ID token's")


def _check(registry: JWTClaimsRegistry, claims: Claims) -> None:
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise _refuse(f"claim check failed ({exc})") from exc


def _now_int(now: Now | None) -> int:
    return int((now or time.time)())


@_warns_when_refused("ID token")
def id_token_validate(
    id_token: str,
    *,
    client: ClientConfig,
    fetch: Fetch,
    issuer: str,
    nonce: str | None,
    now: Now | None = None,
) -> Claims:
    """OIDC Core §3.1.3.7; `nonce=None` only for ID tokens from a refresh (no nonce sent).

    `issuer` is the discovered one (auth0client/discovery.py): `iss` must equal it exactly.
    """
    claims = verified_claims(id_token, client=client, fetch=fetch, issuer=issuer)
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    _check(JWTClaimsRegistry(now=_now_int(now), leeway=LEEWAY_S, **options), claims)
    _check_azp(claims, client.client_id)
    return claims


def _check_azp(claims: Claims, client_id: str) -> None:
    # OIDC Core §3.1.3.7 steps 4-5: several audiences need an azp, and an azp must be us.
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise _refuse("several audiences and no azp")
    if azp is not None and azp != client_id:
        raise _refuse("azp is another client")


@_warns_when_refused("access token")
def access_token_validate(
    token: str, *, client: ClientConfig, fetch: Fetch, issuer: str, now: Now | None = None
) -> Claims:
    """A JWT access token for the configured API audience (RFC 9068), validated locally."""
    if not client.audience:
        raise _refuse("no API audience is configured for JWT access tokens")
    claims = verified_claims(token, client=client, fetch=fetch, issuer=issuer, access_token=True)
    registry = JWTClaimsRegistry(
        now=_now_int(now),
        leeway=LEEWAY_S,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client.audience},
        sub={"essential": True},
        exp={"essential": True},
    )
    _check(registry, claims)
    if _ID_TOKEN_ONLY_CLAIMS & claims.keys():
        raise _refuse("an ID token is not an access token")
    return claims


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and len(token) <= MAX_TOKEN_BYTES
