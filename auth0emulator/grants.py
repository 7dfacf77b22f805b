"""The token endpoint's grants: Authlib's RFC 6749 grants adapted to Auth0's behaviour."""

from __future__ import annotations

import secrets
from typing import Any

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, grants
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc7636 import CodeChallenge

from auth0emulator.codes import AuthorizationCode, RefreshToken
from auth0emulator.tenant import PASSWORD_REALM, Tenant
from auth0emulator.tokens import AccessDeniedError, EndUser, Issue

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


class UnauthorizedError(OAuth2Error):
    """Auth0's answer for a blocked user: 401 `unauthorized`."""

    error = "unauthorized"
    status_code = 401


class WrongCredentialsError(InvalidGrantError):
    status_code = 403
    description = "Wrong email or password."


class IssuingMixin:
    """Replaces Authlib's token generator call: the factory needs the audience and the family."""

    request: Any
    server: Any
    GRANT_TYPE: str | None

    def audience(self) -> str | None:
        audience = self.request.form.get("audience") or self.server.tenant.default_audience
        self.server.tokens.check_audience(audience)
        return audience

    def family(self) -> str:
        return secrets.token_hex(8)

    def generate_token(
        self,
        user: EndUser | None = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        tokens = self.server.tokens
        audience = self.audience()
        client = self.request.client
        if user is not None:
            user = tokens.enrich(user)
            self.request.user = user
            scope = tokens.user_scope(scope, audience, user.user_id)
        final_scope = scope or ""
        refresh = include_refresh_token and tokens.wants_refresh(client, final_scope, audience)
        issue = Issue(
            client, grant_type or self.GRANT_TYPE or "", user, final_scope, audience,
            refresh, self.family(),
        )  # fmt: skip
        return dict(tokens.issue(issue))


def blocked_check(record: dict[str, Any]) -> EndUser:
    if record.get("blocked"):
        raise UnauthorizedError("user is blocked")
    return EndUser(dict(record))


class AuthorizationCodeGrant(IssuingMixin, grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def audience(self) -> str | None:
        return self.request.authorization_code.audience

    def family(self) -> str:
        return str(self.request.authorization_code.family)

    def save_authorization_code(self, code: str, request: Any) -> None:
        self.server.codes.save(code, request)

    def query_authorization_code(self, code: str, client: Any) -> AuthorizationCode | None:
        found = self.server.codes.claim(code, client.client_id)
        if found is None:
            raise InvalidGrantError("Invalid authorization code")
        return found

    def validate_token_request(self) -> None:
        try:
            super().validate_token_request()
        except InvalidGrantError as error:
            if error.description == "Invalid 'redirect_uri' in request.":
                error.description = "Invalid redirect_uri"
            raise

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing left to do: `claim` used the code up (it stays stored to detect a replay)."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> EndUser | None:
        record = self.server.users.get(authorization_code.user_id)
        return blocked_check(record) if record else None


class AuthorizeChecks:
    """Auth0 refuses an unknown `audience` or `connection` on /authorize, through the redirect."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.check)

    def check(self, grant: Any, result: Any) -> None:
        data = grant.request.payload.data
        audience = data.get("audience")
        if audience and audience not in self.tenant.resource_servers:
            raise AccessDeniedError(f"Service not found: {audience}")
        name = data.get("connection")
        connection = self.tenant.connections.get(name) if name else None
        if name and (connection is None or not connection.enabled_for(grant.client.client_id)):
            raise InvalidRequestError("the connection was not found")


class S256CodeChallenge(CodeChallenge):
    """PKCE as Auth0 does it: S256 only (the `plain` method is refused)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - Authlib's class attribute
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        try:
            super().validate_code_verifier(grant, result)
        except InvalidGrantError as error:
            error.description = "Failed to verify code verifier"
            raise


class PasswordGrant(IssuingMixin, grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def realm(self) -> str:
        return str(self.server.tenant.default_directory)

    def authenticate_user(self, username: str, password: str) -> EndUser:
        realm = self.realm()
        connection = self.server.tenant.connections.get(realm)
        if connection is None or not connection.enabled_for(self.request.client.client_id):
            raise InvalidRequestError(f"Unknown realm: {realm}")
        ip = self.request.remote_addr
        record = self.server.users.authenticate(realm, username, password, ip)
        if record is None:
            raise WrongCredentialsError()
        user = blocked_check(record)
        self.server.users.record_login(user.user_id, self.request.remote_addr)
        return user

    def validate_token_request(self) -> None:
        # Authlib checks the client after reading the credentials; the client must come first.
        self.request.client = self.authenticate_token_endpoint_client()
        super().validate_token_request()


class PasswordRealmGrant(PasswordGrant):
    GRANT_TYPE = PASSWORD_REALM

    def realm(self) -> str:
        realm = self.request.form.get("realm")
        if not realm:
            raise InvalidRequestError("Missing required parameter: realm")
        return str(realm)


class RefreshTokenGrant(IssuingMixin, grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def audience(self) -> str | None:
        return self.request.refresh_token.audience

    def family(self) -> str:
        return str(self.request.refresh_token.family)

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken:
        found = self.server.codes.claim_refresh_token(refresh_token, self.request.client)
        if found is None:
            raise InvalidGrantError("Unknown or invalid refresh token.")
        return found

    def validate_token_request(self) -> None:
        try:
            super().validate_token_request()
        except InvalidGrantError as error:
            error.description = "Unknown or invalid refresh token."
            raise

    def authenticate_user(self, refresh_token: RefreshToken) -> EndUser | None:
        record = self.server.users.get(refresh_token.user_id)
        return blocked_check(record) if record else None

    def issue_token(self, user: EndUser, refresh_token: RefreshToken) -> dict[str, Any]:
        scope = self.request.payload.scope or refresh_token.get_scope()
        rotate = self.request.client.rotating_refresh_tokens
        token = self.generate_token(user=user, scope=scope, include_refresh_token=rotate)
        if not rotate:
            token.pop("refresh_token", None)
        return token

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        """Nothing left to do: with rotation, `claim_refresh_token` used the token up."""


class ClientCredentialsGrant(IssuingMixin, grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def audience(self) -> str:
        audience = self.request.form.get("audience") or self.server.tenant.default_audience
        if not audience:
            raise AccessDeniedError(
                "No audience parameter was provided, and no default audience has been configured"
            )
        self.server.tokens.check_audience(audience)
        return str(audience)

    def granted_scope(self) -> str:
        client_id = self.request.client.client_id
        audience = self.audience()
        granted = self.server.tenant.client_grants.get((client_id, audience))
        if granted is None:
            raise AccessDeniedError(f"Client is not authorized to access '{audience}'.")
        wanted = (self.request.payload.scope or "").split()
        missing = [s for s in wanted if s not in granted]
        if missing:
            raise AccessDeniedError(f"Client has not been granted scopes: {', '.join(missing)}")
        return " ".join(wanted or granted)

    @hooked
    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        token = self.generate_token(scope=self.granted_scope(), include_refresh_token=False)
        return 200, token, self.TOKEN_RESPONSE_HEADER
