"""Browser endpoints: /authorize with the hosted login page, /u/login, /v2/logout."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oidc.core.errors import LoginRequiredError

from auth0emulator import pages
from auth0emulator.authserver import EmulatorOAuth2Request
from auth0emulator.bruteforce import BLOCKED_MESSAGE, TooManyAttemptsError
from auth0emulator.grants import UnauthorizedError
from auth0emulator.sessions import (
    SESSION_COOKIE,
    TRANSACTION_COOKIE,
    clear_cookie,
    cookie_header,
)
from auth0emulator.tenant import url_without_query
from auth0emulator.tokens import EndUser
from auth0emulator.wsgi import Request, Response, html_response, redirect

if TYPE_CHECKING:
    from auth0emulator.app import Emulator

WRONG_CREDENTIALS = "Wrong email or password"


class LoginViews:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    # --- /authorize ---------------------------------------------------------------------

    def authorize(self, request: Request) -> Response:
        session = self.emulator.sessions.get(request.cookie(SESSION_COOKIE))
        user = self._session_user(session)
        oauth_request = self._oauth_request(request.query_items, request)
        try:
            grant = self._consent_grant(oauth_request, user)
        except OAuth2Error as error:
            return self._error(error, oauth_request)
        if user is not None and grant.prompt != "login":
            oauth_request.context["auth_time"] = session["auth_time"] if session else None
            return self._complete(oauth_request, grant, user)
        txn = self.emulator.sessions.begin_transaction(request.query_items)
        response = self._login_form(grant.client, txn)
        return response.header(*cookie_header(TRANSACTION_COOKIE, txn))

    def _session_user(self, session: dict[str, Any] | None) -> EndUser | None:
        if session is None:
            return None
        record = self.emulator.users.get(session["user_id"])
        if record is None or record.get("blocked"):
            return None
        return EndUser(record)

    def _oauth_request(
        self, params: list[tuple[str, str]], request: Request
    ) -> EmulatorOAuth2Request:
        uri = f"{self.emulator.tenant.issuer}authorize"
        made = EmulatorOAuth2Request("GET", uri, request.headers, list(params), [])
        made.remote_addr = request.remote_addr
        return made

    def _consent_grant(self, oauth_request: EmulatorOAuth2Request, user: EndUser | None) -> Any:
        grant = self.emulator.server.get_consent_grant(oauth_request, end_user=user)
        prompt = oauth_request.payload.data.get("prompt", "")
        if "none" in prompt.split() and user is None:
            # Authlib's OIDC hook does this for `openid` requests; Auth0 does it for all.
            raise LoginRequiredError(redirect_uri=grant.redirect_uri)
        if "login" in prompt.split() or user is None:
            grant.prompt = "login"
        return grant

    def _complete(
        self, oauth_request: EmulatorOAuth2Request, grant: Any, user: EndUser
    ) -> Response:
        response = self.emulator.server.create_authorization_response(
            request=oauth_request, grant_user=user, grant=grant
        )
        assert isinstance(response, Response)  # noqa: S101 - handle_response builds it
        return response

    def _error(self, error: OAuth2Error, oauth_request: EmulatorOAuth2Request) -> Response:
        if error.redirect_uri:
            error.state = error.state or oauth_request.payload.state
            status, _, headers = error()
            return Response(status, b"", list(headers))
        description = error.get_error_description() or "The request is invalid."
        return html_response(pages.error_page(error.error or "invalid_request", description), 400)

    def _login_form(
        self,
        client: Any,
        txn: str,
        email: str = "",
        error: str | None = None,
        status: HTTPStatus = HTTPStatus.BAD_REQUEST,
    ) -> Response:
        status = HTTPStatus.OK if error is None else status
        return html_response(
            pages.login_page(client_name=client.name, txn=txn, email=email, error=error), status
        )

    # --- /u/login -------------------------------------------------------------------------

    def login(self, request: Request) -> Response:
        form = dict(request.form_items())
        txn = form.get("state", "")
        params = self.emulator.sessions.transaction(txn)
        if params is None or request.cookie(TRANSACTION_COOKIE) != txn:
            return html_response(
                pages.error_page("invalid_request", "This login page has expired; start again."),
                HTTPStatus.BAD_REQUEST,
            )
        oauth_request = self._oauth_request(params, request)
        try:
            grant = self.emulator.server.get_consent_grant(oauth_request, end_user=None)
            user = self._authenticate(oauth_request, form, request.remote_addr)
        except TooManyAttemptsError:
            # Auth0's page says the account is blocked, whatever the password (not checked).
            email = form.get("username", "")
            blocked = HTTPStatus.TOO_MANY_REQUESTS
            return self._login_form(grant.client, txn, email, BLOCKED_MESSAGE, blocked)
        except OAuth2Error as error:
            return self._error(error, oauth_request)
        if user is None:
            return self._login_form(grant.client, txn, form.get("username", ""), WRONG_CREDENTIALS)
        return self._logged_in(request, oauth_request, grant, user, txn)

    def _authenticate(
        self, oauth_request: EmulatorOAuth2Request, form: dict[str, str], ip: str
    ) -> EndUser | None:
        tenant = self.emulator.tenant
        name = oauth_request.payload.data.get("connection") or tenant.default_directory
        connection = tenant.connections.get(name)
        client_id = oauth_request.payload.client_id
        if connection is None or not connection.enabled_for(client_id):
            raise InvalidRequestError("the connection was not found")
        record = self.emulator.users.authenticate(
            name, form.get("username", ""), form.get("password", ""), ip
        )
        if record is None:
            return None
        if record.get("blocked"):
            # Auth0 sends a blocked user back to the application with `error=unauthorized`.
            raise UnauthorizedError(
                "user is blocked", redirect_uri=oauth_request.payload.redirect_uri
            )
        return EndUser(record)

    def _logged_in(
        self,
        request: Request,
        oauth_request: EmulatorOAuth2Request,
        grant: Any,
        user: EndUser,
        txn: str,
    ) -> Response:
        emulator = self.emulator
        emulator.users.record_login(user.user_id, request.remote_addr)
        sid = emulator.sessions.create(user.user_id)
        emulator.sessions.end_transaction(txn)
        oauth_request.context["auth_time"] = int(emulator.clock.now())
        response = self._complete(oauth_request, grant, user)
        response.header(*cookie_header(SESSION_COOKIE, sid, emulator.tenant.session_lifetime_s))
        return response.header(*clear_cookie(TRANSACTION_COOKIE))

    # --- /v2/logout -------------------------------------------------------------------------

    def logout(self, request: Request) -> Response:
        tenant = self.emulator.tenant
        client_id = request.query.get("client_id")
        client = tenant.clients.get(client_id) if client_id else None
        if client_id and client is None:
            return self._logout_error(f"invalid_request: the client_id {client_id} is unknown")
        allowed = client.allowed_logout_urls if client else tenant.allowed_logout_urls
        return_to = request.query.get("returnTo")
        if return_to and url_without_query(return_to) not in allowed:
            where = "the application" if client else "the tenant"
            return self._logout_error(
                f'invalid_request: The "returnTo" querystring parameter "{return_to}" is not '
                f'defined as a valid URL in "Allowed Logout URLs" of {where}.'
            )
        self.emulator.sessions.end(request.cookie(SESSION_COOKIE))
        target = return_to or (allowed[0] if allowed else None)
        response = (
            redirect(target) if target else html_response(pages.message_page("Logged out", "OK"))
        )
        return response.header(*clear_cookie(SESSION_COOKIE))

    @staticmethod
    def _logout_error(description: str) -> Response:
        return html_response(pages.error_page("invalid_request", description), 400)
