"""`manage.py acl check [FILE]`, `acl explain METHOD URL [...]`, `acl test CASES.json`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from acl.api_keys import load_api_keys
from acl.cli import acl_input, explain, load_cases, run_case, summary
from acl.errors import PolicyError
from acl.identity import Identity
from acl.policy import Policy, load_policy


def _names(raw: str) -> frozenset[str]:
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


class Command(BaseCommand):
    help = "Check auth.json, explain one decision, or run a file of policy test cases."
    # `acl check OTHER.json` must work even when the configured file is broken.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("check", help="validate and compile an auth.json file")
        check.add_argument("file", nargs="?", type=Path, help="default: the configured auth.json")
        check.add_argument("--api-keys", type=Path, help="also validate this API-keys file")
        explain_ = sub.add_parser("explain", help="show how one request is decided")
        explain_.add_argument("method")
        explain_.add_argument("url")
        explain_.add_argument("--groups", default="", help="comma-separated")
        explain_.add_argument("--permissions", default="", help="comma-separated")
        explain_.add_argument("--client-type", default=None)
        explain_.add_argument("--backoffice", action="store_true")
        explain_.add_argument("--anonymous", action="store_true", help="no signed-in user")
        explain_.add_argument("--file", type=Path, help="default: the configured auth.json")
        test = sub.add_parser("test", help="run request + user -> expected status cases")
        test.add_argument("cases", type=Path)
        test.add_argument("--file", type=Path, help="default: the configured auth.json")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, f"_{options['subcommand']}")
        try:
            handler(options)
        except PolicyError as exc:
            raise CommandError(str(exc)) from None

    def _policy(self, file: Path | None) -> Policy:
        return load_policy(file or settings.ACL.policy_path)

    def _check(self, options: dict[str, Any]) -> None:
        policy = self._policy(options["file"])
        for warning in policy.warnings:
            self.stderr.write(f"warning: {warning}")
        if options["api_keys"]:
            keys = load_api_keys(options["api_keys"])
            self.stdout.write(f"{options['api_keys']}: OK, {len(keys)} API keys")
        self.stdout.write(f"{policy.file}: OK, {len(policy.routes)} routes")

    def _explain(self, options: dict[str, Any]) -> None:
        identity = None
        if not options["anonymous"]:
            identity = Identity(
                user_id="explain-user",
                groups=_names(options["groups"]),
                permissions=_names(options["permissions"]),
            )
        request = acl_input(
            options["method"],
            options["url"],
            identity=identity,
            client_type=options["client_type"],
            backoffice=options["backoffice"],
        )
        for line in explain(self._policy(options["file"]), request):
            self.stdout.write(line)

    def _test(self, options: dict[str, Any]) -> None:
        policy = self._policy(options["file"])
        cases = load_cases(options["cases"])
        results = [run_case(policy, number, case) for number, case in enumerate(cases, 1)]
        for result in results:
            self.stdout.write(result.line())
        self.stdout.write(summary(results))
        if not all(result.passed for result in results):
            raise CommandError(f"{options['cases']}: {summary(results)}")
