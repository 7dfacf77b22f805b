"""OpenID Connect on top of the grants: ID tokens, /userinfo, revocation and discovery."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import ResourceProtector, TokenMixin
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oidc.core import OpenIDCode, OpenIDToken, UserInfoEndpoint
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from auth0emulator.tenant import PASSWORD_REALM, Client
from auth0emulator.tokens import ID_TOKEN_LIFETIME_S, EndUser, TokenFactory, profile_claims

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


class Auth0IDTokenMixin:
    """What Auth0 puts in an ID token: `aud` is the client id, 10 hours of life, a `kid`."""

    tokens: TokenFactory

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.tokens.keys.current()

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "typ": "JWT", "kid": str(self.tokens.keys.current().kid)}

    def get_compatible_claims(self, request: Any) -> dict[str, Any]:
        now = int(self.tokens.clock.now())
        return {
            "iss": self.tokens.tenant.issuer,
            "aud": request.client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME_S,
        }

    def generate_user_info(self, user: EndUser, scope: str) -> dict[str, Any]:
        return profile_claims(user, scope, self.tokens.tenant.namespaces)


class Auth0OpenIDCode(Auth0IDTokenMixin, OpenIDCode):
    def __init__(self, tokens: TokenFactory) -> None:
        super().__init__(require_nonce=False)
        self.tokens = tokens

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False  # Auth0 does not refuse a repeated nonce; the client checks it.


class Auth0OpenIDToken(Auth0IDTokenMixin, OpenIDToken):
    """ID tokens for the password, password-realm and refresh_token grants."""

    def __init__(self, tokens: TokenFactory) -> None:
        self.tokens = tokens


@dataclass
class AccessToken(TokenMixin):
    """A token presented at /userinfo: opaque (looked up) or a JWT (verified)."""

    user: EndUser | None
    client: Client | None
    scope: str
    expired: bool = False

    def get_scope(self) -> str:
        return self.scope

    def get_user(self) -> EndUser | None:
        return self.user

    def get_client(self) -> Client | None:
        return self.client

    def is_expired(self) -> bool:
        return self.expired

    def is_revoked(self) -> bool:
        return False


class Auth0BearerValidator(BearerTokenValidator):
    def __init__(self, server: Any) -> None:
        super().__init__()
        self.server = server

    def authenticate_token(self, token_string: str) -> AccessToken | None:
        if token_string.count(".") == 2:
            return self._jwt(token_string)
        record = self.server.codes.opaque_access_token(token_string)
        if record is None or not record.get("user_id"):
            return None
        return self._token(record["user_id"], record["client_id"], record["scope"])

    def _jwt(self, token_string: str) -> AccessToken | None:
        tokens: TokenFactory = self.server.tokens
        try:
            decoded = jwt.decode(token_string, tokens.keys.public_keyset(), algorithms=["RS256"])
        except (JoseError, ValueError):
            return None
        claims = decoded.claims
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims.get("iss") != tokens.tenant.issuer:
            return None
        if f"{tokens.tenant.issuer}userinfo" not in audiences:
            return None
        token = self._token(str(claims.get("sub")), str(claims.get("azp")), claims.get("scope", ""))
        if token is not None:
            token.expired = int(claims.get("exp", 0)) < tokens.clock.now()
        return token

    def _token(self, user_id: str, client_id: str, scope: str) -> AccessToken | None:
        record = self.server.users.get(user_id)
        if record is None or record.get("blocked"):
            return None
        return AccessToken(EndUser(record), self.server.tenant.clients.get(client_id), scope)


class Auth0UserInfoEndpoint(UserInfoEndpoint):
    def __call__(self, request: Any) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        token = self.resource_protector.validate_request(["openid"], request)
        user = self.server.tokens.enrich(EndUser(token.get_user().record))
        return 200, self.generate_user_info(user, token.scope), default_json_headers

    def generate_user_info(self, user: EndUser, scope: str) -> dict[str, Any]:
        return profile_claims(user, scope, self.server.tenant.namespaces)

    def get_issuer(self) -> str:
        return str(self.server.tenant.issuer)


def userinfo_endpoint(server: Any) -> Auth0UserInfoEndpoint:
    protector = ResourceProtector()
    protector.register_token_validator(Auth0BearerValidator(server))
    return Auth0UserInfoEndpoint(resource_protector=protector)


class Auth0RevocationEndpoint(RevocationEndpoint):
    """Auth0's /oauth/revoke revokes refresh tokens (and with them the grant's family)."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return self.server.codes.refresh_token_record(token_string)

    def revoke_token(self, token: Any, request: Any) -> None:
        self.server.tokens.revoke_family(token.family)

    def create_endpoint_response(self, request: Any) -> tuple[int, str, list[tuple[str, str]]]:
        super().create_endpoint_response(request)
        return 200, "", [("Content-Length", "0")]


def discovery_document(issuer: str, grant_types: list[str]) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}authorize",
        "token_endpoint": f"{issuer}oauth/token",
        "userinfo_endpoint": f"{issuer}userinfo",
        "jwks_uri": f"{issuer}.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}oauth/revoke",
        "scopes_supported": [
            "openid", "profile", "offline_access", "name", "given_name", "family_name",
            "nickname", "email", "email_verified", "picture", "created_at", "identities",
            "phone", "address",
        ],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "grant_types_supported": grant_types,
        "claims_supported": [
            "aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name",
            "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number",
            "picture", "sub",
        ],
        "request_uri_parameter_supported": False,
        "request_parameter_supported": False,
    }  # fmt: skip


GRANT_TYPES = [
    "authorization_code", "refresh_token", "password", PASSWORD_REALM, "client_credentials",
]  # fmt: skip
