"""The acl user resolver backed by auth0client sessions (cookie `sid` or a bearer token)."""

from __future__ import annotations

from django.http import HttpRequest

from acl.identity import Identity
from auth0client.claims import identity_from_userinfo
from auth0client.errors import Auth0BadGatewayError, NotAuthenticatedError, TokenInvalidError
from auth0client.web import credentials_of, request_authentication
from authgw.errors import ServiceUnavailableError


class SessionUserResolver:
    """`acl.identity.UserResolver`: None for anonymous or invalid credentials; store or provider
    trouble raises ServiceUnavailableError (503), so the acl fails closed instead of "logged out".
    """

    def resolve(self, request: HttpRequest) -> Identity | None:
        if not credentials_of(request).present:
            return None
        try:
            result = request_authentication(request)
        except (NotAuthenticatedError, TokenInvalidError):
            return None
        except Auth0BadGatewayError as exc:
            raise ServiceUnavailableError(exc.message) from exc
        return identity_from_userinfo(result.user) if result else None
