"""`manage.py reconcile_users [--fix]`: report (and repair) drift between the database and Auth0."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authgw.errors import ApiError
from usermanager.services.reconcile import ReconcileReport, reconcile_fix, reconcile_scan


class Command(BaseCommand):
    help = (
        "Compare local users with Auth0: local users whose Auth0 user is missing, Auth0 users "
        "without a local user, and different groups or blocked flags. --fix repairs them (the "
        "database wins). Exits 1 while drift remains."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="repair what was found")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = reconcile_scan()
        except ApiError as exc:
            raise CommandError(f"cannot read the users: {exc.message}") from None
        self._header(report)
        remaining = 0
        for drift in report.drifts:
            line = (
                f"{drift.kind:<18} {drift.email or '-':<32} _id={drift.user_id or '-'} "
                f"authUserId={drift.auth_user_id or '-'}: {drift.detail}"
            )
            if not options["fix"]:
                self.stdout.write(line)
                remaining += 1
                continue
            try:
                self.stdout.write(f"{line} -> fixed: {reconcile_fix(drift)}")
            except ApiError as exc:
                self.stdout.write(f"{line} -> NOT fixed: {exc.message}")
                remaining += 1
        self.stdout.write(f"{len(report.drifts)} drifts found, {remaining} remaining.")
        if remaining:
            raise CommandError(
                f"{remaining} drifts remain"
                + ("" if options["fix"] else "; run with --fix to repair them")
            )

    def _header(self, report: ReconcileReport) -> None:
        self.stdout.write(
            f"{report.local_users} local users ({report.not_registered} without an Auth0 user "
            f"yet), {report.auth0_users} Auth0 users."
        )
        if report.truncated:
            self.stderr.write(
                "Auth0 lists only its first 1,000 users page by page: Auth0 users beyond them "
                "that have no local user are not reported (use a users export job)."
            )
