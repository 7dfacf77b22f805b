"""The emulator as one WSGI application: its parts, its routes and the request dispatch."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from authlib.oauth2.rfc6749.errors import OAuth2Error

from auth0emulator.authentication import AuthenticationViews, build_authorization_server
from auth0emulator.bruteforce import DEFAULT_LIMIT, BruteForceProtection
from auth0emulator.clock import Clock
from auth0emulator.codes import Codes
from auth0emulator.console import ROUTES as CONSOLE_ROUTES
from auth0emulator.console import ConsoleOptions, ConsoleViews
from auth0emulator.control import ControlViews
from auth0emulator.errors import Auth0Error
from auth0emulator.faults import Faults, RateLimiter
from auth0emulator.hook import PasswordChangeHook, PostLoginHook
from auth0emulator.keys import SigningKeys
from auth0emulator.login import LoginViews
from auth0emulator.mgmt_roles import RoleViews
from auth0emulator.mgmt_users import UserViews
from auth0emulator.seed import SeedError
from auth0emulator.sessions import Sessions
from auth0emulator.store import Store
from auth0emulator.tenant import build_tenant
from auth0emulator.tickets import TicketViews
from auth0emulator.tokens import TokenFactory
from auth0emulator.users import Users
from auth0emulator.wsgi import Request, Response, Router, json_response, status_line

logger = logging.getLogger(__name__)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class EmulatorOptions:
    seed: dict[str, Any]
    issuer: str
    data_path: Path | str | None
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    rate_limit: tuple[int | None, int] = (100, 1)
    brute_force_limit: int = DEFAULT_LIMIT  # failed logins per email and IP; 0: off
    hook_url: str | None = None
    hook_secret: str = ""
    password_hook_url: str | None = None
    password_hook_secret: str = ""
    console: ConsoleOptions | None = None  # `--console`: the Console SSO routes too


class Emulator:
    def __init__(self, options: EmulatorOptions) -> None:
        self.clock = Clock()
        self.store = Store(options.data_path, self.clock.now)
        self.tenant = build_tenant(options.seed, options.issuer)
        self.keys = SigningKeys(self.store)
        brute_force = BruteForceProtection(self.clock, options.brute_force_limit)
        self.users = Users(self.store, self.tenant, self.clock, brute_force)
        hook = PostLoginHook(options.hook_url, options.hook_secret) if options.hook_url else None
        self.tokens = TokenFactory(
            tenant=self.tenant, store=self.store, keys=self.keys, clock=self.clock,
            users=self.users, hook=hook,
        )  # fmt: skip
        self.password_hook = (
            PasswordChangeHook(options.password_hook_url, options.password_hook_secret)
            if options.password_hook_url
            else None
        )
        self.codes = Codes(self.store, self.clock, self.tokens)
        self.sessions = Sessions(self.store, self.clock, self.tenant.session_lifetime_s)
        self.faults = Faults(options.faults)
        self.rate_limit = RateLimiter(self.clock, *options.rate_limit)
        self.server = build_authorization_server(self)
        self.router = self._routes()
        seed_users(self, options.seed)
        if options.console is not None:
            self._console_routes(options.console, options.seed)

    def _console_routes(self, options: ConsoleOptions, seed: dict[str, Any]) -> None:
        first: dict[str, Any] = next(iter(seed.get("users", [])), {})
        first_user = first.get("email", "")
        console = ConsoleViews(self, options, first_user)
        for methods, path, view, family in CONSOLE_ROUTES:
            self.router.add(methods, path, getattr(console, view), family)

    def _routes(self) -> Router:
        router = Router()
        auth, login = AuthenticationViews(self), LoginViews(self)
        users, roles, tickets = UserViews(self), RoleViews(self), TicketViews(self)
        control = ControlViews(self)
        for methods, path, handler, family in (
            ("GET", "/.well-known/openid-configuration", auth.discovery, "discovery"),
            ("GET", "/.well-known/jwks.json", auth.jwks, "jwks"),
            ("GET", "/authorize", login.authorize, "authorize"),
            ("POST", "/u/login", login.login, "authorize"),
            ("GET", "/lo/reset", tickets.page, "authorize"),
            ("POST", "/lo/reset", tickets.reset, "authorize"),
            ("POST", "/oauth/token", auth.token, "token"),
            ("GET POST", "/userinfo", auth.userinfo, "userinfo"),
            ("POST", "/oauth/revoke", auth.revoke, "revoke"),
            ("GET", "/v2/logout", login.logout, "logout"),
            ("GET", "/api/v2/users", users.list_users, "management"),
            ("POST", "/api/v2/users", users.create, "management"),
            ("GET", "/api/v2/users-by-email", users.by_email, "management"),
            ("GET", "/api/v2/users/{id}", users.get, "management"),
            ("PATCH", "/api/v2/users/{id}", users.update, "management"),
            ("DELETE", "/api/v2/users/{id}", users.delete, "management"),
            ("GET", "/api/v2/users/{id}/roles", roles.user_roles, "management"),
            ("POST", "/api/v2/users/{id}/roles", roles.assign, "management"),
            ("DELETE", "/api/v2/users/{id}/roles", roles.remove, "management"),
            ("GET", "/api/v2/roles", roles.list_roles, "management"),
            ("POST", "/api/v2/tickets/password-change", tickets.create, "management"),
            ("GET POST DELETE", "/__emulator/faults", control.faults, "control"),
            ("POST", "/__emulator/rate-limit", control.rate_limit, "control"),
            ("POST", "/__emulator/rotate-key", control.rotate_key, "control"),
            ("POST", "/__emulator/clock", control.clock, "control"),
            ("GET", "/__emulator/health", control.health, "control"),
        ):
            router.add(methods, path, handler, family)
        return router

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        response.headers.extend(request.context.get("extra_headers", []))
        start_response(status_line(response.status), response.headers)
        return [b""] if request.method == "HEAD" else [response.body]

    def handle(self, request: Request) -> Response:
        route, path_known = self.router.match(request)
        if route is None:
            error = (
                Auth0Error(
                    HTTPStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", "method_not_allowed"
                )
                if path_known
                else Auth0Error(HTTPStatus.NOT_FOUND, "Not Found", "not_found")
            )
            return json_response(error.body(), error.status)
        try:
            fault = self._fault(route.family)
            return fault if fault is not None else route.handler(request)
        except Auth0Error as exc:
            return json_response(exc.body(), exc.status, exc.headers)
        except OAuth2Error as exc:
            return self.server.handle_error_response(None, exc)
        except Exception:
            logger.exception("auth0emulator: %s %s failed", request.method, request.path)
            body = Auth0Error(500, "Internal error in the emulator", "internal_error").body()
            return json_response(body, HTTPStatus.INTERNAL_SERVER_ERROR)

    def _fault(self, family: str) -> Response | None:
        if family == "control":
            return None
        fault = self.faults.decide(family)
        Faults.wait(fault)
        if fault.status is None:
            return None
        return fault_response(family, fault.status, int(self.clock.now()))


def fault_response(family: str, status: int, now: int) -> Response:
    headers: list[tuple[str, str]] = []
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        headers = [("x-ratelimit-limit", "0"), ("x-ratelimit-remaining", "0"),
                   ("x-ratelimit-reset", str(now + 1)), ("Retry-After", "1")]  # fmt: skip
        message, code = "Global limit has been reached", "too_many_requests"
    else:
        message, code = "Injected fault (auth0emulator)", "temporarily_unavailable"
    if family == "management":
        return json_response(Auth0Error(status, message, code).body(), status, headers)
    return json_response({"error": code, "error_description": message}, status, headers)


def seed_users(emulator: Emulator, seed: dict[str, Any]) -> None:
    """Create the seed's users that do not exist yet (by connection and email), with roles."""
    for index, data in enumerate(seed.get("users", [])):
        if emulator.users.find_by_email(data["email"], data["connection"]):
            continue
        try:
            user = emulator.users.create(data, user_id=data.get("user_id"))
        except Auth0Error as exc:
            raise SeedError("<seed>", f"$.users[{index}]", exc.message) from None
        role_ids = [emulator.tenant.role_by_name(name) for name in data.get("roles", [])]
        emulator.users.set_roles(user["user_id"], add=[r.id for r in role_ids if r])
