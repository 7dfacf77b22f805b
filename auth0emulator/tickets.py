"""Password-change tickets: POST /api/v2/tickets/password-change and the page it links to."""

from __future__ import annotations

import hashlib
import secrets
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from auth0emulator import errors, pages
from auth0emulator.mgmt_auth import ManagementAuth, json_object, validate_body
from auth0emulator.store import digest
from auth0emulator.users import connection_of
from auth0emulator.wsgi import Request, Response, html_response, json_response, redirect

if TYPE_CHECKING:
    from auth0emulator.app import Emulator

DEFAULT_TTL_S = 432000  # five days, Auth0's default
TICKET_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "result_url": {"type": "string"},
        "user_id": {"type": "string", "minLength": 1},
        "client_id": {"type": "string"},
        "organization_id": {"type": "string"},
        "connection_id": {"type": "string"},
        "email": {"type": "string"},
        "ttl_sec": {"type": "integer", "minimum": 0},
        "mark_email_as_verified": {"type": "boolean"},
        "includeEmailInRedirect": {"type": "boolean"},
    },
}


def connection_id(name: str) -> str:
    """Stable connection ids in Auth0's shape (`con_` + 16 characters)."""
    return "con_" + hashlib.sha256(name.encode()).hexdigest()[:16]


class TicketViews:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.auth = ManagementAuth(emulator)

    def create(self, request: Request) -> Response:
        self.auth.check(request, any_of=("create:user_tickets",))
        data = json_object(request)
        validate_body(data, TICKET_SCHEMA)
        user = self._user(data)
        ticket = secrets.token_urlsafe(24)
        ttl = int(data.get("ttl_sec") or DEFAULT_TTL_S)
        with self.emulator.store.write() as state:
            state["tickets"][digest(ticket)] = {
                "user_id": user["user_id"],
                "result_url": data.get("result_url"),
                "mark_email_as_verified": bool(data.get("mark_email_as_verified", False)),
                "expires_at": self.emulator.clock.now() + ttl,
            }
        url = f"{self.emulator.tenant.issuer}lo/reset?ticket={quote(ticket)}#"
        return json_response({"ticket": url}, HTTPStatus.CREATED)

    def _user(self, data: dict[str, Any]) -> dict[str, Any]:
        if "user_id" in data:
            if "email" in data or "connection_id" in data:
                raise errors.bad_request("You cannot send user_id when specifying a connection_id.")
            user = self.emulator.users.get(data["user_id"])
            if user is None:
                raise errors.user_not_found()
            return user
        if "email" not in data or "connection_id" not in data:
            raise errors.bad_request(
                "Payload validation error: 'Missing required property: user_id'."
            )
        for user in self.emulator.users.find_by_email(data["email"]):
            if connection_id(connection_of(user)) == data["connection_id"]:
                return user
        raise errors.user_not_found()

    # --- the hosted reset page --------------------------------------------------------------

    def _ticket(self, ticket: str) -> dict[str, Any] | None:
        with self.emulator.store.read() as state:
            record = state["tickets"].get(digest(ticket))
            if record is None or record["expires_at"] < self.emulator.clock.now():
                return None
            return dict(record)

    def page(self, request: Request) -> Response:
        ticket = request.query.get("ticket", "")
        record = self._ticket(ticket)
        user = self.emulator.users.get(record["user_id"]) if record else None
        if user is None:
            return html_response(pages.error_page("invalid_ticket", "This link has expired."), 400)
        return html_response(pages.reset_page(ticket=ticket, email=user.get("email", "")))

    def reset(self, request: Request) -> Response:
        form = dict(request.form_items())
        ticket = form.get("ticket", "")
        record = self._ticket(ticket)
        if record is None:
            return html_response(pages.error_page("invalid_ticket", "This link has expired."), 400)
        changes: dict[str, Any] = {"password": form.get("password", "")}
        if record["mark_email_as_verified"]:
            changes["email_verified"] = True
        try:
            user = self.emulator.users.update(record["user_id"], changes)
        except errors.Auth0Error as exc:
            user = self.emulator.users.get(record["user_id"]) or {}
            page = pages.reset_page(ticket=ticket, email=user.get("email", ""), error=exc.message)
            return html_response(page, HTTPStatus.BAD_REQUEST)
        with self.emulator.store.write() as state:
            state["tickets"].pop(digest(ticket), None)
        if self.emulator.password_hook is not None:
            self.emulator.password_hook.notify(user["user_id"])  # Auth0's post-change-password
        if record["result_url"]:
            return redirect(record["result_url"])
        return html_response(pages.message_page("Password changed", f"{user['email']}: done."))
