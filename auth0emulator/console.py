"""The Console mode (`--console`): a Mia-Platform Console's SSO for one extension (seed 002).

    GET  /tenants/{tenantId}/extension/{extensionId}/authz?state=…   302 to the callback URL
    POST /api/oauth/token      {"code","state"} → {"accessToken","refreshToken","expireAt"}
    POST /api/refreshtoken     {"refreshToken"} → the same shape, the refresh token rotated
    GET  /jwks                 the emulator's signing keys (the Auth0 side's, same host)

The Console's user is already signed in, so /authz asks nothing: it signs in the browser's
emulator user (cookie `auth0`) or else the configured seeded user. Access tokens carry `iss` =
the base URL (no trailing slash), `aud` = [the extension URL], and `groups`/`permissions` from the
user's app_metadata. Codes are single use, expire after 10 minutes and are bound to the
extension and its state; a replayed code or a reused refresh token revokes the whole grant.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from auth0emulator.errors import Auth0Error
from auth0emulator.sessions import SESSION_COOKIE
from auth0emulator.store import digest
from auth0emulator.wsgi import Request, Response, json_response, redirect

if TYPE_CHECKING:
    from auth0emulator.app import Emulator

CODE_LIFETIME_S = 600
DEFAULT_CALLBACK_PATH = "/console-login/callback"
# The Console's routes: (methods, path, view name, fault family).
ROUTES = (
    ("GET", "/tenants/{tenant}/extension/{extension}/authz", "authz", "console-authz"),
    ("POST", "/api/oauth/token", "token", "console-token"),
    ("POST", "/api/refreshtoken", "refresh", "console-refresh"),
    ("GET", "/jwks", "jwks", "console-jwks"),
)


@dataclass(frozen=True)
class ConsoleOptions:
    tenant_id: str = "demo-tenant"
    extension_id: str = "authgw-extension"
    extension_url: str = "http://127.0.0.1:8080"
    callback_url: str | None = None  # default: extension_url + /console-login/callback
    user_email: str | None = None  # default: the seed's first user
    token_lifetime_s: int = 3600
    refresh_lifetime_s: int = 30 * 86400

    @property
    def redirect_uri(self) -> str:
        return self.callback_url or f"{self.extension_url.rstrip('/')}{DEFAULT_CALLBACK_PATH}"


class _MiaError(Auth0Error):
    """Mia-Platform services answer errors as {"statusCode","error","message"}."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(status, message, "console_error")

    def body(self) -> dict[str, Any]:
        phrase = HTTPStatus(self.status).phrase
        return {"statusCode": int(self.status), "error": phrase, "message": self.message}


def _with_params(url: str, params: dict[str, str]) -> str:
    """RFC 6749 §3.1.2: the redirection URI's own query is kept when code and state are added."""
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _json_fields(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    if request.content_type != "application/json":
        raise _MiaError(HTTPStatus.BAD_REQUEST, "The body must be JSON.")
    try:
        data = request.json()
    except (ValueError, UnicodeDecodeError):
        raise _MiaError(HTTPStatus.BAD_REQUEST, "The body must be JSON.") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(n), str) for n in names):
        raise _MiaError(HTTPStatus.BAD_REQUEST, f"The body must have {', '.join(names)}.")
    return {name: data[name] for name in names}


