"""Management API v2: /roles and /users/{id}/roles."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from auth0emulator import errors
from auth0emulator.mgmt_auth import ManagementAuth, bool_param, json_object, paging, validate_body
from auth0emulator.tenant import Role
from auth0emulator.wsgi import Request, Response, json_response

if TYPE_CHECKING:
    from auth0emulator.app import Emulator

ROLES_BODY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["roles"],
    "properties": {"roles": {"type": "array", "items": {"type": "string", "minLength": 1}}},
}


def _role(role: Role) -> dict[str, str]:
    return {"id": role.id, "name": role.name, "description": role.description}


def _page(request: Request, roles: list[Role]) -> Response:
    page, per_page = paging(request.query, 50)
    chunk = [_role(r) for r in roles[page * per_page : (page + 1) * per_page]]
    if not bool_param(request.query, "include_totals", False):
        return json_response(chunk)
    body: dict[str, Any] = {
        "roles": chunk, "start": page * per_page, "limit": per_page, "total": len(roles),
    }  # fmt: skip
    return json_response(body)


class RoleViews:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.auth = ManagementAuth(emulator)

    def list_roles(self, request: Request) -> Response:
        self.auth.check(request, any_of=("read:roles",))
        wanted = request.query.get("name_filter", "").lower()
        roles = [
            role
            for role in sorted(self.emulator.tenant.roles.values(), key=lambda r: r.name)
            if wanted in role.name.lower()
        ]
        return _page(request, roles)

    def user_roles(self, request: Request) -> Response:
        self.auth.check(request, any_of=(), all_of=("read:users", "read:roles"))
        user_id = request.path_params["id"]
        if self.emulator.users.get(user_id) is None:
            raise errors.user_not_found()
        tenant = self.emulator.tenant
        roles = sorted(
            (tenant.roles[r] for r in self.emulator.users.role_ids(user_id)), key=lambda r: r.name
        )
        return _page(request, roles)

    def assign(self, request: Request) -> Response:
        self.auth.check(request, any_of=("update:users", "create:role_members"))
        self.emulator.users.set_roles(request.path_params["id"], add=self._role_ids(request))
        return Response(HTTPStatus.NO_CONTENT)

    def remove(self, request: Request) -> Response:
        self.auth.check(request, any_of=("update:users", "delete:role_members"))
        self.emulator.users.set_roles(request.path_params["id"], remove=self._role_ids(request))
        return Response(HTTPStatus.NO_CONTENT)

    def _role_ids(self, request: Request) -> list[str]:
        data = json_object(request)
        validate_body(data, ROLES_BODY_SCHEMA)
        unknown = [r for r in data["roles"] if r not in self.emulator.tenant.roles]
        if unknown:
            raise errors.Auth0Error(
                HTTPStatus.NOT_FOUND, f"Role not found: {', '.join(unknown)}", "inexistent_role"
            )
        return list(data["roles"])
