"""Authlib's AuthorizationServer on the emulator's WSGI requests, with Auth0's error shapes."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidClientError,
    InvalidGrantError,
    OAuth2Payload,
    OAuth2Request,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.errors import OAuth2Error

from auth0emulator.codes import Codes
from auth0emulator.tenant import Client, Tenant
from auth0emulator.tokens import TokenFactory
from auth0emulator.users import Users
from auth0emulator.wsgi import Request, Response, json_response


class EmulatorPayload(OAuth2Payload):
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class EmulatorOAuth2Request(OAuth2Request):
    """An OAuth2Request from query items (authorize) or body items (token, revoke)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: dict[str, str],
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = EmulatorPayload(query + form)
        self.remote_addr = ""
        self.context: dict[str, Any] = {}

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @classmethod
    def from_request(cls, request: Request) -> EmulatorOAuth2Request:
        query = request.query_items
        form = request.form_items() if request.method != "GET" else []
        made = cls(request.method, request.url, request.headers, query, form)
        made.remote_addr = request.remote_addr
        return made


class Auth0AuthorizationServer(AuthorizationServer):
    def __init__(self, tenant: Tenant, tokens: TokenFactory, codes: Codes, users: Users) -> None:
        super().__init__()
        self.tenant = tenant
        self.tokens = tokens
        self.codes = codes
        self.users = users

    def query_client(self, client_id: str) -> Client | None:
        return self.tenant.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """The factory stored what needs storing when it issued the token."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal system in the emulator."""

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return EmulatorOAuth2Request.from_request(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON requests in the emulator's OAuth endpoints")

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        headers = list(headers or [])
        if isinstance(body, dict):
            extra = [h for h in headers if h[0].lower() != "content-type"]
            return json_response(body, status, extra)
        data = body.encode() if isinstance(body, str) else bytes(body or b"")
        return Response(status, data, headers)

    def handle_error_response(self, request: OAuth2Request, error: OAuth2Error) -> Response:
        return self.handle_response(*auth0_error(error)(self.get_error_uri(request, error)))


def auth0_error(error: OAuth2Error) -> OAuth2Error:
    """Auth0's statuses and texts where they differ from Authlib's RFC defaults."""
    if isinstance(error, InvalidClientError):
        # Auth0 answers a bad client secret with 401 access_denied "Unauthorized".
        shaped = OAuth2Error("Unauthorized", status_code=401, error="access_denied")
        shaped.redirect_uri = error.redirect_uri
        return shaped
    if isinstance(error, InvalidGrantError) and not error.redirect_uri:
        error.status_code = 403
    if isinstance(error, UnauthorizedClientError) and not error.redirect_uri:
        error.status_code = 403
        found = re.search(r"'grant_type=(.+)'", error.description or "")
        if found:
            error.description = f"Grant type '{found.group(1)}' not allowed for the client."
    return error
