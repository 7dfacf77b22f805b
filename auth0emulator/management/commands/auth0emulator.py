"""`python manage.py auth0emulator`: serve the offline Auth0 emulator, or rotate its signing key.

manage.py auth0emulator --host 127.0.0.1 --port 3001 --seed FILE [--data FILE]
    [--faults JSON] [--rate-limit N/SECONDS|off] [--brute-force-limit N] [--allow-remote]
    [--post-login-hook-url URL --post-login-hook-secret SECRET]
    [--password-hook-url URL --password-hook-secret SECRET]
    [--console [--console-tenant-id ID] [--console-extension-id ID] [--console-extension-url URL]
     [--console-callback-url URL] [--console-user EMAIL] [--console-token-lifetime SECONDS]]
manage.py auth0emulator rotate-key --data FILE      (emulator stopped: edits the data file)
manage.py auth0emulator rotate-key --url http://127.0.0.1:3001   (emulator running)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from auth0emulator.app import EmulatorOptions
from auth0emulator.bruteforce import DEFAULT_LIMIT
from auth0emulator.clock import Clock
from auth0emulator.config import EmulatorSettings
from auth0emulator.console import ConsoleOptions
from auth0emulator.faults import FaultConfigError, validate_faults
from auth0emulator.keys import SigningKeys
from auth0emulator.seed import DEMO_SEED_PATH, SeedError, load_seed
from auth0emulator.server import is_loopback_host, serve
from auth0emulator.store import Store, StoreError

# Generous, so that a fast test loop is not throttled by surprise; tests of 429 set their own.
DEFAULT_RATE_LIMIT = (100, 1)


def parse_rate_limit(raw: str) -> tuple[int | None, int]:
    if raw == "off":
        return None, 1
    limit, _, window = raw.partition("/")
    try:
        values = int(limit), int(window or 1)
    except ValueError:
        raise CommandError(f"--rate-limit {raw!r}: expected N/SECONDS or off") from None
    if values[0] < 1 or values[1] < 1:
        raise CommandError(f"--rate-limit {raw!r}: both numbers must be >= 1")
    return values


def check_bind_host(host: str, *, allow_remote: bool) -> None:
    """The emulator is a test tool (plain HTTP, demo secrets, fault knobs): loopback only,
    unless the operator says otherwise in so many words."""
    if allow_remote or is_loopback_host(host):
        return
    raise CommandError(
        f"--host {host!r} is not a loopback address: the emulator binds only to 127.0.0.0/8, "
        "::1 or localhost. Pass --allow-remote to expose it on another interface deliberately."
    )


def non_negative(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r}: expected a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{raw!r}: must be 0 (off) or more")
    return value


def parse_faults(raw: str | None) -> dict[str, dict[str, Any]]:
    if not raw:
        return {}
    try:
        return validate_faults(json.loads(raw))
    except ValueError as exc:  # FaultConfigError is a ValueError, so is bad JSON
        raise CommandError(f"--faults: {exc}") from None


class Command(BaseCommand):
    help = "Run the offline Auth0-compatible identity provider (or rotate its signing key)."
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's attribute
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        defaults: EmulatorSettings = settings.AUTH0EMULATOR
        parser.add_argument("action", nargs="?", default="serve", choices=["serve", "rotate-key"])
        parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
        parser.add_argument(
            "--allow-remote",
            action="store_true",
            help="allow --host to be a non-loopback address (the emulator is a test tool)",
        )
        parser.add_argument("--port", type=int, default=3001, help="0 picks a free port")
        parser.add_argument("--seed", type=Path, default=DEMO_SEED_PATH)
        parser.add_argument(
            "--data", default=str(defaults.data_file), help="JSON store; ':memory:' keeps nothing"
        )
        parser.add_argument("--faults", help='e.g. {"token": {"fail_next": 1, "fail_status": 503}}')
        parser.add_argument("--rate-limit", default=None, help="Management API: N/SECONDS or off")
        parser.add_argument(
            "--brute-force-limit",
            type=non_negative,
            default=DEFAULT_LIMIT,
            help="failed logins for one email from one IP before it is blocked, as Auth0's "
            f"brute-force protection (default {DEFAULT_LIMIT}; 0: off)",
        )
        parser.add_argument("--post-login-hook-url", default=defaults.post_login_hook_url)
        parser.add_argument("--post-login-hook-secret", default=defaults.post_login_hook_secret)
        parser.add_argument(
            "--password-hook-url",
            default=defaults.password_hook_url,
            help="called with the user id after every password change (post-change-password)",
        )
        parser.add_argument("--password-hook-secret", default=defaults.password_hook_secret)
        parser.add_argument("--url", help="rotate-key: the running emulator's base URL")
        self._add_console_arguments(parser)

    @staticmethod
    def _add_console_arguments(parser: CommandParser) -> None:
        console = ConsoleOptions()
        parser.add_argument(
            "--console",
            action="store_true",
            help="also serve a Mia-Platform Console's SSO for one extension (seed 002)",
        )
        parser.add_argument("--console-tenant-id", default=console.tenant_id)
        parser.add_argument("--console-extension-id", default=console.extension_id)
        parser.add_argument(
            "--console-extension-url",
            default=console.extension_url,
            help="the extension's base URL: the audience of the Console's tokens",
        )
        parser.add_argument(
            "--console-callback-url",
            default=None,
            help="the registered callback (default: extension URL + /console-login/callback)",
        )
        parser.add_argument(
            "--console-user", default=None, help="the signed-in Console user (default: first user)"
        )
        parser.add_argument(
            "--console-token-lifetime", type=non_negative, default=console.token_lifetime_s
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate-key":
            self._rotate_key(options)
            return
        check_bind_host(options["host"], allow_remote=options["allow_remote"])
        try:
            seed = load_seed(options["seed"])
        except SeedError as exc:
            raise CommandError(str(exc)) from None
        build = EmulatorOptions(
            seed=seed,
            issuer="",
            data_path=options["data"],
            faults=parse_faults(options["faults"]),
            rate_limit=self._rate_limit(seed, options["rate_limit"]),
            brute_force_limit=options["brute_force_limit"],
            hook_url=options["post_login_hook_url"] or seed.get("post_login_hook", {}).get("url"),
            hook_secret=options["post_login_hook_secret"]
            or seed.get("post_login_hook", {}).get("secret", ""),
            password_hook_url=options["password_hook_url"],
            password_hook_secret=options["password_hook_secret"],
            console=self._console(options),
        )
        try:
            serve(options["host"], options["port"], build)
        except (StoreError, SeedError, FaultConfigError, OSError) as exc:
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt:
            return

    @staticmethod
    def _console(options: dict[str, Any]) -> ConsoleOptions | None:
        if not options["console"]:
            return None
        return ConsoleOptions(
            tenant_id=options["console_tenant_id"],
            extension_id=options["console_extension_id"],
            extension_url=options["console_extension_url"],
            callback_url=options["console_callback_url"],
            user_email=options["console_user"],
            token_lifetime_s=options["console_token_lifetime"],
        )

    @staticmethod
    def _rate_limit(seed: dict[str, Any], raw: str | None) -> tuple[int | None, int]:
        if raw is not None:
            return parse_rate_limit(raw)
        configured = seed.get("rate_limit")
        if configured:
            return int(configured["limit"]), int(configured.get("window_seconds", 1))
        return DEFAULT_RATE_LIMIT

    def _rotate_key(self, options: dict[str, Any]) -> None:
        if options["url"]:
            url = options["url"].rstrip("/") + "/__emulator/rotate-key"
            try:
                response = requests.post(url, timeout=10)
                response.raise_for_status()
            except requests.RequestException as exc:
                raise CommandError(f"{url}: {exc}") from None
            self.stdout.write(f"new signing key {response.json()['kid']}")
            return
        try:
            kid = SigningKeys(Store(options["data"], Clock().now)).rotate()
        except StoreError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"new signing key {kid} in {options['data']}")