class ConsoleViews:
    def __init__(self, emulator: Emulator, options: ConsoleOptions, default_email: str) -> None:
        self.emulator = emulator
        self.options = options
        self.default_email = options.user_email or default_email

    @property
    def base_url(self) -> str:
        return self.emulator.tenant.issuer.rstrip("/")

    # --- /tenants/{tenant}/extension/{extension}/authz ------------------------------------

    def authz(self, request: Request) -> Response:
        params = request.path_params
        if (params["tenant"], params["extension"]) != (
            self.options.tenant_id,
            self.options.extension_id,
        ):
            raise _MiaError(HTTPStatus.NOT_FOUND, "No such tenant or extension.")
        state = request.query.get("state", "")
        if not state:
            raise _MiaError(HTTPStatus.BAD_REQUEST, "state is required.")
        user = self._user(request)
        code = secrets.token_urlsafe(32)
        now = self.emulator.clock.now()
        with self.emulator.store.write() as data:
            data["console_codes"][digest(code)] = {
                "user_id": user["user_id"],
                "state": state,
                "extension_id": self.options.extension_id,
                "family": secrets.token_hex(8),
                "used": False,
                "expires_at": now + CODE_LIFETIME_S,
            }
        return redirect(_with_params(self.options.redirect_uri, {"code": code, "state": state}))

    def _user(self, request: Request) -> dict[str, Any]:
        users = self.emulator.users
        session = self.emulator.sessions.get(request.cookie(SESSION_COOKIE))
        record = users.get(session["user_id"]) if session else None
        if record is None:
            found = users.find_by_email(self.default_email)
            record = found[0] if found else None
        if record is None or record.get("blocked"):
            raise _MiaError(HTTPStatus.FORBIDDEN, "The Console user cannot sign in.")
        return record

    # --- /api/oauth/token -------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        fields = _json_fields(request, ("code", "state"))
        now = self.emulator.clock.now()
        with self.emulator.store.write() as data:
            record = data["console_codes"].get(digest(fields["code"]))
            if record is None or record["expires_at"] < now:
                raise _MiaError(HTTPStatus.UNAUTHORIZED, "Invalid or expired code.")
            if record["used"]:
                self._revoke_family(data, record["family"])
                raise _MiaError(HTTPStatus.UNAUTHORIZED, "The code was already used.")
            record["used"] = True
            if record["state"] != fields["state"]:
                raise _MiaError(HTTPStatus.UNAUTHORIZED, "The state does not match the code.")
            if record["extension_id"] != self.options.extension_id:
                raise _MiaError(HTTPStatus.UNAUTHORIZED, "The code is for another extension.")
        return json_response(self._issue(record["user_id"], record["family"]))

    # --- /api/refreshtoken --------------------------------------------------------------------

    def refresh(self, request: Request) -> Response:
        fields = _json_fields(request, ("refreshToken",))
        now = self.emulator.clock.now()
        with self.emulator.store.write() as data:
            record = data["console_refresh_tokens"].get(digest(fields["refreshToken"]))
            if record is None or record["expires_at"] < now or record["revoked"]:
                raise _MiaError(HTTPStatus.UNAUTHORIZED, "Invalid refresh token.")
            if record["used"]:
                self._revoke_family(data, record["family"])
                raise _MiaError(HTTPStatus.UNAUTHORIZED, "The refresh token was already used.")
            record["used"] = True
        return json_response(self._issue(record["user_id"], record["family"]))

    @staticmethod
    def _revoke_family(data: dict[str, Any], family: str) -> None:
        for record in data["console_refresh_tokens"].values():
            if record.get("family") == family:
                record["revoked"] = True

    # --- /jwks ----------------------------------------------------------------------------------

    def jwks(self, request: Request) -> Response:
        return json_response(self.emulator.keys.jwks(), headers=[("Cache-Control", "max-age=15")])

    # --- tokens ---------------------------------------------------------------------------------

    def _issue(self, user_id: str, family: str) -> dict[str, Any]:
        record = self.emulator.users.get(user_id)
        if record is None or record.get("blocked"):
            raise _MiaError(HTTPStatus.UNAUTHORIZED, "The user cannot sign in any more.")
        now = int(self.emulator.clock.now())
        expire_at = now + self.options.token_lifetime_s
        app_metadata = record.get("app_metadata") or {}
        claims = {
            "iss": self.base_url,
            "sub": user_id,
            "aud": [self.options.extension_url],
            "iat": now,
            "nbf": now,
            "exp": expire_at,
            "name": record.get("name"),
            "email": record.get("email"),
            "groups": list(app_metadata.get("groups") or []),
            "permissions": list(app_metadata.get("permissions") or []),
        }
        refresh_token = secrets.token_urlsafe(36)
        with self.emulator.store.write() as data:
            data["console_refresh_tokens"][digest(refresh_token)] = {
                "user_id": user_id,
                "family": family,
                "used": False,
                "revoked": False,
                "expires_at": now + self.options.refresh_lifetime_s,
            }
        access_token = self.emulator.tokens.sign(claims)
        return {"accessToken": access_token, "refreshToken": refresh_token, "expireAt": expire_at}
