"""Authentication API endpoints that are not pages: token, userinfo, revoke, discovery, JWKS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0emulator.authserver import Auth0AuthorizationServer
from auth0emulator.grants import (
    AuthorizationCodeGrant,
    AuthorizeChecks,
    ClientCredentialsGrant,
    PasswordGrant,
    PasswordRealmGrant,
    RefreshTokenGrant,
    S256CodeChallenge,
)
from auth0emulator.oidc import (
    GRANT_TYPES,
    Auth0OpenIDCode,
    Auth0OpenIDToken,
    Auth0RevocationEndpoint,
    discovery_document,
    userinfo_endpoint,
)
from auth0emulator.wsgi import Request, Response, json_response

if TYPE_CHECKING:
    from auth0emulator.app import Emulator

# As Auth0: short caching, so a rotated key shows up quickly.
_CACHEABLE = [("Cache-Control", "public, max-age=15, stale-while-revalidate=15")]


def build_authorization_server(emulator: Emulator) -> Auth0AuthorizationServer:
    server = Auth0AuthorizationServer(
        emulator.tenant, emulator.tokens, emulator.codes, emulator.users
    )
    openid_token = Auth0OpenIDToken(emulator.tokens)
    server.register_grant(
        AuthorizationCodeGrant,
        [
            AuthorizeChecks(emulator.tenant),
            S256CodeChallenge(required=True),
            Auth0OpenIDCode(emulator.tokens),
        ],
    )
    server.register_grant(PasswordGrant, [openid_token])
    server.register_grant(PasswordRealmGrant, [openid_token])
    server.register_grant(RefreshTokenGrant, [openid_token])
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(Auth0RevocationEndpoint)
    server.register_endpoint(userinfo_endpoint(server))
    return server


class AuthenticationViews:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def token(self, request: Request) -> Response:
        response: Response = self.emulator.server.create_token_response(request)
        return response

    def userinfo(self, request: Request) -> Response:
        response: Response = self.emulator.server.create_endpoint_response("userinfo", request)
        return response

    def revoke(self, request: Request) -> Response:
        response: Response = self.emulator.server.create_endpoint_response("revocation", request)
        return response

    def discovery(self, request: Request) -> Response:
        document = discovery_document(self.emulator.tenant.issuer, GRANT_TYPES)
        return json_response(document, headers=_CACHEABLE)

    def jwks(self, request: Request) -> Response:
        return json_response(self.emulator.keys.jwks(), headers=_CACHEABLE)
