"""Management API v2: /users, /users/{id}, /users-by-email."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from auth0emulator import errors, lucene
from auth0emulator.mgmt_auth import (
    MAX_RECORDS,
    ManagementAuth,
    bool_param,
    json_object,
    paging,
    project,
    query_error,
    validate_body,
)
from auth0emulator.users import public
from auth0emulator.wsgi import Request, Response, json_response

if TYPE_CHECKING:
    from auth0emulator.app import Emulator

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TEXT = {"type": "string", "minLength": 1, "maxLength": 300}
_PROFILE = {
    "name": _TEXT, "nickname": _TEXT, "given_name": _TEXT, "family_name": _TEXT,
    "picture": {"type": "string"}, "phone_number": {"type": "string"},
}  # fmt: skip
CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["connection"],
    "properties": {
        **_PROFILE,
        "connection": {"type": "string", "minLength": 1},
        "email": {"type": "string"},
        "password": {"type": "string", "minLength": 1},
        "user_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,255}$"},
        "username": {"type": "string"},
        "email_verified": {"type": "boolean"},
        "verify_email": {"type": "boolean"},
        "phone_verified": {"type": "boolean"},
        "blocked": {"type": "boolean"},
        "app_metadata": {"type": "object"},
        "user_metadata": {"type": "object"},
    },
}
_NULLABLE_TEXT = {"type": ["string", "null"], "minLength": 1, "maxLength": 300}
UPDATE_SCHEMA = {
    "type": "object",
    "properties": {
        **dict.fromkeys(("name", "nickname", "given_name", "family_name"), _NULLABLE_TEXT),
        "picture": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "password": {"type": "string", "minLength": 1},
        "blocked": {"type": "boolean"},
        "email_verified": {"type": "boolean"},
        "verify_email": {"type": "boolean"},
        "connection": {"type": "string"},
        "client_id": {"type": "string"},
        "app_metadata": {"type": ["object", "null"]},
        "user_metadata": {"type": ["object", "null"]},
    },
}


class UserViews:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.auth = ManagementAuth(emulator)

    def list_users(self, request: Request) -> Response:
        self.auth.check(request, any_of=("read:users",))
        query = request.query
        engine = query.get("search_engine", "v3")
        if engine == "v1":
            raise query_error("You are not allowed to use search_engine=v1.")
        if engine not in ("v2", "v3"):
            raise query_error(
                f"Query validation error: 'Invalid value {engine}' on property search_engine"
            )
        if engine == "v2":
            raise query_error(
                "You are not allowed to use search_engine=v2. Use search_engine=v3 instead."
            )
        page, per_page = paging(query, 50)
        if (page + 1) * per_page > MAX_RECORDS:
            raise query_error(
                "You can only page through the first 1000 records. See "
                "https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation."
            )
        users = self._sorted(self._search(query.get("q")), query.get("sort"))
        chunk = [project(u, query) for u in users[page * per_page : (page + 1) * per_page]]
        if not bool_param(query, "include_totals", False):
            return json_response(chunk)
        return json_response(
            {
                "users": chunk,
                "start": page * per_page,
                "limit": per_page,
                "length": len(chunk),
                "total": len(users),
            }
        )

    def _search(self, q: str | None) -> list[dict[str, Any]]:
        users = [public(u) for u in self.emulator.users.all()]
        if not q:
            return users
        try:
            node = lucene.parse(q)
        except lucene.LuceneError as exc:
            raise query_error(f"Invalid query: {exc}") from None
        return [u for u in users if node.matches(u)]

    @staticmethod
    def _sorted(users: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
        if not sort:
            return sorted(users, key=lambda u: (u["created_at"], u["user_id"]))
        found = re.fullmatch(r"([A-Za-z0-9_.]+):(1|-1)", sort)
        if found is None:
            raise query_error(f"Query validation error: 'Invalid sort {sort}' on property sort")
        field, order = found.group(1), found.group(2)
        return sorted(users, key=lambda u: str(u.get(field, "")), reverse=order == "-1")

    def create(self, request: Request) -> Response:
        self.auth.check(request, any_of=("create:users",))
        data = json_object(request)
        validate_body(data, CREATE_SCHEMA)
        connection = self.emulator.tenant.connections.get(data["connection"])
        if connection is None:
            raise errors.bad_request("The connection does not exist.", "inexistent_connection")
        for required in ("email", "password"):
            if required not in data:
                raise errors.bad_request(
                    f"Payload validation error: 'Missing required property: {required}'."
                )
        _check_email(data["email"])
        user = self.emulator.users.create(data, user_id=data.get("user_id"))
        return json_response(public(user), HTTPStatus.CREATED)

    def get(self, request: Request) -> Response:
        self.auth.check(request, any_of=("read:users", "read:current_user"))
        user = self.emulator.users.get(request.path_params["id"])
        if user is None:
            raise errors.user_not_found()
        return json_response(project(public(user), request.query))

    def update(self, request: Request) -> Response:
        data = json_object(request)
        only_app_metadata = set(data) == {"app_metadata"}
        scopes = (
            ("update:users", "update:users_app_metadata")
            if only_app_metadata
            else ("update:users",)
        )
        self.auth.check(request, any_of=scopes)
        validate_body(data, UPDATE_SCHEMA)
        if "password" in data and "email" in data:
            raise errors.bad_request("Cannot update password and email simultaneously")
        if data.get("email") is not None:
            _check_email(data["email"])
        user = self.emulator.users.update(request.path_params["id"], data)
        if "password" in data and self.emulator.password_hook is not None:
            self.emulator.password_hook.notify(user["user_id"])  # Auth0's post-change-password
        return json_response(public(user))

    def delete(self, request: Request) -> Response:
        self.auth.check(request, any_of=("delete:users", "delete:current_user"))
        self.emulator.users.delete(request.path_params["id"])
        return Response(HTTPStatus.NO_CONTENT)

    def by_email(self, request: Request) -> Response:
        self.auth.check(request, any_of=("read:users",))
        email = request.query.get("email")
        if not email:
            raise query_error("Query validation error: 'Missing required property: email'")
        found = self.emulator.users.find_by_email(email)
        return json_response([project(public(u), request.query) for u in found])


def _check_email(email: str) -> None:
    if not _EMAIL.match(email):
        raise errors.bad_request(
            f"Payload validation error: 'Object didn't pass validation for format email: "
            f"{email}' on property email (The user's email)."
        )
