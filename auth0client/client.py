"""The Auth0 Authentication API client: authorize URL, token grants, revocation, userinfo, JWKS.

Any OpenID provider works: the endpoints and the issuer come from its discovery document
(auth0client/discovery.py), Auth0's fixed paths only while that document is unavailable.
Every protocol step goes through Authlib's OAuth2Session; every HTTP call has an explicit timeout
and its failures are translated here (ConnectionError/Timeout → 503, 5xx → 502, refusals → 403).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from authlib.common.urls import add_params_to_uri
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings

from auth0client.config import ClientConfig
from auth0client.discovery import (
    ProviderMetadata,
    discovery_cache,
    discovery_url,
    issuer_check,
)
from auth0client.errors import (
    Auth0BadGatewayError,
    Auth0UnavailableError,
    InvalidGrantError,
    LoginThrottledError,
    NotAuthenticatedError,
)
from auth0client.http import HTTPError, HttpSession, TransportError, json_object, shared_session

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")
PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105
# Answers meaning "these credentials or this code/refresh token are not good": 403, not 502.
_REFUSALS = frozenset({"invalid_grant", "access_denied", "unauthorized", "invalid_user_password"})
_MAX_JSON_BYTES = 256 * 1024


@dataclass(frozen=True)
class TokenSet:
    """A token endpoint answer. `expires_at` is the access token's expiry (epoch seconds)."""

    access_token: str
    expires_at: int
    id_token: str | None = None
    refresh_token: str | None = None
    scope: str | None = None

    @classmethod
    def from_response(cls, token: Mapping[str, Any], *, now: float) -> TokenSet:
        access_token = token.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise Auth0BadGatewayError("The identity provider answered without an access token.")
        expires_in = token.get("expires_in")
        lifetime = int(expires_in) if isinstance(expires_in, int | float) else 3600
        return cls(
            access_token=access_token,
            expires_at=int(now) + max(lifetime, 0),
            id_token=_optional_str(token.get("id_token")),
            refresh_token=_optional_str(token.get("refresh_token")),
            scope=_optional_str(token.get("scope")),
        )


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _translated(operation: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Turns transport and protocol failures of one provider call into the product's errors."""

    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return func(*args, **kwargs)
            except AuthlibBaseError as exc:
                raise _protocol_error(operation, exc) from exc
            except HTTPError as exc:
                status = exc.response.status_code if exc.response is not None else 0
                logger.warning("auth0 answered %s to %s", status, operation)
                raise Auth0BadGatewayError(
                    f"The identity provider failed ({status}) during {operation}; try again."
                ) from exc
            except TransportError as exc:
                logger.warning("auth0 unreachable during %s: %s", operation, type(exc).__name__)
                raise Auth0UnavailableError(
                    f"The identity provider is not reachable ({operation}); try again shortly."
                ) from exc
            except ValueError as exc:
                raise Auth0BadGatewayError(
                    f"The identity provider sent an unreadable answer during {operation}."
                ) from exc

        return wrapper

    return decorate


def _protocol_error(operation: str, exc: AuthlibBaseError) -> Exception:
    code = str(exc.error or "")
    logger.info("auth0 refused %s: %s", operation, code)
    if code == "too_many_attempts":
        return LoginThrottledError("Too many attempts: wait a few minutes before trying again.")
    if code in _REFUSALS:
        return InvalidGrantError(_refusal_message(operation))
    return Auth0BadGatewayError(f"The identity provider refused {operation} ({code}).")


def _refusal_message(operation: str) -> str:
    if operation == "password grant":
        return "Wrong username or password."
    if operation == "refresh":
        return "The session can no longer be renewed: sign in again."
    return "The sign-in could not be completed: start again."


class AuthenticationClient:
    """One configured client (`clients.<type>` of config.json) talking to its Auth0 tenant."""

    def __init__(self, config: ClientConfig, http: HttpSession, *, timeout_s: float) -> None:
        self.config = config
        self._http = http
        self.timeout_s = timeout_s

    # --- the provider's configuration ----------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        """Discovered (cached, stale on failure), or Auth0's paths; IssuerMismatchError if wrong."""
        return discovery_cache.metadata(self.config.auth0_url, self._discovery_document)

    def issuer(self) -> str:
        """The `iss` every token and callback must carry, exactly (OIDC Discovery §4.3)."""
        return self.metadata().issuer

    # --- URLs ---------------------------------------------------------------------------

    def authorization_url(
        self,
        *,
        state: str,
        nonce: str,
        code_verifier: str,
        connection: str | None = None,
        prompt: str | None = None,
    ) -> str:
        extra = {"nonce": nonce, "audience": self.config.audience}
        extra |= {"connection": connection, "prompt": prompt}
        url, _ = self._oauth(scoped=True).create_authorization_url(
            self.metadata().authorization_endpoint,
            state=state,
            code_verifier=code_verifier,
            **{key: value for key, value in extra.items() if value},
        )
        return str(url)

    def logout_url(
        self, *, return_to: str | None, with_client_id: bool, id_token: str | None = None
    ) -> str:
        """RP-Initiated Logout 1.0 when the provider offers it, else Auth0's /v2/logout."""
        end_session = self.metadata().end_session_endpoint
        if end_session:
            # §2: id_token_hint names the session; client_id lets the provider check the
            # post_logout_redirect_uri even without it (or with an expired one).
            params = [("client_id", self.config.client_id)]
            params += [("id_token_hint", id_token)] if id_token else []
            params += [("post_logout_redirect_uri", return_to)] if return_to else []
            return str(add_params_to_uri(end_session, params))
        legacy = {"returnTo": return_to} if return_to else {}
        if with_client_id:
            legacy["client_id"] = self.config.client_id
        query = f"?{urlencode(legacy)}" if legacy else ""
        return f"{self.config.auth0_url}v2/logout{query}"

    # --- token endpoint ------------------------------------------------------------------

    @_translated("code exchange")
    def exchange_code(self, *, code: str, code_verifier: str) -> TokenSet:
        token = self._oauth(scoped=False).fetch_token(
            self.metadata().token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
        )
        return TokenSet.from_response(token, now=time.time())

    @_translated("password grant")
    def password_grant(self, *, username: str, password: str, connection: str | None) -> TokenSet:
        extra = {"realm": connection} if connection else {}
        if self.config.audience:
            extra["audience"] = self.config.audience
        token = self._oauth(scoped=True).fetch_token(
            self.metadata().token_endpoint,
            grant_type=PASSWORD_REALM_GRANT if connection else "password",
            username=username,
            password=password,
            **extra,
        )
        return TokenSet.from_response(token, now=time.time())

    @_translated("refresh")
    def refresh(self, *, refresh_token: str) -> TokenSet:
        token = self._oauth(scoped=False).refresh_token(
            self.metadata().token_endpoint, refresh_token=refresh_token
        )
        return TokenSet.from_response(token, now=time.time())

    @_translated("revocation")
    def revoke(self, *, refresh_token: str) -> None:
        endpoint = self.metadata().revocation_endpoint
        if endpoint is None:
            logger.info("the provider offers no revocation endpoint: refresh token not revoked")
            return
        response = self._oauth(scoped=False).revoke_token(
            endpoint,
            token=refresh_token,
            token_type_hint="refresh_token",  # noqa: S106
        )
        if response.status_code >= 400:
            logger.warning("auth0 refused the revocation: %s", response.status_code)

    # --- resources -----------------------------------------------------------------------

    @_translated("userinfo")
    def userinfo(self, *, access_token: str) -> dict[str, Any]:
        """The provider's /userinfo for an access token, opaque or JWT (OIDC Core §5.3)."""
        endpoint = self.metadata().userinfo_endpoint
        if endpoint is None:
            raise Auth0BadGatewayError("The identity provider offers no userinfo endpoint.")
        response = self._http.get(
            endpoint,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=self.timeout_s,
        )
        if response.status_code in (401, 403):
            raise NotAuthenticatedError("The access token is not valid any more: sign in again.")
        response.raise_for_status()
        return json_object(response.content, max_bytes=_MAX_JSON_BYTES)

    def discovery(self) -> dict[str, Any]:
        """The provider's OpenID configuration, downloaded now (the check-up), issuer checked."""
        document = self._discovery_document()
        issuer_check(document.get("issuer"), self.config.auth0_url)
        return document

    @_translated("discovery")
    def _discovery_document(self) -> dict[str, Any]:
        response = self._http.get(
            discovery_url(self.config.auth0_url),
            headers={"Accept": "application/json"},
            timeout=self.timeout_s,
        )
        response.raise_for_status()
        return json_object(response.content, max_bytes=_MAX_JSON_BYTES)

    @_translated("JWKS download")
    def jwks(self) -> dict[str, Any]:
        response = self._http.get(
            self.metadata().jwks_uri,
            headers={"Accept": "application/json"},
            timeout=self.timeout_s,
        )
        response.raise_for_status()
        document = json_object(response.content, max_bytes=_MAX_JSON_BYTES)
        if not isinstance(document.get("keys"), list):
            raise ValueError("a JWKS has a 'keys' list")
        return document

    def _auth_method(self) -> str:
        """The configured method, else client_secret_post unless the provider lacks it."""
        if self.config.token_endpoint_auth_method:
            return self.config.token_endpoint_auth_method
        offered = self.metadata().token_endpoint_auth_methods
        # RFC 6749 §2.3.1: every provider must accept HTTP Basic; Auth0 defaults to post.
        if offered and "client_secret_post" not in offered:
            return "client_secret_basic"
        return "client_secret_post"

    def _oauth(self, *, scoped: bool) -> OAuth2Session:
        method = self._auth_method()
        oauth = OAuth2Session(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            token_endpoint_auth_method=method,
            revocation_endpoint_auth_method=method,
            scope=" ".join(self.config.provider_scopes) if scoped else None,
            redirect_uri=self.config.redirect_url,
            code_challenge_method="S256",
            default_timeout=self.timeout_s,
        )
        # Share the pooled, retrying adapters of build_session() (POST is never retried).
        for prefix, adapter in self._http.adapters.items():
            oauth.mount(prefix, adapter)
        return oauth


def get_authentication_client(config: ClientConfig) -> AuthenticationClient:
    """The client for one configured client type (cheap: the HTTP pool is shared)."""
    return AuthenticationClient(config, shared_session(), timeout_s=settings.AUTH0_TIMEOUT_SECONDS)
