"""`manage.py gateway check [FILE]`, `gateway routes [--file]`, `gateway nginx-conf [...]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from acl.errors import PolicyError
from gateway.headers import session_cookie_names
from gateway.nginx import NginxOptions, render
from gateway.routes import Routes, load_routes


def session_cookies() -> tuple[str, ...]:
    return tuple(sorted(session_cookie_names()))


class Command(BaseCommand):
    help = "Check the gateway's routes file, list its endpoints, or render them as nginx config."
    # `gateway check OTHER.json` must work even when the configured file is broken.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("check", help="validate and compile a routes file")
        check.add_argument("file", nargs="?", type=Path, help="default: GATEWAY_ROUTES_FILE")
        routes = sub.add_parser("routes", help="each endpoint's base path, upstream and rewrite")
        routes.add_argument("--file", type=Path, help="default: GATEWAY_ROUTES_FILE")
        nginx = sub.add_parser("nginx-conf", help="nginx configuration for the same routes")
        nginx.add_argument("--authgw", default="http://127.0.0.1:8080", help="authgw's URL")
        nginx.add_argument("--listen", default="0.0.0.0:80", help="nginx's listen address")
        nginx.add_argument("--file", type=Path, help="default: GATEWAY_ROUTES_FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, f"_{options['subcommand'].replace('-', '_')}")
        try:
            handler(options)
        except PolicyError as exc:
            raise CommandError(str(exc)) from None

    def _routes_of(self, file: Path | None) -> Routes:
        path = file or settings.GATEWAY.routes_file
        if path is None:
            raise CommandError("No routes file: pass one, or set GATEWAY_ROUTES_FILE.")
        return load_routes(path)

    def _check(self, options: dict[str, Any]) -> None:
        routes = self._routes_of(options["file"])
        count = len(routes.endpoints)
        self.stdout.write(f"{routes.file}: OK, {count} endpoint{'s' if count != 1 else ''}")

    def _routes(self, options: dict[str, Any]) -> None:
        rows = [("BASE PATH", "UPSTREAM", "REWRITE", "TIMEOUT", "MAX BODY", "AUTHORIZATION")]
        for endpoint in self._routes_of(options["file"]).endpoints:
            rows.append(
                (
                    endpoint.base_path,
                    endpoint.upstream + endpoint.upstream_path,
                    endpoint.rewrite_base_path,
                    f"{endpoint.timeout_s:g}s",
                    str(endpoint.max_body_bytes),
                    "passed" if endpoint.pass_authorization else "stripped",
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())

    def _nginx_conf(self, options: dict[str, Any]) -> None:
        routes = self._routes_of(options["file"])
        config = NginxOptions(
            authgw=options["authgw"],
            listen=options["listen"],
            acl=settings.ACL,
            service_prefix=settings.SERVICE_PREFIX,
            session_cookies=session_cookies(),
        )
        self.stdout.write(render(routes, config), ending="")
