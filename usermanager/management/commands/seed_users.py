"""`manage.py seed_users FILE`: create or update users from a JSON or CSV file, idempotently."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from usermanager.progress import ProgressBar
from usermanager.services.seeding import SeedOutcome, read_seed_file, seed_rows


class Command(BaseCommand):
    help = (
        "Upsert users by email from a JSON list or a CSV file, through the same services as "
        "the REST API (Auth0 and the database together). Running it twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="users.json (a list of users) or users.csv")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=4,
            help="rows seeded in parallel (Auth0's rate limit still applies; default 4)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = read_seed_file(options["file"])
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"{options['file']}: cannot read the users ({exc})") from None
        started = time.monotonic()
        outcomes = seed_rows(
            rows,
            dry_run=options["dry_run"],
            workers=max(1, options["workers"]),
            progress=ProgressBar(self.stderr, len(rows), label="seeding ").advance,
        )
        self._summary(outcomes, time.monotonic() - started, dry_run=options["dry_run"])

    def _summary(self, outcomes: dict[int, SeedOutcome], elapsed: float, *, dry_run: bool) -> None:
        counts = Counter(outcome.action for outcome in outcomes.values())
        names = ("created", "linked", "updated", "unchanged", "failed")
        parts = ", ".join(f"{counts[name]} {name}" for name in names)
        suffix = " (dry run: nothing was written)" if dry_run else ""
        self.stdout.write(f"{len(outcomes)} rows in {elapsed:.1f} s: {parts}{suffix}")
        failed = sorted((number, o.error) for number, o in outcomes.items() if o.failed)
        if failed:
            lines = "\n".join(f"  row {number}: {error}" for number, error in failed)
            raise CommandError(f"{len(failed)} rows failed:\n{lines}")
